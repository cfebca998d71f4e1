"""trentctl (tools/trentctl), the C++ gRPC client, against a real trentd --grpc-listen: the kms
command (answers as AWS JSON, AWS errors on stderr), the admin commands (health, keys, reset,
clock, tail, apply-seed), and the exit codes its --help lists."""

import base64
import hashlib
import hmac
import json
import os
import queue
import socket
import subprocess
import threading
import time

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import harness

EXIT_SERVER_ERROR = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3


SEED_KEY_ID = "3f6b2a1c-8d4e-4b7a-9c2f-1e0d5a6b7c8d"
SEED_MATERIAL = "c0ffee00112233445566778899aabbccddeeff00112233445566778899aabbcc"
SEED = f"""\
Keys:
  Symmetric:
    Aes:
      - Metadata:
          KeyId: {SEED_KEY_ID}
          Description: seeded by trentctl
        BackingKeys:
          - {SEED_MATERIAL}
Aliases:
  - AliasName: alias/trentctl-seeded
    TargetKeyId: {SEED_KEY_ID}
"""


def trentctl_path():
    return os.environ["TRENTCTL"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Trentctl(harness.TrentdTestCase):
    grpc = True
    trentd_args = ("--test-clock",)

    def run_ctl(self, *args, server=None, timeout=60):
        target = server or self.server.grpc_target
        return subprocess.run([trentctl_path(), "--server", target, *args], capture_output=True,
                              text=True, timeout=timeout)

    def ctl(self, *args):
        """stdout of a trentctl command that must succeed."""
        proc = self.run_ctl(*args)
        self.assertEqual(proc.returncode, 0, f"trentctl {args}: {proc.stderr}")
        return proc.stdout

    def ctl_fails(self, code, *args, server=None):
        """stderr of a trentctl command that must exit with `code`."""
        proc = self.run_ctl(*args, server=server)
        self.assertEqual(proc.returncode, code,
                         f"trentctl {args}: stdout {proc.stdout!r} stderr {proc.stderr!r}")
        self.assertEqual(proc.stdout, "")
        return proc.stderr

    # --- kms ---

    def test_kms_answers_aws_json(self):
        made = json.loads(self.ctl("kms", "CreateKey", '{"Description":"from trentctl"}'))
        key_id = made["KeyMetadata"]["KeyId"]
        self.assertEqual(made["KeyMetadata"]["Description"], "from trentctl")
        self.assertIsInstance(made["KeyMetadata"]["CreationDate"], (int, float))
        # boto3 over HTTP sees the same key, and decrypts what trentctl encrypted.
        self.assertEqual(self.kms.describe_key(KeyId=key_id)["KeyMetadata"]["Description"],
                         "from trentctl")
        plaintext = base64.b64encode(b"secret").decode()
        request = json.dumps({"KeyId": key_id, "Plaintext": plaintext,
                              "EncryptionContext": {"app": "cli"}})
        for flags in ((), ("--json",)):
            encrypted = json.loads(self.ctl(*flags, "kms", "Encrypt", request))
            self.assertEqual(encrypted["EncryptionAlgorithm"], "SYMMETRIC_DEFAULT")
            back = self.kms.decrypt(CiphertextBlob=base64.b64decode(encrypted["CiphertextBlob"]),
                                    EncryptionContext={"app": "cli"})
            self.assertEqual(back["Plaintext"], b"secret")
            self.assertEqual(back["KeyId"], encrypted["KeyId"])
        # A request with no members (the default request is {}).
        listed = json.loads(self.ctl("kms", "ListKeys"))
        self.assertIn(key_id, [k["KeyId"] for k in listed["Keys"]])

    def test_kms_region(self):
        made = json.loads(self.ctl("--region", "us-west-2", "kms", "CreateKey"))["KeyMetadata"]
        self.assertTrue(made["Arn"].startswith("arn:aws:kms:us-west-2:111122223333:key/"), made)
        west = self.server.client(region="us-west-2")
        self.assertEqual(west.describe_key(KeyId=made["KeyId"])["KeyMetadata"]["Arn"], made["Arn"])
        self.assertIn(made["KeyId"], self.ctl("keys", "--region", "us-west-2"))

    def test_kms_aws_errors(self):
        stderr = self.ctl_fails(EXIT_SERVER_ERROR, "kms", "DescribeKey", '{"KeyId":"alias/none"}')
        with self.assertRaises(Exception) as cm:
            self.kms.describe_key(KeyId="alias/none")
        error = cm.exception.response["Error"]
        self.assertEqual(stderr, f"NotFoundException: {error['Message']}\n")
        stderr = self.ctl_fails(EXIT_SERVER_ERROR, "kms", "Encrypt", '{"Plaintext":"AAAA"}')
        self.assertTrue(stderr.startswith("ValidationException: "), stderr)
        stderr = self.ctl_fails(EXIT_SERVER_ERROR, "kms", "CreateCustomKeyStore",
                                '{"CustomKeyStoreName":"x"}')
        self.assertTrue(stderr.startswith("UnsupportedOperationException: "), stderr)

    def test_usage_errors(self):
        self.assertIn("no operation 'NoSuchOperation'",
                      self.ctl_fails(EXIT_USAGE, "kms", "NoSuchOperation", "{}"))
        self.assertIn("must be a JSON object", self.ctl_fails(EXIT_USAGE, "kms", "Encrypt", "{"))
        self.assertIn("must be a JSON object", self.ctl_fails(EXIT_USAGE, "kms", "Encrypt", "[]"))
        # A member of the wrong type never leaves the client.
        self.assertTrue(self.ctl_fails(EXIT_USAGE, "kms", "Encrypt", '{"KeyId": 5}')
                        .startswith("SerializationException: "))
        self.ctl_fails(EXIT_USAGE, "--no-such-flag", "health")
        self.ctl_fails(EXIT_USAGE)
        proc = subprocess.run([trentctl_path(), "health"], capture_output=True, text=True,
                              timeout=60, env={k: v for k, v in os.environ.items()
                                               if k != "TRENTCTL_SERVER"})
        self.assertEqual(proc.returncode, EXIT_USAGE, proc.stderr)
        self.assertIn("--server", proc.stderr)

    def test_help_lists_exit_codes(self):
        proc = subprocess.run([trentctl_path(), "--help"], capture_output=True, text=True,
                              timeout=60)
        self.assertEqual(proc.returncode, 0)
        for line in ("1  the server answered with an error", "2  usage error", "3  no answer"):
            self.assertIn(line, proc.stdout)

    def test_unreachable_server(self):
        stderr = self.ctl_fails(EXIT_UNREACHABLE, "kms", "ListKeys", "{}",
                                server=f"127.0.0.1:{free_port()}")
        self.assertTrue(stderr.startswith("UNAVAILABLE: "), stderr)

    # --- admin ---

    def test_health(self):
        lines = self.ctl("health").splitlines()
        self.assertEqual(lines[0], "SERVING")
        self.assertIn("test clock: on", lines)
        answer = json.loads(self.ctl("--json", "health"))
        self.assertEqual(answer["status"], "SERVING")
        self.assertTrue(answer["testClock"])
        self.assertRegex(answer["version"], r"^\d+\.\d+\.\d+$")

    def test_keys(self):
        key_id = self.new_key(Description="listed")["KeyId"]
        self.kms.create_alias(AliasName="alias/trentctl-keys", TargetKeyId=key_id)
        self.kms.disable_key(KeyId=key_id)
        lines = self.ctl("keys").splitlines()
        self.assertTrue(lines[0].startswith("KEY ID"), lines[0])
        [row] = [line for line in lines if line.startswith(key_id)]
        for cell in ("111122223333", "us-east-1", "Disabled", "SYMMETRIC_DEFAULT",
                     "ENCRYPT_DECRYPT", "alias/trentctl-keys"):
            self.assertIn(cell, row.split())
        listed = json.loads(self.ctl("keys", "--json"))
        [key] = [k for k in listed["keys"] if k["keyId"] == key_id]
        self.assertEqual(key["state"], "Disabled")
        self.assertEqual(key["description"], "listed")
        self.assertEqual([a["name"] for a in key["aliases"]], ["alias/trentctl-keys"])
        # The scope filters.
        self.assertNotIn(key_id, self.ctl("keys", "--region", "eu-west-1"))

    def test_clock(self):
        self.assertRegex(self.ctl("clock"), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z "
                                             r"\(offset \+\d+ s\)\n$")
        before = json.loads(self.ctl("--json", "clock"))
        after = self.ctl("clock", "+3600")
        offset = int(before.get("offsetSeconds", 0)) + 3600
        self.assertTrue(after.endswith(f"(offset +{offset} s)\n"), after)
        status, answer = self.server.admin("GetClock")
        self.assertEqual(status, 200, answer)
        self.assertEqual(int(answer["offsetSeconds"]), offset)
        self.assertIn("expected +SECONDS", self.ctl_fails(EXIT_USAGE, "clock", "3600"))

    def test_tail(self):
        key_id = self.new_key()["KeyId"]
        self.kms.describe_key(KeyId=key_id)
        with self.assertRaises(Exception):
            self.kms.describe_key(KeyId="alias/tail-missing")
        lines = self.ctl("tail", "-n", "2").splitlines()
        self.assertEqual(len(lines), 2, lines)
        self.assertIn("  DescribeKey  ", lines[0])
        self.assertIn(key_id, lines[0])
        self.assertIn("  OK", lines[0])
        self.assertIn("NotFoundException: ", lines[1])
        self.assertIn("arn:aws:iam::111122223333:", lines[1])
        records = [json.loads(line) for line in self.ctl("--json", "tail", "-n", "2").splitlines()]
        self.assertEqual([r["operation"] for r in records], ["DescribeKey", "DescribeKey"])
        self.assertEqual(records[1]["errorCode"], "NotFoundException")

    def test_apply_seed(self):
        path = os.path.join(self.server.workdir, "trentctl-seed.yaml")
        with open(path, "w") as f:
            f.write(SEED)
        self.assertEqual(self.ctl("apply-seed", path),
                         "keys: 1 created, 0 existing\naliases: 1 created, 0 existing\n")
        # Again: nothing new.
        self.assertEqual(json.loads(self.ctl("--json", "apply-seed", path)),
                         {"keysCreated": "0", "keysExisting": "1", "aliasesCreated": "0",
                          "aliasesExisting": "1"})
        # The key is the seed's, with its material: boto3 over HTTP decrypts a blob made outside
        # trent with that material, under the version id trent derives from it (seed.py).
        described = self.kms.describe_key(KeyId="alias/trentctl-seeded")["KeyMetadata"]
        self.assertEqual((described["KeyId"], described["Description"]),
                         (SEED_KEY_ID, "seeded by trentctl"))
        material = bytes.fromhex(SEED_MATERIAL)
        version = hmac.new(material, b"trent seeded key version id\0" + SEED_KEY_ID.encode(),
                           hashlib.sha256).digest()[:16]
        iv = os.urandom(12)
        header = bytes([1]) + version + iv
        blob = header + AESGCM(material).encrypt(iv, b"sealed outside", header)
        self.assertEqual(self.kms.decrypt(CiphertextBlob=blob)["Plaintext"], b"sealed outside")
        made = self.kms.encrypt(KeyId="alias/trentctl-seeded", Plaintext=b"x")["CiphertextBlob"]
        self.assertEqual(self.kms.decrypt(CiphertextBlob=made)["Plaintext"], b"x")

    def test_apply_seed_refused(self):
        other = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
        bad = os.path.join(self.server.workdir, "trentctl-bad-seed.yaml")
        with open(bad, "w") as f:
            f.write(SEED.replace(SEED_MATERIAL, "not-hex").replace(SEED_KEY_ID, other)
                    .replace("alias/trentctl-seeded", "alias/trentctl-refused"))
        stderr = self.ctl_fails(EXIT_SERVER_ERROR, "apply-seed", bad)
        self.assertTrue(stderr.startswith("ValidationException: "), stderr)
        self.assertIn("Keys.Symmetric.Aes[0]: BackingKeys[0]", stderr)
        self.assertEqual(len(stderr.splitlines()), 1, stderr)
        self.assertAwsError("NotFoundException", self.kms.describe_key, KeyId=other)
        self.assertAwsError("NotFoundException", self.kms.describe_key,
                            KeyId="alias/trentctl-refused")
        # A file that cannot be read is a usage error; the server is not asked.
        missing = os.path.join(self.server.workdir, "no-such-seed.yaml")
        self.assertEqual(self.ctl_fails(EXIT_USAGE, "apply-seed", missing),
                         f"trentctl: apply-seed: cannot read {missing}\n")
        self.ctl_fails(EXIT_USAGE, "apply-seed", self.server.workdir)
        self.ctl_fails(EXIT_USAGE, "apply-seed")

    def test_tail_follow(self):
        proc = subprocess.Popen([trentctl_path(), "--server", self.server.grpc_target, "tail",
                                 "--follow", "-n", "1"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        lines = queue.Queue()
        reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout],
                                  daemon=True)
        reader.start()
        try:
            # The subscription is made before the first record is sent: wait for it.
            self.assertTrue(lines.get(timeout=10))
            key_id = self.new_key(Description="followed")["KeyId"]
            self.kms.describe_key(KeyId=key_id)
            deadline = time.monotonic() + 20
            seen = []
            while not any("  DescribeKey  " in line and key_id in line for line in seen):
                try:
                    seen.append(lines.get(timeout=max(deadline - time.monotonic(), 0)))
                except queue.Empty:
                    self.fail(f"tail --follow did not print the DescribeKey of {key_id}: {seen}")
            self.assertIsNone(proc.poll(), "tail --follow ended by itself")
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            reader.join(timeout=10)
            proc.stdout.close()
            proc.stderr.close()


class TrentctlIdentity(harness.TrentdTestCase):
    """The caller's identity sent as call metadata, under --auth strict."""

    grpc = True
    auth = "strict"
    identities = [{"access_key_id": "AKIDTRENTCTL", "secret_access_key": "trentctl-secret",
                   "account_id": "444455556666", "arn": "arn:aws:iam::444455556666:user/ctl"}]

    def run_ctl(self, *args):
        return subprocess.run([trentctl_path(), "--server", self.server.grpc_target, *args],
                              capture_output=True, text=True, timeout=60)

    def test_credentials(self):
        proc = self.run_ctl("kms", "ListKeys")
        self.assertEqual(proc.returncode, EXIT_SERVER_ERROR, proc.stderr)
        self.assertTrue(proc.stderr.startswith("MissingAuthenticationTokenException: "),
                        proc.stderr)
        proc = self.run_ctl("--access-key-id", "AKIDTRENTCTL", "--secret-access-key", "wrong",
                            "kms", "ListKeys")
        self.assertEqual(proc.returncode, EXIT_SERVER_ERROR, proc.stderr)
        self.assertTrue(proc.stderr.startswith("InvalidSignatureException: "), proc.stderr)
        proc = self.run_ctl("--access-key-id", "AKIDTRENTCTL", "--secret-access-key",
                            "trentctl-secret", "kms", "CreateKey")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        arn = json.loads(proc.stdout)["KeyMetadata"]["Arn"]
        self.assertTrue(arn.startswith("arn:aws:kms:us-east-1:444455556666:key/"), arn)


class TrentctlReset(harness.TrentdTestCase):
    """reset in a trentd of its own (it deletes every key), without --test-clock."""

    grpc = True

    def ctl(self, *args, code=0):
        proc = subprocess.run([trentctl_path(), "--server", self.server.grpc_target, *args],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, code, f"trentctl {args}: {proc.stderr}")
        return proc.stdout if code == 0 else proc.stderr

    def count(self, *scope):
        return len(json.loads(self.ctl("--json", "keys", *scope)).get("keys", []))

    def test_reset_by_scope_then_all(self):
        west = self.server.client(region="us-west-2")
        west_key = west.create_key()["KeyMetadata"]["KeyId"]
        self.kms.create_key()
        east = self.count("--region", "us-east-1")
        self.assertGreaterEqual(east, 1)
        self.assertEqual(self.ctl("reset", "--account", "111122223333", "--region", "us-west-2"),
                         "deleted 1 key\n")
        with self.assertRaises(Exception):
            west.describe_key(KeyId=west_key)
        self.assertEqual(self.count("--region", "us-east-1"), east)
        self.assertEqual(self.ctl("reset"), f"deleted {east} keys\n" if east != 1 else
                         "deleted 1 key\n")
        self.assertEqual(self.count(), 0)
        self.assertEqual(self.kms.list_keys()["Keys"], [])
        self.assertEqual(json.loads(self.ctl("--json", "reset")), {"keysDeleted": "0"})

    def test_clock_needs_test_clock(self):
        stderr = self.ctl("clock", code=EXIT_SERVER_ERROR)
        self.assertTrue(stderr.startswith("UnsupportedOperationException: "), stderr)


if __name__ == "__main__":
    harness.main()
