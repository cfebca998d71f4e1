"""Error answers stay small whatever the request (issue 10, defect 2): a ValidationException
counts every violation but lists only the first ones, with long values cut; an operation trent
does not implement is refused without reading its body. Internal failures (defect 9) answer
KMSInternalException with the request id, and their text goes to the log only."""

import http.client
import json
import os
import sqlite3
import time

import harness

AUTH = ("AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/kms/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0" * 64)

# The body limit is 1 MiB: 349,000 list elements of 3 bytes fit.
ELEMENTS = 349000


def json_list(element, n):
    return b"[" + b",".join([element] * n) + b"]"


class ErrorSizes(harness.TrentdTestCase):

    def post(self, target, body):
        """Returns (status, raw answer, seconds until the whole answer was read)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            started = time.monotonic()
            conn.request("POST", "/", body=body, headers={
                "Content-Type": "application/x-amz-json-1.1", "Authorization": AUTH,
                "X-Amz-Date": "20240101T000000Z", "X-Amz-Target": "TrentService." + target})
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, data, time.monotonic() - started
        finally:
            conn.close()

    def check_small_error(self, target, body, code):
        self.assertLess(len(body), 1024 * 1024)
        status, data, seconds = self.post(target, body)
        self.assertEqual(status, 400, data[:300])
        self.assertLess(len(data), 4096, data[:300])
        # Before the fix the answer was 130 MB after 550 ms of CPU; now it is a few milliseconds
        # of work, and the bound leaves room for a loaded machine.
        self.assertLess(seconds, 3.0)
        answer = json.loads(data)
        self.assertEqual(answer["__type"], code)
        return answer.get("message", "")

    def test_unimplemented_operation_is_refused_unread(self):
        body = b'{"Operations":' + json_list(b'""', ELEMENTS) + b"}"
        message = self.check_small_error("ReplicateKey", body, "UnsupportedOperationException")
        self.assertEqual(message, "trent does not implement ReplicateKey yet.")
        # Not even parsed: a body that is not JSON gets the same answer.
        self.assertEqual(self.check_small_error("ReplicateKey", b"{not json", "UnsupportedOperationException"),
                         message)

    def test_many_violations_are_counted_and_a_few_listed(self):
        body = b'{"Tags":' + json_list(b"{}", ELEMENTS) + b"}"
        message = self.check_small_error("CreateKey", body, "ValidationException")
        self.assertTrue(message.startswith(
            f"{2 * ELEMENTS} validation errors detected: Value null at 'tags.1.member.tagKey' failed to "
            "satisfy constraint: Member must not be null; Value null at 'tags.1.member.tagValue'"), message)
        self.assertEqual(message.count("failed to satisfy constraint"), 10)
        self.assertIn("'tags.5.member.tagValue'", message)
        self.assertNotIn("'tags.6.member", message)

    def test_long_values_are_cut(self):
        status, data, _ = self.post("Decrypt", json.dumps({"CiphertextBlob": "A" * 500000 + "!!!!"}).encode())
        self.assertEqual(status, 400)
        self.assertLess(len(data), 4096)
        self.assertEqual(json.loads(data)["message"],
                         "'" + "A" * 512 + "...' can not be converted to a Blob: Invalid Base64 character: '!'")

        self.assertAwsError(
            "ValidationException", self.kms.create_key, Description="d" * 100000,
            message="1 validation error detected: Value '" + "d" * 512 + "...' at 'description' failed to "
                    "satisfy constraint: Member must have length less than or equal to 8192")

    def test_the_server_still_serves(self):
        key = self.new_key()["KeyId"]
        blob = self.kms.encrypt(KeyId=key, Plaintext=b"after")["CiphertextBlob"]
        self.assertEqual(self.kms.decrypt(CiphertextBlob=blob)["Plaintext"], b"after")


class InternalErrors(harness.TrentdTestCase):

    def test_internal_failure_text_is_logged_not_sent(self):
        self.new_key()  # the database is open and written once
        # Another process holds SQLite's write lock: trentd's write fails after its busy timeout.
        db = sqlite3.connect(os.path.join(self.server.data_dir, "trent.db"), isolation_level=None)
        try:
            db.execute("BEGIN EXCLUSIVE")
            from botocore.exceptions import ClientError
            with self.assertRaises(ClientError) as cm:
                self.kms.create_key()
        finally:
            db.close()
        err = cm.exception.response["Error"]
        meta = cm.exception.response["ResponseMetadata"]
        request_id = meta["RequestId"]
        self.assertEqual(err["Code"], "KMSInternalException")
        self.assertEqual(meta["HTTPStatusCode"], 500)
        self.assertTrue(request_id)
        self.assertEqual(err["Message"], "The request was rejected because an internal exception occurred. "
                                         f"The request can be retried. Request id: {request_id}.")
        log = self.server.stderr()
        line = next((l for l in log.splitlines() if request_id in l), "")
        self.assertIn("internal error", line, log)
        self.assertIn("locked", line)  # SQLite's own words, for the operator only

        # The lock is gone: the next CreateKey succeeds.
        self.new_key()


if __name__ == "__main__":
    harness.main()
