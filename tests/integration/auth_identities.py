"""Identities (--credentials-file) and SigV4 verification (--auth strict) with boto3, botocore's
signer and the aws CLI against a real trentd."""

import datetime
import json
import os
import subprocess
import unittest

import harness

ALICE = {"access_key_id": "AKIAALICE0000000000", "secret_access_key": "alice-secret",
         "account_id": "111111111111", "arn": "arn:aws:iam::111111111111:user/alice"}
SESSION = {"access_key_id": "ASIASESSION000000000", "secret_access_key": "session-secret",
           "session_token": "FwoGZXIvYXdzEXAMPLETOKEN", "account_id": "222222222222",
           "arn": "arn:aws:sts::222222222222:assumed-role/Builder/build-42"}

MISMATCH = ("The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details.")
INVALID_TOKEN = "The security token included in the request is invalid."
DEFAULT_ACCOUNT = "111122223333"


def account_of(arn):
    return arn.split(":")[4]


class StrictAuth(harness.TrentdTestCase):
    identities = [ALICE, SESSION]
    auth = "strict"

    def alice(self):
        return self.server.client(access_key=ALICE["access_key_id"],
                                  secret=ALICE["secret_access_key"], session_token=None)

    def test_good_signature(self):
        kms = self.alice()
        key = self.new_key(kms)
        self.assertEqual(account_of(key["Arn"]), "111111111111")
        blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"hello")["CiphertextBlob"]
        self.assertEqual(kms.decrypt(CiphertextBlob=blob)["Plaintext"], b"hello")

    def test_wrong_secret(self):
        kms = self.server.client(access_key=ALICE["access_key_id"], secret="not-alice-secret",
                                 session_token=None)
        self.assertAwsError("InvalidSignatureException", kms.list_keys, message=MISMATCH)

    def test_stale_and_future_dates(self):
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        for minutes, start in ((-20, "Signature expired: "), (20, "Signature not yet current: ")):
            at = now + datetime.timedelta(minutes=minutes)
            status, answer = self.server.signed_call(
                "ListKeys", {}, ALICE["access_key_id"], ALICE["secret_access_key"], at=at)
            self.assertEqual(status, 400)
            self.assertEqual(answer["__type"], "InvalidSignatureException")
            stamp = at.strftime("%Y%m%dT%H%M%SZ")
            self.assertTrue(answer["message"].startswith(start + stamp), answer["message"])
            self.assertRegex(answer["message"], r"\(\d{8}T\d{6}Z [-+] 15 min\.\)$")
        # Ten minutes off is within AWS's 15.
        status, _ = self.server.signed_call(
            "ListKeys", {}, ALICE["access_key_id"], ALICE["secret_access_key"],
            at=now - datetime.timedelta(minutes=10))
        self.assertEqual(status, 200)

    def test_unknown_access_key(self):
        kms = self.server.client(access_key="AKIAUNKNOWN00000000", secret="x", session_token=None)
        self.assertAwsError("UnrecognizedClientException", kms.list_keys, message=INVALID_TOKEN)

    def test_dummy_credentials_are_refused(self):
        self.assertAwsError("UnrecognizedClientException", self.kms.list_keys,
                            message=INVALID_TOKEN)

    def test_malformed_authorization(self):
        def cut(headers):
            headers["Authorization"] = headers["Authorization"].split(",")[0]
        status, answer = self.server.signed_call(
            "ListKeys", {}, ALICE["access_key_id"], ALICE["secret_access_key"], edit=cut)
        self.assertEqual(status, 400)
        self.assertEqual(answer["__type"], "IncompleteSignatureException")
        self.assertTrue(answer["message"].startswith(
            "Authorization header requires 'Signature' parameter. Authorization header requires "
            "'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 Credential="),
            answer["message"])

        def garble(headers):
            headers["Authorization"] = headers["Authorization"].replace("Credential=",
                                                                        "Credential= ")
        status, answer = self.server.signed_call(
            "ListKeys", {}, ALICE["access_key_id"], ALICE["secret_access_key"], edit=garble)
        self.assertEqual((status, answer["__type"]), (400, "IncompleteSignatureException"))
        self.assertIn("not a valid key=value pair (missing equal-sign) in Authorization header",
                      answer["message"])

    def test_missing_authorization(self):
        status, answer = self.server.raw_call(
            {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService.ListKeys"},
            "{}")
        self.assertEqual(status, 403)
        self.assertEqual(answer, {"__type": "MissingAuthenticationTokenException",
                                  "message": "Request is missing Authentication Token"})

    def test_tampered_body(self):
        import botocore.auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        request = AWSRequest(method="POST", url=self.server.endpoint + "/", data=b"{}",
                             headers={"Content-Type": "application/x-amz-json-1.1",
                                      "X-Amz-Target": "TrentService.ListKeys"})
        botocore.auth.SigV4Auth(Credentials(ALICE["access_key_id"], ALICE["secret_access_key"]),
                                "kms", "us-east-1").add_auth(request)
        status, answer = self.server.raw_call(dict(request.headers.items()), b'{"Limit":1}')
        self.assertEqual((status, answer["__type"], answer["message"]),
                         (400, "InvalidSignatureException", MISMATCH))

    def test_another_service_in_the_scope(self):
        import botocore.auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        request = AWSRequest(method="POST", url=self.server.endpoint + "/", data=b"{}",
                             headers={"Content-Type": "application/x-amz-json-1.1",
                                      "X-Amz-Target": "TrentService.ListKeys"})
        botocore.auth.SigV4Auth(Credentials(ALICE["access_key_id"], ALICE["secret_access_key"]),
                                "s3", "us-east-1").add_auth(request)
        status, answer = self.server.raw_call(dict(request.headers.items()), request.body)
        self.assertEqual((status, answer["__type"], answer["message"]),
                         (400, "InvalidSignatureException",
                          "Credential should be scoped to correct service: 'kms'."))

    def test_session_token(self):
        good = self.server.client(access_key=SESSION["access_key_id"],
                                  secret=SESSION["secret_access_key"],
                                  session_token=SESSION["session_token"])
        key = self.new_key(good)
        self.assertEqual(account_of(key["Arn"]), "222222222222")
        for token in ("another-token", None):
            bad = self.server.client(access_key=SESSION["access_key_id"],
                                     secret=SESSION["secret_access_key"], session_token=token)
            self.assertAwsError("UnrecognizedClientException", bad.list_keys,
                                message=INVALID_TOKEN)
        # Alice's long-term keys take no session token.
        alice = self.server.client(access_key=ALICE["access_key_id"],
                                   secret=ALICE["secret_access_key"], session_token="a-token")
        self.assertAwsError("UnrecognizedClientException", alice.list_keys, message=INVALID_TOKEN)

    def test_aws_cli(self):
        aws = os.environ.get("TRENT_AWS")
        if not aws:
            self.skipTest("no aws CLI (TRENT_AWS)")

        def run(secret):
            env = harness.client_environment()
            env.pop("AWS_SESSION_TOKEN", None)
            env.update(AWS_ACCESS_KEY_ID=ALICE["access_key_id"], AWS_SECRET_ACCESS_KEY=secret)
            return subprocess.run([aws, "--endpoint-url", self.server.endpoint, "--region",
                                   "us-east-1", "--output", "json", "kms", "list-keys"],
                                  capture_output=True, text=True, timeout=60, env=env)
        good = run(ALICE["secret_access_key"])
        self.assertEqual(good.returncode, 0, good.stderr)
        self.assertIn("Keys", json.loads(good.stdout))
        bad = run("wrong")
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("InvalidSignatureException", bad.stderr)


class IdentitiesWithoutVerification(harness.TrentdTestCase):
    identities = [ALICE]

    def test_unknown_keys_act_as_the_default_root(self):
        self.kms.list_keys()
        key = self.new_key()
        self.assertEqual(account_of(key["Arn"]), DEFAULT_ACCOUNT)

    def test_known_keys_act_as_their_identity(self):
        # The signature is not checked: a wrong secret still names alice.
        alice = self.server.client(access_key=ALICE["access_key_id"], secret="anything",
                                   session_token=None)
        key = self.new_key(alice)
        self.assertEqual(account_of(key["Arn"]), "111111111111")
        alice_keys = {k["KeyId"] for k in alice.list_keys()["Keys"]}
        self.assertIn(key["KeyId"], alice_keys)
        root_keys = {k["KeyId"] for k in self.kms.list_keys()["Keys"]}
        self.assertNotIn(key["KeyId"], root_keys)

    def test_missing_authorization_is_the_default_root(self):
        status, answer = self.server.raw_call(
            {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService.ListKeys"},
            "{}")
        self.assertEqual(status, 200, answer)


class BadCredentialsFile(unittest.TestCase):
    def start(self, identities=None, text=None, extra=()):
        server = harness.Trentd(extra)
        self.addCleanup(server.close)
        path = os.path.join(server.workdir, "creds.yaml")
        if text is not None:
            with open(path, "w") as f:
                f.write(text)
        else:
            harness.write_credentials(path, identities)
        server.extra_args += ["--credentials-file", path]
        with self.assertRaises(RuntimeError) as cm:
            server.start()
        return str(cm.exception), path

    def test_bad_entry_is_named(self):
        bad = dict(ALICE, account_id="1234")
        error, path = self.start([ALICE, dict(SESSION), dict(bad, access_key_id="AKIABAD")])
        self.assertIn(f"trentd: {path}: identity 3 (AKIABAD): account_id must be 12 digits, "
                      "got '1234'", error)

    def test_not_yaml(self):
        error, path = self.start(text="identities: [\n")
        self.assertIn(f"trentd: {path}: not valid YAML at line", error)

    def test_strict_needs_identities(self):
        server = harness.Trentd(["--auth", "strict"])
        self.addCleanup(server.close)
        with self.assertRaises(RuntimeError) as cm:
            server.start()
        self.assertIn("--auth strict needs --credentials-file", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
