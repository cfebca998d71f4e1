"""What a CI job or a laptop watches trentd with: GET /healthz, GET /metrics (Prometheus text,
values that move with traffic), JSON log lines (--log-format json), the access log (--access-log:
one info line per KMS request), and the audit log (--audit-log): one CloudTrail-shaped event per
request, rotated by size, also streamed through the admin API; and no plaintext, data key,
private key or shared secret in the audit log or the logs (access log on), across every operation
trent implements."""

import base64
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import unittest.mock
import uuid

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

import harness

POLICY = ('{"Version":"2012-10-17","Statement":[{"Sid":"root","Effect":"Allow",'
          '"Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*",'
          '"Resource":"*"}]}')
ROLE = "arn:aws:iam::111122223333:role/observed"


def http_get(port, path, method="GET"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path)
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type"), resp.read().decode()
    finally:
        conn.close()


def parse_metrics(text):
    """{(name, frozenset of label pairs): value} of every sample."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)', line)
        assert match, f"not a Prometheus sample line: {line!r}"
        labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
        samples[(match.group(1), labels)] = float(match.group(3))
    return samples


def sample(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def whole_log(server):
    """trentd's whole stderr so far (Trentd.stderr() keeps only its end)."""
    with open(server.stderr_path, "r", errors="replace") as f:
        return f.read()


def access_fields(message):
    """The name=value fields of an access-log line's message, quoted values unescaped."""
    fields = {}
    for name, value in re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)', message):
        if value.startswith('"'):
            value = re.sub(r'\\x([0-9a-f]{2})|\\(.)',
                           lambda m: chr(int(m.group(1), 16)) if m.group(1) else m.group(2),
                           value[1:-1])
        assert name not in fields, f"{name} twice in {message!r}"
        fields[name] = value
    return fields


def call(server, operation, body):
    """The answer of a request that must succeed (raw AWS JSON, so that every operation works
    whatever botocore this machine has)."""
    status, answer, _ = server.kms_call(operation, body)
    assert status == 200, f"{operation}: {answer}"
    return answer


class HealthAndMetrics(harness.TrentdTestCase):
    grpc = True

    def metrics(self):
        status, content_type, text = http_get(self.server.port, "/metrics")
        self.assertEqual(status, 200)
        self.assertEqual(content_type, "text/plain; version=0.0.4; charset=utf-8")
        return parse_metrics(text)

    def test_healthz(self):
        status, content_type, body = http_get(self.server.port, "/healthz")
        self.assertEqual((status, content_type, json.loads(body)),
                         (200, "application/json", {"status": "ok"}))
        self.assertEqual(http_get(self.server.port, "/healthz", "HEAD")[0], 200)
        # Other paths are still not served to GET.
        self.assertEqual(http_get(self.server.port, "/other")[0], 405)

    def test_metrics_move_with_traffic(self):
        before = self.metrics()
        key = self.new_key()["KeyId"]
        for _ in range(5):
            blob = self.kms.encrypt(KeyId=key, Plaintext=b"x")["CiphertextBlob"]
        self.kms.decrypt(CiphertextBlob=blob)
        self.assertAwsError("NotFoundException", self.kms.describe_key, KeyId="alias/missing")
        self.kms.schedule_key_deletion(KeyId=self.new_key()["KeyId"], PendingWindowInDays=7)
        ctl = subprocess.run([os.environ["TRENTCTL"], "--server", self.server.grpc_target, "kms",
                              "ListKeys"], capture_output=True, text=True, timeout=60)
        self.assertEqual(ctl.returncode, 0, ctl.stderr)
        after = self.metrics()

        def moved(name, **labels):
            return sample(after, name, **labels) - sample(before, name, **labels)

        self.assertEqual(moved("trent_requests_total", operation="Encrypt", frontend="http"), 5)
        self.assertEqual(moved("trent_requests_total", operation="Decrypt", frontend="http"), 1)
        self.assertEqual(moved("trent_requests_total", operation="ListKeys", frontend="grpc"), 1)
        self.assertEqual(moved("trent_request_errors_total", operation="DescribeKey",
                               error="NotFoundException"), 1)
        self.assertEqual(moved("trent_request_duration_seconds_count", operation="Encrypt"), 5)
        self.assertGreater(moved("trent_request_duration_seconds_sum", operation="Encrypt"), 0)
        self.assertEqual(moved("trent_request_duration_seconds_bucket", operation="Encrypt",
                               le="+Inf"), 5)
        self.assertEqual(moved("trent_keys", state="Enabled", spec="SYMMETRIC_DEFAULT"), 1)
        self.assertEqual(moved("trent_keys", state="PendingDeletion", spec="SYMMETRIC_DEFAULT"), 1)
        # Six uses of one key version: the first may unwrap it, the others find it unwrapped.
        uses = moved("trent_key_cache_hits_total") + moved("trent_key_cache_misses_total")
        self.assertEqual(uses, 6)
        self.assertGreaterEqual(moved("trent_key_cache_hits_total"), 5)
        # Two CreateKey and a ScheduleKeyDeletion: three group commits at most, one change each.
        commits = moved("trent_commit_batch_changes_count")
        self.assertGreaterEqual(commits, 1)
        self.assertEqual(moved("trent_commit_batch_changes_sum"), 3)
        self.assertGreaterEqual(sample(after, "trent_hsm_sessions"), 1)
        # A handful of keys destroys no objects to speak of: the module is never recycled.
        self.assertEqual(sample(after, "trent_hsm_recycles_total"), 0)

    def test_healthz_draining(self):
        """Once a shutdown has begun, a request already on its way is still answered, and
        /healthz says 503; then trentd exits."""
        server = harness.Trentd()
        self.addCleanup(server.close)
        server.start()
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: trent\r\n")
            time.sleep(0.2)  # the request has begun: the connection is not idle
            server.proc.send_signal(signal.SIGTERM)
            time.sleep(0.3)
            s.sendall(b"\r\n")
            answer = b""
            while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
                chunk = s.recv(4096)
                if not chunk:
                    break
                answer += chunk
        self.assertTrue(answer.startswith(b"HTTP/1.1 503 "), answer)
        self.assertTrue(answer.endswith(b'{"status":"draining"}'), answer)
        self.assertEqual(server.proc.wait(timeout=20), 0)


class JsonLogs(harness.TrentdTestCase):
    trentd_args = ("--log-format", "json", "--log-level", "debug")

    def test_every_line_is_a_json_object(self):
        key = self.new_key(Description='quotes " and \\ backslashes')["KeyId"]
        self.kms.encrypt(KeyId=key, Plaintext=b"x")
        self.assertAwsError("NotFoundException", self.kms.describe_key, KeyId=str(uuid.uuid4()))
        lines = self.server.stderr().splitlines()
        self.assertGreater(len(lines), 3)
        for line in lines:
            entry = json.loads(line)
            self.assertEqual(set(entry), {"time", "level", "logger", "message"}, line)
            self.assertRegex(entry["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertIn(entry["level"], ("trace", "debug", "info", "warning", "error",
                                           "critical"))
        self.assertTrue(any("TrentService.Encrypt" in json.loads(l)["message"] for l in lines))
        # No --access-log: no access lines, at debug level neither.
        self.assertEqual([l for l in lines if json.loads(l)["logger"] == "access"], [])


class AccessLog(harness.TrentdTestCase):
    """--access-log in the JSON log format: one line per KMS request, over HTTP and gRPC."""

    grpc = True
    trentd_args = ("--access-log", "--log-format", "json", "--log-level", "info")

    def access_lines(self):
        entries = [json.loads(line) for line in whole_log(self.server).splitlines()]
        for entry in entries:
            self.assertEqual(set(entry), {"time", "level", "logger", "message"}, entry)
        return [(entry["level"], access_fields(entry["message"])) for entry in entries
                if entry["logger"] == "access"]

    def trentctl(self, *args):
        return subprocess.run([os.environ["TRENTCTL"], "--server", self.server.grpc_target, *args],
                              capture_output=True, text=True, timeout=60)

    def test_one_line_per_kms_request(self):
        from botocore.exceptions import ClientError
        made = self.kms.create_key(Description="access logged")
        key = made["KeyMetadata"]["KeyId"]
        encrypted = self.kms.encrypt(KeyId=key, Plaintext=b"access secret")
        with self.assertRaises(ClientError) as cm:
            self.kms.describe_key(KeyId="alias/not-there")
        missing = cm.exception.response["ResponseMetadata"]["RequestId"]
        self.assertEqual(self.trentctl("kms", "GenerateRandom", '{"NumberOfBytes": 8}')
                         .returncode, 0)
        self.assertEqual(self.trentctl("kms", "DescribeKey", '{"KeyId": "alias/none"}')
                         .returncode, 1)
        # Neither the admin API nor the probes are KMS requests.
        self.assertEqual(self.server.admin("Health")[0], 200)
        self.assertEqual(http_get(self.server.port, "/healthz")[0], 200)
        self.assertEqual(self.trentctl("health").returncode, 0)

        lines = self.access_lines()
        self.assertEqual([level for level, _ in lines], ["info"] * 5, lines)
        fields = [f for _, f in lines]
        for f in fields:
            self.assertEqual(set(f), {"ip", "frontend", "op", "result", "ms", "request_id",
                                      "user_agent"}, f)
            self.assertEqual(f["ip"], "127.0.0.1")
            self.assertGreaterEqual(float(f["ms"]), 0)
            self.assertRegex(f["ms"], r"^\d+\.\d{3}$")
        http, grpc = fields[:3], fields[3:]
        self.assertEqual([(f["frontend"], f["op"], f["result"], f["request_id"]) for f in http], [
            ("http", "CreateKey", "OK", made["ResponseMetadata"]["RequestId"]),
            ("http", "Encrypt", "OK", encrypted["ResponseMetadata"]["RequestId"]),
            ("http", "DescribeKey", "NotFoundException", missing)])
        for f in http:
            self.assertIn("Boto3/", f["user_agent"])
        self.assertEqual([(f["frontend"], f["op"], f["result"]) for f in grpc], [
            ("grpc", "GenerateRandom", "OK"), ("grpc", "DescribeKey", "NotFoundException")])
        for f in grpc:
            self.assertIn("grpc", f["user_agent"])
            uuid.UUID(f["request_id"])


class AccessLogText(harness.TrentdTestCase):
    """TRENT_ACCESS_LOG=1 in the readable log format: what the client sends (operation, user
    agent) is quoted and escaped, so it cannot break the line or forge fields."""

    @classmethod
    def setUpClass(cls):
        cls.trentd_args = ("--log-level", "info")
        with unittest.mock.patch.dict(os.environ, {"TRENT_ACCESS_LOG": "1"}):
            super().setUpClass()

    def test_client_text_escaped(self):
        agent = 'evil" result=OK\t\\ \xe9'
        status, answer = self.server.raw_call({
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": 'TrentService.No "Such Op',
            "User-Agent": agent}, "{}")
        self.assertEqual((status, answer["__type"]), (400, "UnknownOperationException"))
        lines = [line for line in whole_log(self.server).splitlines() if "[access]" in line]
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("[access] [info] ip=127.0.0.1 frontend=http "
                      'op="No \\"Such Op" result=UnknownOperationException ms=', lines[0])
        self.assertTrue(lines[0].endswith(' user_agent="evil\\" result=OK\\x09\\\\ \\xe9"'),
                        lines[0])
        fields = access_fields(lines[0].split("[access] [info] ", 1)[1])
        self.assertEqual((fields["op"], fields["result"], fields["user_agent"]),
                         ('No "Such Op', "UnknownOperationException", agent))


class AuditLog(harness.TrentdTestCase):
    grpc = True

    @classmethod
    def setUpClass(cls):
        cls.audit_dir = tempfile.mkdtemp(prefix="trent-audit-")
        cls.audit_path = os.path.join(cls.audit_dir, "audit.log")
        # The access log too, so that the secrecy test covers its lines.
        cls.trentd_args = ("--audit-log", cls.audit_path, "--log-level", "debug", "--access-log")
        super().setUpClass()

    def events(self, path=None, count=None):
        """The audit file's events; waits (the log is written in the background) until there are
        at least `count`."""
        deadline = time.monotonic() + 10
        while True:
            with open(path or self.audit_path) as f:
                events = [json.loads(line) for line in f if line.strip()]
            if count is None or len(events) >= count or time.monotonic() > deadline:
                return events
            time.sleep(0.05)

    def event_of(self, request_id):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            found = [e for e in self.events() if e["requestID"] == request_id]
            if found:
                self.assertEqual(len(found), 1)
                return found[0]
            time.sleep(0.05)
        self.fail(f"no audit event for request {request_id}")

    def test_cloudtrail_shape(self):
        made = self.kms.create_key(Description="audited")
        key = made["KeyMetadata"]
        event = self.event_of(made["ResponseMetadata"]["RequestId"])
        for member, value in (("eventVersion", "1.11"), ("eventSource", "kms.amazonaws.com"),
                              ("eventName", "CreateKey"), ("awsRegion", "us-east-1"),
                              ("sourceIPAddress", "127.0.0.1"), ("readOnly", False),
                              ("eventType", "AwsApiCall"), ("managementEvent", True),
                              ("recipientAccountId", "111122223333"),
                              ("eventCategory", "Management")):
            self.assertEqual(event[member], value, member)
        self.assertRegex(event["eventTime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertIn("Boto3/", event["userAgent"])
        self.assertEqual(event["userIdentity"], {
            "type": "Root", "principalId": "111122223333",
            "arn": "arn:aws:iam::111122223333:root", "accountId": "111122223333",
            "accessKeyId": "test"})
        self.assertEqual(event["requestParameters"], {"description": "audited"})
        self.assertEqual(event["responseElements"]["keyMetadata"]["keyId"], key["KeyId"])
        self.assertEqual(event["resources"], [{"accountId": "111122223333",
                                               "type": "AWS::KMS::Key", "ARN": key["Arn"]}])
        uuid.UUID(event["eventID"])
        self.assertNotIn("errorCode", event)

        encrypted = self.kms.encrypt(KeyId=key["KeyId"], Plaintext=b"audited secret",
                                     EncryptionContext={"Department": "Engineering"})
        event = self.event_of(encrypted["ResponseMetadata"]["RequestId"])
        self.assertEqual(event["eventName"], "Encrypt")
        self.assertTrue(event["readOnly"])
        self.assertIsNone(event["responseElements"])
        self.assertEqual(event["requestParameters"], {
            "keyId": key["KeyId"], "encryptionContext": {"Department": "Engineering"}})
        # GetKeyLastUsage names that event by its eventID, as AWS names the CloudTrail event.
        # By hand: older botocore does not know GetKeyLastUsage.
        used = harness.call_by_hand(self.kms, "GetKeyLastUsage", KeyId=key["KeyId"])["KeyLastUsage"]
        self.assertEqual(used["KmsRequestId"], event["requestID"])
        self.assertEqual(used["CloudTrailEventId"], event["eventID"])
        self.assertNotEqual(event["eventID"], event["requestID"])

        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            self.kms.disable_key(KeyId="alias/not-there")
        event = self.event_of(cm.exception.response["ResponseMetadata"]["RequestId"])
        self.assertEqual(event["errorCode"], "NotFoundException")
        self.assertEqual(event["errorMessage"], cm.exception.response["Error"]["Message"])
        self.assertFalse(event["readOnly"])
        self.assertIsNone(event["responseElements"])

    def test_streamed_through_the_admin_api(self):
        made = self.kms.create_key(Description="streamed")
        request_id = made["ResponseMetadata"]["RequestId"]
        status, answer = self.server.admin("StreamRecords", {"limit": 50})
        self.assertEqual(status, 200, answer)
        records = [r for r in answer["records"] if r["requestId"] == request_id]
        self.assertEqual(len(records), 1, answer)
        streamed = json.loads(records[0]["auditEvent"])
        self.assertEqual(streamed, self.event_of(request_id))

    def test_grpc_requests_too(self):
        ctl = subprocess.run([os.environ["TRENTCTL"], "--server", self.server.grpc_target, "kms",
                              "CreateKey", '{"Description": "over grpc"}'],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(ctl.returncode, 0, ctl.stderr)
        key_id = json.loads(ctl.stdout)["KeyMetadata"]["KeyId"]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            found = [e for e in self.events() if e["eventName"] == "CreateKey" and
                     e["requestParameters"] == {"description": "over grpc"}]
            if found:
                break
            time.sleep(0.05)
        self.assertEqual(len(found), 1)
        self.assertEqual(found[0]["responseElements"]["keyMetadata"]["keyId"], key_id)
        self.assertIn("grpc", found[0]["userAgent"])

    def test_no_secret_in_the_audit_log_or_the_logs(self):
        """Every operation trent implements, with the secrets it takes or answers; none of them
        may appear, in any encoding, in the audit log or in trentd's (debug) log."""
        secrets, done = [], set()

        def run(operation, body, secret_members=()):
            done.add(operation)
            answer = call(self.server, operation, body)
            for member in secret_members:
                secrets.append(base64.b64decode(answer[member]))
            return answer

        plaintext = os.urandom(32)
        secrets.append(plaintext)
        b64 = base64.b64encode(plaintext).decode()
        key = run("CreateKey", {"Description": "secrecy", "Tags": [
            {"TagKey": "team", "TagValue": "audit"}]})["KeyMetadata"]["KeyId"]
        other_key = call(self.server, "CreateKey", {})["KeyMetadata"]["KeyId"]
        rsa = run("CreateKey", {"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"})["KeyMetadata"]["KeyId"]
        hmac = run("CreateKey", {"KeySpec": "HMAC_256",
                                 "KeyUsage": "GENERATE_VERIFY_MAC"})["KeyMetadata"]["KeyId"]
        ecdh = run("CreateKey", {"KeySpec": "ECC_NIST_P256",
                                 "KeyUsage": "KEY_AGREEMENT"})["KeyMetadata"]["KeyId"]
        blob = run("Encrypt", {"KeyId": key, "Plaintext": b64})["CiphertextBlob"]
        run("Decrypt", {"CiphertextBlob": blob}, ["Plaintext"])
        run("ReEncrypt", {"CiphertextBlob": blob, "DestinationKeyId": key})
        run("GenerateDataKey", {"KeyId": key, "KeySpec": "AES_256"}, ["Plaintext"])
        run("GenerateDataKeyWithoutPlaintext", {"KeyId": key, "KeySpec": "AES_256"})
        run("GenerateDataKeyPair", {"KeyId": key, "KeyPairSpec": "ECC_NIST_P256"},
            ["PrivateKeyPlaintext"])
        run("GenerateDataKeyPairWithoutPlaintext", {"KeyId": key, "KeyPairSpec": "ECC_NIST_P256"})
        run("GenerateRandom", {"NumberOfBytes": 32}, ["Plaintext"])
        mac = run("GenerateMac", {"KeyId": hmac, "Message": b64, "MacAlgorithm": "HMAC_SHA_256"},
                  ["Mac"])["Mac"]
        run("VerifyMac", {"KeyId": hmac, "Message": b64, "MacAlgorithm": "HMAC_SHA_256",
                          "Mac": mac})
        signature = run("Sign", {"KeyId": rsa, "Message": b64,
                                 "SigningAlgorithm": "RSASSA_PSS_SHA_256"})["Signature"]
        run("Verify", {"KeyId": rsa, "Message": b64, "Signature": signature,
                       "SigningAlgorithm": "RSASSA_PSS_SHA_256"})
        peer = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        run("DeriveSharedSecret", {"KeyId": ecdh, "KeyAgreementAlgorithm": "ECDH",
                                   "PublicKey": base64.b64encode(peer).decode()}, ["SharedSecret"])
        run("GetPublicKey", {"KeyId": rsa})
        for operation in ("DescribeKey", "GetKeyRotationStatus", "ListKeyPolicies",
                          "ListKeyRotations", "ListResourceTags", "GetKeyLastUsage",
                          "DisableKey", "EnableKey", "EnableKeyRotation", "DisableKeyRotation",
                          "RotateKeyOnDemand", "ListGrants"):
            run(operation, {"KeyId": key})
        run("GetKeyPolicy", {"KeyId": key, "PolicyName": "default"})
        run("PutKeyPolicy", {"KeyId": key, "PolicyName": "default", "Policy": POLICY})
        run("UpdateKeyDescription", {"KeyId": key, "Description": "changed"})
        run("TagResource", {"KeyId": key, "Tags": [{"TagKey": "k", "TagValue": "v"}]})
        run("UntagResource", {"KeyId": key, "TagKeys": ["k"]})
        run("ListKeys", {})
        run("CreateAlias", {"AliasName": "alias/secrecy", "TargetKeyId": key})
        run("UpdateAlias", {"AliasName": "alias/secrecy", "TargetKeyId": other_key})
        run("ListAliases", {})
        run("DeleteAlias", {"AliasName": "alias/secrecy"})
        grants = [run("CreateGrant", {"KeyId": key, "GranteePrincipal": ROLE,
                                      "RetiringPrincipal": ROLE, "Operations": ["Decrypt"]})
                  for _ in range(3)]
        run("ListRetirableGrants", {"RetiringPrincipal": ROLE})
        run("RetireGrant", {"GrantToken": grants[0]["GrantToken"]})
        run("RetireGrant", {"KeyId": key, "GrantId": grants[1]["GrantId"]})
        run("RevokeGrant", {"KeyId": key, "GrantId": grants[2]["GrantId"]})
        run("ScheduleKeyDeletion", {"KeyId": key, "PendingWindowInDays": 7})
        run("CancelKeyDeletion", {"KeyId": key})
        # And a request refused for a bad plaintext: the refused value is not echoed either.
        refused = os.urandom(24)
        secrets.append(refused)
        status, _, _ = self.server.kms_call("Encrypt", {
            "KeyId": str(uuid.uuid4()), "Plaintext": base64.b64encode(refused).decode()})
        self.assertEqual(status, 400)

        self.assertEqual(harness.implemented_operations() - done, set())
        # The audit log and the logs are complete once trentd has exited; the other tests of
        # the class get it back on the same port.
        port = self.server.port
        self.server.stop()
        self.addCleanup(self.server.start, f"127.0.0.1:{port}")
        with open(self.audit_path, "rb") as f:
            audit = f.read()
        logs = whole_log(self.server).encode()
        self.assertIn(b'"eventName":"DeriveSharedSecret"', audit)
        self.assertIn(b"TrentService.GenerateDataKeyPair", logs)
        self.assertIn(b"[access] [info] ip=127.0.0.1 frontend=http op=DeriveSharedSecret "
                      b"result=OK", logs)
        for secret in secrets:
            for form in (secret, base64.b64encode(secret), secret.hex().encode(),
                         secret.hex().upper().encode(), base64.b64encode(secret)[:24]):
                self.assertNotIn(form, audit, f"a secret in the audit log: {form!r}")
                self.assertNotIn(form, logs, f"a secret in the log: {form!r}")


class AuditLogRotation(harness.TrentdTestCase):
    @classmethod
    def setUpClass(cls):
        cls.audit_dir = tempfile.mkdtemp(prefix="trent-audit-")
        cls.audit_path = os.path.join(cls.audit_dir, "audit.log")
        cls.trentd_args = ("--audit-log", cls.audit_path, "--audit-log-max-bytes", "4096",
                           "--audit-log-keep", "2")
        super().setUpClass()

    def test_rotated_by_size(self):
        key = self.new_key()["KeyId"]
        request_ids = [self.kms.encrypt(KeyId=key, Plaintext=b"x")["ResponseMetadata"]["RequestId"]
                       for _ in range(60)]
        self.server.stop()
        self.addCleanup(self.server.start)
        names = sorted(os.listdir(self.audit_dir))
        self.assertEqual(names, ["audit.log", "audit.log.1", "audit.log.2"])
        kept = []
        for name in names:
            path = os.path.join(self.audit_dir, name)
            self.assertLessEqual(os.path.getsize(path), 4096, name)
            with open(path) as f:
                kept += [json.loads(line)["requestID"] for line in f]
        # The newest records are kept, none twice; the oldest went with the rotated-out file.
        self.assertEqual(len(kept), len(set(kept)))
        self.assertIn(request_ids[-1], kept)
        self.assertNotIn(request_ids[0], kept)


if __name__ == "__main__":
    harness.main()
