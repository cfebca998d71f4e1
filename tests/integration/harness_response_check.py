"""The harness fails a test whose trentd logged a response check failure (a trentd built with
-DTRENT_CHECK_RESPONSES=ON answers KMSInternalException and logs it when one of its answers does
not match the service model), and only then."""

import harness


class ResponseCheckReportTest(harness.TrentdTestCase):
    def test_clean_log_passes(self):
        key = self.new_key()
        self.kms.describe_key(KeyId=key["KeyId"])
        self.server.check_reports()

    def test_logged_failure_fails_the_test(self):
        server = harness.Trentd()
        try:
            server.start()
            server.stop()
            # The line as trentd's dispatcher writes it (server/ops/dispatcher.cpp).
            with open(server.stderr_path, "a") as f:
                f.write("[error] request r-1: internal error: " + harness.RESPONSE_CHECK_FAILED +
                        "Encrypt: $.KeyID is not a member of EncryptResponse\n")
            with self.assertRaises(harness.ResponseCheckError) as cm:
                server.check_reports()
            self.assertIn("$.KeyID is not a member of EncryptResponse", str(cm.exception))
            with self.assertRaises(harness.ResponseCheckError):
                server.close()
        finally:
            server.kill()


if __name__ == "__main__":
    harness.main()
