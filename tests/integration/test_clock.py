"""trentd --test-clock: the admin API's methods that move the clock (POST /_trent/v1/AdvanceClock
and GetClock, protobuf's JSON mapping of proto/trent/v1/admin.proto), their errors, their refusal
without the flag, and key deletion seen end to end as the clock passes the deletion date."""

import time

import harness

DAY = 24 * 60 * 60


class WithTestClock(harness.TrentdTestCase):
    trentd_args = ("--test-clock",)

    def test_get_and_advance(self):
        status, before = self.server.admin("GetClock")
        self.assertEqual(status, 200)
        self.assertEqual(set(before), {"now", "offsetSeconds"})
        now, offset = self.server.clock()
        self.assertAlmostEqual(now, time.time(), delta=60 + offset)
        status, after = self.server.admin("AdvanceClock", {"seconds": 3600})
        self.assertEqual(status, 200)
        # protobuf's JSON mapping writes an int64 as a string, and reads one or a number.
        self.assertEqual(after["offsetSeconds"], str(offset + 3600))
        moved = harness.parse_timestamp(after["now"])
        self.assertGreaterEqual(moved - now, 3600)
        self.assertLess(moved - now, 3600 + 60)
        # The clock keeps running, and KMS dates follow it.
        key = self.new_key()
        created = key["CreationDate"].timestamp()
        self.assertAlmostEqual(created, time.time() + offset + 3600, delta=60)
        status, zero = self.server.admin("AdvanceClock", {"seconds": "0"})
        self.assertEqual((status, zero["offsetSeconds"]), (200, after["offsetSeconds"]))

    def test_bad_requests(self):
        for body in ({}, {"seconds": -1}, {"seconds": 10 ** 12}):
            with self.subTest(body=body):
                status, answer = self.server.admin("AdvanceClock", body)
                self.assertEqual(status, 400)
                self.assertEqual(answer["__type"], "ValidationException")
        # Not the request message: bad JSON, another type, a field it does not have (the old
        # name "Seconds" included).
        for body in ("not json", "[1]", {"seconds": 1.5}, {"seconds": "sixty"}, {"Seconds": 60}):
            with self.subTest(body=body):
                status, answer = self.server.admin("AdvanceClock", body)
                self.assertEqual((status, answer["__type"]), (400, "SerializationException"))
        status, answer = self.server.admin("NoSuchMethod")
        self.assertEqual((status, answer["__type"]), (404, "UnknownOperationException"))
        status, _ = self.server.admin("GetClock", http_method="GET")
        self.assertEqual(status, 405)
        _, offset = self.server.clock()
        self.assertEqual(offset % 3600, 0, "a refused request moved the clock")

    def test_key_is_deleted_when_its_deletion_date_passes(self):
        key = self.new_key()
        keep = self.new_key()
        blob = self.kms.encrypt(KeyId=key["KeyId"], Plaintext=b"secret")["CiphertextBlob"]
        out = self.kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
        deletion = out["DeletionDate"].timestamp()

        now, _ = self.server.clock()
        # A minute short of the date: still pending deletion.
        self.server.advance_clock(int(deletion - now) - 60)
        md = self.kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        self.assertEqual(md["KeyState"], "PendingDeletion")

        # Past it: gone on AdvanceClock's return, everywhere.
        self.server.advance_clock(120)
        self.assertAwsError("NotFoundException", self.kms.describe_key, KeyId=key["KeyId"],
                            message=f"Key '{key['Arn']}' does not exist")
        listed = [k["KeyId"] for k in self.kms.list_keys(Limit=1000)["Keys"]]
        self.assertNotIn(key["KeyId"], listed)
        self.assertIn(keep["KeyId"], listed)
        # trent's ciphertext names the key version only, which is gone with the key: the blob
        # is then as unreadable as any other.
        self.assertAwsError("InvalidCiphertextException", self.kms.decrypt, CiphertextBlob=blob)
        self.assertEqual(self.kms.describe_key(KeyId=keep["KeyId"])["KeyMetadata"]["KeyState"],
                         "Enabled")

        # And it stays gone after a restart.
        self.server.stop()
        self.server.start()
        kms = self.server.client()
        self.assertAwsError("NotFoundException", kms.describe_key, KeyId=key["KeyId"])
        self.assertEqual(kms.describe_key(KeyId=keep["KeyId"])["KeyMetadata"]["KeyState"],
                         "Enabled")


class WithoutTestClock(harness.TrentdTestCase):

    def test_clock_methods_are_refused(self):
        for method, body in (("GetClock", None), ("AdvanceClock", {"seconds": 60})):
            with self.subTest(method=method):
                status, answer = self.server.admin(method, body)
                self.assertEqual((status, answer["__type"]),
                                 (400, "UnsupportedOperationException"))
                self.assertIn("--test-clock", answer["message"])
        # The rest of the admin API is served, and says there is no test clock.
        status, health = self.server.admin("Health")
        self.assertEqual((status, health["status"], health["testClock"]), (200, "SERVING", False))
        # KMS goes on as usual.
        self.new_key()


if __name__ == "__main__":
    harness.main()
