"""Raw HTTP against trentd: malformed and hostile requests get AWS JSON 1.1 errors, and the
server keeps serving, on new connections and on the same keep-alive connection. Also startup
failures: a bad flag and an unusable data directory."""

import base64
import http.client
import json
import os
import socket
import subprocess
import tempfile
import unittest

import harness

AUTH = ("AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/kms/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0" * 64)


class RawRequests(harness.TrentdTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key = cls.kms.create_key()["KeyMetadata"]
        cls.blob = cls.kms.encrypt(KeyId=cls.key["KeyId"], Plaintext=b"raw")["CiphertextBlob"]

    def connect(self):
        return http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)

    def post(self, body, target="TrentService.Encrypt", conn=None, headers=None):
        """Sends one request; returns (status, headers, parsed JSON body or raw bytes)."""
        own = conn is None
        conn = conn or self.connect()
        try:
            hdrs = {"Content-Type": "application/x-amz-json-1.1", "Authorization": AUTH,
                    "X-Amz-Date": "20240101T000000Z"}
            if target is not None:
                hdrs["X-Amz-Target"] = target
            hdrs.update(headers or {})
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
            if isinstance(body, str):
                body = body.encode()
            conn.request("POST", "/", body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            try:
                parsed = json.loads(data)
            except ValueError:
                parsed = data
            return resp.status, resp, parsed
        finally:
            if own:
                conn.close()

    # AWS may answer these with __type alone: its front end rejects the first two before any
    # operation runs; InvalidCiphertextException never carries a message.
    TYPE_ONLY_ERRORS = ("UnknownOperationException", "SerializationException",
                        "InvalidCiphertextException")

    def check_error(self, result, code, status=400, message=None, message_contains=()):
        status_got, resp, body = result
        self.assertEqual(status_got, status, body)
        self.assertIsInstance(body, dict, f"error body is not a JSON object: {body!r}")
        self.assertEqual(body.get("__type", "").split("#")[-1], code, body)
        if code in self.TYPE_ONLY_ERRORS:
            self.assertIsInstance(body.get("message", ""), str, body)
        else:
            self.assertIsInstance(body.get("message"), str, body)
        self.assertTrue(resp.getheader("x-amzn-RequestId"), "no x-amzn-RequestId")
        self.assertEqual(resp.getheader("Content-Type"), "application/x-amz-json-1.1")
        if message is not None:
            self.assertEqual(body["message"], message)
        for part in message_contains:
            self.assertIn(part, body["message"])
        return body

    def check_still_serving(self, conn=None):
        status, resp, body = self.post({"KeyId": self.key["KeyId"], "Plaintext": "aGVsbG8="},
                                       conn=conn)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["KeyId"], self.key["Arn"])
        self.assertTrue(resp.getheader("x-amzn-RequestId"))

    def test_good_request(self):
        status, resp, body = self.post({"KeyId": self.key["KeyId"], "Plaintext": "aGVsbG8="})
        self.assertEqual(status, 200)
        self.assertEqual(resp.getheader("Content-Type"), "application/x-amz-json-1.1")
        self.assertTrue(resp.getheader("x-amzn-RequestId"))
        self.assertIn("CiphertextBlob", body)
        # Request ids are unique.
        ids = {self.post({"NumberOfBytes": 4}, "TrentService.GenerateRandom")[1]
               .getheader("x-amzn-RequestId") for _ in range(5)}
        self.assertEqual(len(ids), 5)

    def test_malformed_json(self):
        for body in ('{"KeyId": ', "not json", '{"KeyId": "a",}', b"\xff\xfe{}", "{'a': 1}"):
            with self.subTest(body=body):
                self.check_error(self.post(body), "SerializationException")
        self.check_still_serving()

    def test_body_not_an_object(self):
        for body in ("[]", '["KeyId"]', '"string"', "42", "null", "true"):
            with self.subTest(body=body):
                self.check_error(self.post(body), "SerializationException")

    def test_empty_body(self):
        status, resp, body = self.post(b"")
        self.assertEqual(status, 400, body)
        self.assertIn(body.get("__type", "").split("#")[-1],
                      ("SerializationException", "ValidationException"), body)
        self.assertTrue(resp.getheader("x-amzn-RequestId"))

    def test_wrong_types(self):
        cases = [
            {"KeyId": 42, "Plaintext": "aGVsbG8="},
            {"KeyId": self.key["KeyId"], "Plaintext": 42},
            {"KeyId": self.key["KeyId"], "Plaintext": "aGVsbG8=", "EncryptionContext": ["a", "b"]},
            {"KeyId": self.key["KeyId"], "Plaintext": "aGVsbG8=", "EncryptionContext": {"a": 1}},
            {"KeyId": ["x"], "Plaintext": "aGVsbG8="},
            {"KeyId": self.key["KeyId"], "Plaintext": "aGVsbG8=", "GrantTokens": "t"},
        ]
        for body in cases:
            with self.subTest(body=body):
                self.check_error(self.post(body), "SerializationException")
        self.check_error(self.post({"NumberOfBytes": "12"}, "TrentService.GenerateRandom"),
                         "SerializationException")
        self.check_error(self.post({"Limit": True}, "TrentService.ListKeys"),
                         "SerializationException")
        self.check_still_serving()

    def test_unknown_members_are_ignored(self):
        status, _, body = self.post({"KeyId": self.key["KeyId"], "Plaintext": "aGVsbG8=",
                                     "SomethingNew": {"x": [1, 2]}})
        self.assertEqual(status, 200, body)

    def test_unknown_and_missing_target(self):
        self.check_error(self.post({}, "TrentService.NoSuchOperation"), "UnknownOperationException")
        self.check_error(self.post({}, "SomeOtherService.Encrypt"), "UnknownOperationException")
        status, resp, body = self.post({}, target=None)
        self.assertEqual(status, 400, body)
        self.assertIsInstance(body, dict)
        self.assertIn("__type", body)
        self.assertTrue(resp.getheader("x-amzn-RequestId"))
        self.check_still_serving()

    def test_missing_required_members(self):
        body = self.check_error(self.post({}, "TrentService.Encrypt"), "ValidationException")
        self.assertTrue(body["message"].startswith("2 validation errors detected: "), body)
        self.assertIn("Value null at 'keyId' failed to satisfy constraint: Member must not be null",
                      body["message"])
        self.assertIn("Value null at 'plaintext' failed to satisfy constraint: "
                      "Member must not be null", body["message"])
        self.check_error(
            self.post({"KeyId": self.key["KeyId"]}, "TrentService.Encrypt"), "ValidationException",
            message="1 validation error detected: Value null at 'plaintext' failed to satisfy "
                    "constraint: Member must not be null")
        self.check_error(
            self.post({}, "TrentService.DescribeKey"), "ValidationException",
            message="1 validation error detected: Value null at 'keyId' failed to satisfy "
                    "constraint: Member must not be null")
        self.check_error(
            self.post({"CiphertextBlob": base64.b64encode(self.blob).decode()},
                      "TrentService.ReEncrypt"), "ValidationException",
            message="1 validation error detected: Value null at 'destinationKeyId' failed to "
                    "satisfy constraint: Member must not be null")

    def test_invalid_base64(self):
        for value in ("not base64!", "%%%%", "aGVsbG8=!!"):
            with self.subTest(value=value):
                status, _, body = self.post({"KeyId": self.key["KeyId"], "Plaintext": value})
                self.assertEqual(status, 400, body)
                self.assertIn(body.get("__type", "").split("#")[-1],
                              ("SerializationException", "ValidationException"), body)
        status, _, body = self.post({"CiphertextBlob": "%%%"}, "TrentService.Decrypt")
        self.assertEqual(status, 400, body)
        self.assertIn(body.get("__type", "").split("#")[-1],
                      ("SerializationException", "ValidationException"), body)
        self.check_still_serving()

    def test_truncated_and_altered_ciphertexts(self):
        blob = self.blob
        variants = [blob[:1], blob[:len(blob) // 2], blob[:-1], blob + b"\x00",
                    bytes([blob[0] ^ 0xFF]) + blob[1:], blob[:-1] + bytes([blob[-1] ^ 1]),
                    b"\x00" * len(blob)]
        for v in variants:
            with self.subTest(length=len(v)):
                self.check_error(self.post({"CiphertextBlob": base64.b64encode(v).decode()},
                                           "TrentService.Decrypt"), "InvalidCiphertextException")
        status, _, body = self.post({"CiphertextBlob": base64.b64encode(blob).decode()},
                                    "TrentService.Decrypt")
        self.assertEqual(status, 200, body)
        self.assertEqual(base64.b64decode(body["Plaintext"]), b"raw")

    def test_validation_messages(self):
        self.check_error(
            self.post({"NumberOfBytes": 2000}, "TrentService.GenerateRandom"), "ValidationException",
            message="1 validation error detected: Value '2000' at 'numberOfBytes' failed to "
                    "satisfy constraint: Member must have value less than or equal to 1024")
        body = self.check_error(
            self.post({"KeyId": self.key["KeyId"], "NumberOfBytes": 0, "KeySpec": "AES_1"},
                      "TrentService.GenerateDataKey"), "ValidationException")
        self.assertTrue(body["message"].startswith("2 validation errors detected: "), body)
        self.assertIn("Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have "
                      "value greater than or equal to 1", body["message"])
        self.assertIn("Value 'AES_1' at 'keySpec' failed to satisfy constraint: Member must "
                      "satisfy enum value set: [AES_256, AES_128]", body["message"])

    def test_oversize_body(self):
        big = b'{"KeyId": "' + b"a" * (2 * 1024 * 1024) + b'"}'
        conn = self.connect()
        try:
            conn.request("POST", "/", body=big, headers={
                "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService.Encrypt"})
            resp = conn.getresponse()
            data = resp.read()
        except (BrokenPipeError, ConnectionResetError):
            self.fail("oversize body: connection dropped without a 413 response")
        finally:
            conn.close()
        self.assertEqual(resp.status, 413, data)
        body = json.loads(data)
        self.assertEqual(body["__type"].split("#")[-1], "RequestEntityTooLargeException")
        self.assertIn("message", body)
        self.assertTrue(resp.getheader("x-amzn-RequestId"))
        self.check_still_serving()

    def test_oversize_headers(self):
        conn = self.connect()
        try:
            conn.request("POST", "/", body=b"{}", headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": "TrentService.ListKeys", "X-Padding": "p" * (64 * 1024)})
            resp = conn.getresponse()
            resp.read()
            self.assertIn(resp.status, (400, 431), "oversize headers accepted")
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            pass   # closing the connection is an acceptable answer to 64 KiB of headers
        finally:
            conn.close()
        self.check_still_serving()

    def test_keep_alive_survives_errors(self):
        conn = self.connect()
        try:
            self.check_still_serving(conn)
            self.check_error(self.post("{bad", conn=conn), "SerializationException")
            self.check_still_serving(conn)
            self.check_error(self.post({}, "TrentService.Nope", conn=conn),
                             "UnknownOperationException")
            self.check_still_serving(conn)
            self.check_error(self.post({"KeyId": 1}, conn=conn), "SerializationException")
            self.check_still_serving(conn)
            self.check_error(self.post({"CiphertextBlob": "AAAA"}, "TrentService.Decrypt",
                                       conn=conn), "InvalidCiphertextException")
            self.check_still_serving(conn)
        finally:
            conn.close()

    def test_garbage_on_the_socket(self):
        for junk in (b"\x00\x01\x02 garbage\r\n\r\n", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                     b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nab"):
            with self.subTest(junk=junk):
                s = socket.create_connection(("127.0.0.1", self.server.port), timeout=5)
                try:
                    s.sendall(junk)
                    s.shutdown(socket.SHUT_WR)
                    try:
                        while s.recv(4096):
                            pass
                    except OSError:
                        pass
                finally:
                    s.close()
        self.check_still_serving()


class StartupFailures(unittest.TestCase):

    def run_trentd(self, *args):
        return subprocess.run([harness.trentd_path(), *args], capture_output=True, text=True,
                              timeout=30, env=harness.client_environment())

    def test_help(self):
        proc = self.run_trentd("--help")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        for flag in ("--listen", "--data-dir", "--pkcs11-module", "--token-label", "--pin-file",
                     "--default-account", "--log-level", "--threads"):
            self.assertIn(flag, proc.stdout + proc.stderr)

    def one_line_error(self, proc):
        self.assertEqual(proc.returncode, 2, proc.stderr)
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        self.assertEqual(len(lines), 1, proc.stderr)
        self.assertEqual(proc.stdout, "")
        return lines[0]

    def test_bad_flags(self):
        with tempfile.TemporaryDirectory() as d:
            data = os.path.join(d, "data")
            cases = [
                (["--no-such-flag"], "--no-such-flag"),
                (["--listen", "not-an-address", "--data-dir", data], "not-an-address"),
                (["--listen", "127.0.0.1:99999", "--data-dir", data], "99999"),
                (["--threads", "zero", "--data-dir", data], "zero"),
                (["--default-account", "123", "--data-dir", data], "123"),
                (["--log-level", "loud", "--data-dir", data], "loud"),
            ]
            for args, mention in cases:
                with self.subTest(args=args):
                    line = self.one_line_error(self.run_trentd(*args))
                    self.assertIn(mention, line)

    def test_data_dir_is_a_file(self):
        with tempfile.NamedTemporaryFile() as f:
            proc = self.run_trentd("--listen", "127.0.0.1:0", "--data-dir", f.name)
            self.assertNotEqual(proc.returncode, 0)
            line = self.one_line_error(proc)
            self.assertIn(f.name, line)


if __name__ == "__main__":
    harness.main()
