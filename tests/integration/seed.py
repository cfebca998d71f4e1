"""Seeding (trentd --seed FILE, admin ApplySeed): local-kms's seed format as it is (AES keys with
backing keys, RSA and EC keys from PEM, aliases) and trent's extension (Region, tags, a key
policy, HMAC material, keys generated in the HSM); the given material is the keys' material;
applying a seed again changes nothing; a ciphertext made in one run decrypts in a run started
from the same seed on an empty data dir; bad files stop trentd with one line naming the entry;
fields neither format knows are ignored with a warning, as local-kms ignores them. Ed25519 PEM
keys (Keys.Asymmetric.Ecc) sign as the given key, kept as one token object however often the
seed is applied. A seed refused midway (at start or over the admin API) changes nothing."""

import base64
import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import textwrap
import unittest

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import harness

AES_ID = "bc436485-5092-42b8-92a3-0aa8b93536dc"
AES2_ID = "49c5492b-b1bc-42a8-9a5c-b2015e810c1c"
RSA_ID = "ff275b92-0def-4dfc-b0f6-87c96b26c6c7"
ECC_ID = "800d5768-3fd7-4edd-a4b8-4c81c3e4c147"
OLD_MATERIAL = "34743777217A25432A46294A404E635266556A586E3272357538782F413F4428"
CURRENT_MATERIAL = "614E645267556B58703273357638792F423F4528472B4B6250655368566D5971"
AES2_MATERIAL = "5cdaead27fe7da2de47945d73cd6d79e36494e73802f3cd3869f1d2cb0b5d7a9"

HMAC_ID = "0b7f0c3e-6a3c-4c9e-9f5e-3c1a2b4d5e6f"
GENERATED_ID = "7d4c1f9a-2b3e-4f5a-8c6d-9e0f1a2b3c4d"
POLICY_ID = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
HMAC_MATERIAL = bytes(range(32))
TRENT_REGION = "eu-west-2"
ACCOUNT = "111122223333"


def pem_block(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def sec1_block(key):
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


def indent(text, spaces):
    return textwrap.indent(text.strip() + "\n", " " * spaces)


RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
ED_KEY = ed25519.Ed25519PrivateKey.generate()
ED_ID = "2c9d7e1f-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"

# local-kms's README format, unchanged: PKCS#8 for RSA, SEC1 ("EC PRIVATE KEY") for EC.
LOCAL_KMS_SEED = f"""\
Keys:
  Symmetric:
    Aes:
      - Metadata:
          KeyId: {AES_ID}
          Description: "Your key description"
        BackingKeys:
          - {OLD_MATERIAL}
          - {CURRENT_MATERIAL}

      - Metadata:
          KeyId: {AES2_ID}
        BackingKeys:
          - {AES2_MATERIAL}
  Asymmetric:
    Rsa:
      - Metadata:
          KeyId: {RSA_ID}
          KeyUsage: SIGN_VERIFY # or ENCRYPT_DECRYPT
          Description: RSA key with 2048 bits
        PrivateKeyPem: |
{indent(pem_block(RSA_KEY), 10)}
    Ecc:
      - Metadata:
          KeyId: {ECC_ID}
          KeyUsage: SIGN_VERIFY
          Description: ECC key with curve secp256r1
        PrivateKeyPem: |
{indent(sec1_block(EC_KEY), 10)}

Aliases:
  - AliasName: alias/dev
    TargetKeyId: {AES_ID}

  - AliasName: alias/test
    TargetKeyId: {AES2_ID}
"""

POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Sid": "seeded", "Effect": "Allow",
                   "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                   "Action": "kms:*", "Resource": "*"}],
})

TRENT_SEED = f"""\
Region: {TRENT_REGION}
Keys:
  Symmetric:
    Aes:
      - Metadata:
          KeyId: {POLICY_ID}
          Description: generated in the HSM
        Tags:
          - TagKey: team
            TagValue: payments
          - TagKey: env
            TagValue: ci
        Policy: |
{indent(POLICY, 10)}
        RotationPeriodInDays: 180
    Hmac:
      - Metadata:
          KeyId: {HMAC_ID}
          KeySpec: HMAC_256
        BackingKeys:
          - {HMAC_MATERIAL.hex()}
  Asymmetric:
    Ecc:
      - Metadata:
          KeyId: {GENERATED_ID}
          KeySpec: ECC_NIST_P384
          Enabled: false
Aliases:
  - AliasName: alias/hmac
    TargetKeyId: {HMAC_ID}
"""


def write(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(text)
    return path


class SeedFormats(unittest.TestCase):
    """One trentd started from the local-kms seed; the trent seed applied over the admin API."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="trent-seed-")
        cls.addClassCleanup(shutil.rmtree, cls.dir, True)
        cls.seed_path = write(cls.dir, "seed.yaml", LOCAL_KMS_SEED)
        cls.server = harness.Trentd(["--seed", cls.seed_path])
        cls.addClassCleanup(cls.server.close)
        cls.server.start()
        cls.kms = cls.server.client()

    def test_local_kms_keys_and_aliases(self):
        md = self.kms.describe_key(KeyId=AES_ID)["KeyMetadata"]
        self.assertEqual(md["Arn"], f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{AES_ID}")
        self.assertEqual(md["Description"], "Your key description")
        self.assertEqual((md["KeySpec"], md["KeyUsage"], md["KeyState"], md["Origin"]),
                         ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "Enabled", "AWS_KMS"))
        rsa_md = self.kms.describe_key(KeyId=RSA_ID)["KeyMetadata"]
        self.assertEqual((rsa_md["KeySpec"], rsa_md["KeyUsage"]), ("RSA_2048", "SIGN_VERIFY"))
        ecc_md = self.kms.describe_key(KeyId=ECC_ID)["KeyMetadata"]
        self.assertEqual((ecc_md["KeySpec"], ecc_md["KeyUsage"]), ("ECC_NIST_P256", "SIGN_VERIFY"))
        aliases = {a["AliasName"]: a.get("TargetKeyId")
                   for a in self.kms.list_aliases()["Aliases"]}
        self.assertEqual(aliases["alias/dev"], AES_ID)
        self.assertEqual(aliases["alias/test"], AES2_ID)

    def test_backing_keys_are_versions_the_last_current(self):
        """The ciphertext decrypts with the last backing key (trent's blob: format, version id,
        IV, AES-256-GCM; AAD the header), so the given material is the key's."""
        blob = self.kms.encrypt(KeyId="alias/dev", Plaintext=b"hello")["CiphertextBlob"]
        header, iv = blob[:29], blob[17:29]
        plaintext = AESGCM(bytes.fromhex(CURRENT_MATERIAL)).decrypt(iv, blob[29:], header)
        self.assertEqual(plaintext, b"hello")
        with self.assertRaises(Exception):
            AESGCM(bytes.fromhex(OLD_MATERIAL)).decrypt(iv, blob[29:], header)
        # By hand: older botocore does not know ListKeyRotations.
        rotations = harness.call_by_hand(self.kms, "ListKeyRotations", KeyId=AES_ID)["Rotations"]
        self.assertEqual(len(rotations), 1)
        self.assertEqual(rotations[0]["RotationType"], "AUTOMATIC")

    def test_an_older_backing_key_still_decrypts(self):
        """A blob made (outside trent) with the first backing key under its derived version id
        decrypts: trent holds every backing key as a version."""
        blob = self.kms.encrypt(KeyId=AES_ID, Plaintext=b"x")["CiphertextBlob"]
        current_version = blob[1:17]
        # The first version's id is HMAC-SHA-256(material, label || 0 || key id)[:16].
        old_version = hmac.new(bytes.fromhex(OLD_MATERIAL),
                               b"trent seeded key version id\0" + AES_ID.encode(),
                               hashlib.sha256).digest()[:16]
        self.assertNotEqual(old_version, current_version)
        iv = os.urandom(12)
        header = bytes([1]) + old_version + iv
        sealed = AESGCM(bytes.fromhex(OLD_MATERIAL)).encrypt(iv, b"made earlier", header)
        out = self.kms.decrypt(CiphertextBlob=header + sealed)
        self.assertEqual(out["Plaintext"], b"made earlier")
        self.assertEqual(out["KeyId"], f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{AES_ID}")

    def test_pem_keys_are_the_keys(self):
        for key_id, key in ((RSA_ID, RSA_KEY), (ECC_ID, EC_KEY)):
            public = self.kms.get_public_key(KeyId=key_id)["PublicKey"]
            expected = key.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
            self.assertEqual(public, expected, key_id)
        algorithm = {RSA_ID: "RSASSA_PSS_SHA_256", ECC_ID: "ECDSA_SHA_256"}
        for key_id, alg in algorithm.items():
            sig = self.kms.sign(KeyId=key_id, Message=b"m", SigningAlgorithm=alg)["Signature"]
            self.assertTrue(self.kms.verify(KeyId=key_id, Message=b"m", Signature=sig,
                                            SigningAlgorithm=alg)["SignatureValid"])

    def test_trent_format_over_admin_http(self):
        status, answer = self.server.admin("ApplySeed", {"yaml": TRENT_SEED})
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer, {"keysCreated": "3", "keysExisting": "0",
                                  "aliasesCreated": "1", "aliasesExisting": "0"})
        client = self.server.client(region=TRENT_REGION)
        md = client.describe_key(KeyId=POLICY_ID)["KeyMetadata"]
        self.assertEqual(md["Arn"], f"arn:aws:kms:{TRENT_REGION}:{ACCOUNT}:key/{POLICY_ID}")
        tags = client.list_resource_tags(KeyId=POLICY_ID)["Tags"]
        self.assertEqual(tags, [{"TagKey": "team", "TagValue": "payments"},
                                {"TagKey": "env", "TagValue": "ci"}])
        policy = client.get_key_policy(KeyId=POLICY_ID, PolicyName="default")["Policy"]
        self.assertEqual(json.loads(policy), json.loads(POLICY))
        # By hand: older botocore drops RotationPeriodInDays from the answer.
        status = harness.call_by_hand(client, "GetKeyRotationStatus", KeyId=POLICY_ID)
        self.assertTrue(status["KeyRotationEnabled"])
        self.assertEqual(status["RotationPeriodInDays"], 180)
        mac = client.generate_mac(KeyId="alias/hmac", Message=b"msg",
                                  MacAlgorithm="HMAC_SHA_256")["Mac"]
        self.assertEqual(mac, hmac.new(HMAC_MATERIAL, b"msg", hashlib.sha256).digest())
        generated = client.describe_key(KeyId=GENERATED_ID)["KeyMetadata"]
        self.assertEqual((generated["KeySpec"], generated["KeyState"]),
                         ("ECC_NIST_P384", "Disabled"))
        # Applying it again changes nothing.
        status, answer = self.server.admin("ApplySeed", {"yaml": TRENT_SEED})
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer, {"keysCreated": "0", "keysExisting": "3",
                                  "aliasesCreated": "0", "aliasesExisting": "1"})
        self.assertEqual(client.describe_key(KeyId=GENERATED_ID)["KeyMetadata"], generated)

    def test_bad_seed_over_admin_http(self):
        bad = LOCAL_KMS_SEED.replace(AES2_MATERIAL, AES2_MATERIAL[:-2])
        status, answer = self.server.admin("ApplySeed", {"yaml": bad})
        self.assertEqual(status, 400, answer)
        self.assertEqual(answer["__type"], "ValidationException")
        self.assertEqual(answer["message"],
                         "Keys.Symmetric.Aes[1]: BackingKeys[0] is not 32 bytes of hex")

    def test_other_material_under_a_seeded_id_is_refused(self):
        other = LOCAL_KMS_SEED.replace(AES2_MATERIAL, "00" * 32)
        status, answer = self.server.admin("ApplySeed", {"yaml": other})
        self.assertEqual(status, 400, answer)
        self.assertEqual(answer["message"],
                         f"Keys.Symmetric.Aes[1]: key {AES2_ID} exists already with another key "
                         "material (a seed leaves existing keys as they are)")


ED_SEED = f"""\
Keys:
  Asymmetric:
    Ecc:
      - Metadata:
          KeyId: {ED_ID}
          Description: an Ed25519 key from a PEM
        PrivateKeyPem: |
{indent(pem_block(ED_KEY), 10)}
Aliases:
  - AliasName: alias/ed
    TargetKeyId: {ED_ID}
"""


def token_private_keys(server):
    """The private key objects in trentd's SoftHSM token, as pkcs11-tool lists them."""
    with open(os.path.join(server.data_dir, "pin")) as f:
        pin = f.read().strip()
    env = dict(os.environ,
               SOFTHSM2_CONF=os.path.join(server.data_dir, "softhsm", "softhsm2.conf"))
    done = subprocess.run(
        ["pkcs11-tool", "--module", SOFTHSM_MODULE, "--token-label", "trent", "--login",
         "--pin", pin, "--list-objects", "--type", "privkey"],
        env=env, capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise AssertionError(done.stderr)
    return [line for line in done.stdout.splitlines() if line.startswith("Private Key Object")]


@unittest.skipUnless(os.path.exists(SOFTHSM_MODULE) and shutil.which("pkcs11-tool"),
                     "needs SoftHSM and pkcs11-tool (package opensc)")
class SeedEd25519(unittest.TestCase):
    """An Ed25519 PEM key: trent signs as the key, across restarts and empty data dirs."""

    MESSAGE = b"seeded Ed25519"

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="trent-seed-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.seed_path = write(self.dir, "seed.yaml", ED_SEED)

    def run_trentd(self, data_dir):
        server = harness.Trentd(["--seed", self.seed_path], data_dir=data_dir)
        self.addCleanup(server.close)
        server.start()
        return server

    def sign(self, server):
        kms = server.client()
        sig = kms.sign(KeyId="alias/ed", Message=self.MESSAGE, MessageType="RAW",
                       SigningAlgorithm="ED25519_SHA_512")["Signature"]
        ED_KEY.public_key().verify(sig, self.MESSAGE)  # raises if it does not verify
        self.assertTrue(kms.verify(KeyId=ED_ID, Message=self.MESSAGE, MessageType="RAW",
                                   Signature=sig, SigningAlgorithm="ED25519_SHA_512")
                        ["SignatureValid"])
        return sig

    def test_signs_as_the_pem_key(self):
        data_dir = os.path.join(self.dir, "data")
        server = self.run_trentd(data_dir)
        kms = server.client()
        md = kms.describe_key(KeyId=ED_ID)["KeyMetadata"]
        self.assertEqual((md["KeySpec"], md["KeyUsage"], md["Origin"]),
                         ("ECC_NIST_EDWARDS25519", "SIGN_VERIFY", "AWS_KMS"))
        public = kms.get_public_key(KeyId=ED_ID)["PublicKey"]
        self.assertEqual(public, ED_KEY.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))
        signature = self.sign(server)
        # Ed25519 is deterministic: the PEM key's own signature.
        self.assertEqual(signature, ED_KEY.sign(self.MESSAGE))
        tokens = token_private_keys(server)
        self.assertEqual(len(tokens), 1, tokens)

        # Applied again, over the admin API and by a restart: no second token object.
        status, answer = server.admin("ApplySeed", {"yaml": ED_SEED})
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer, {"keysCreated": "0", "keysExisting": "1",
                                  "aliasesCreated": "0", "aliasesExisting": "1"})
        self.assertEqual(server.stop(), 0)
        server.start()
        self.assertEqual(self.sign(server), signature)
        self.assertEqual(len(token_private_keys(server)), 1)

        # An empty data dir from the same seed: the same key, so the same signature.
        self.assertEqual(server.stop(), 0)
        other = self.run_trentd(os.path.join(self.dir, "other"))
        self.assertEqual(self.sign(other), signature)
        self.assertEqual(len(token_private_keys(other)), 1)

    def test_a_purged_seeded_key_leaves_the_token(self):
        server = harness.Trentd(["--seed", self.seed_path, "--test-clock"],
                                data_dir=os.path.join(self.dir, "data"))
        self.addCleanup(server.close)
        server.start()
        kms = server.client()
        self.sign(server)
        self.assertEqual(len(token_private_keys(server)), 1)
        kms.schedule_key_deletion(KeyId=ED_ID, PendingWindowInDays=7)
        server.advance_clock(8 * 24 * 3600)  # returns once the deletion is done
        self.assertEqual(token_private_keys(server), [])
        with sqlite3.connect(f"file:{server.data_dir}/trent.db?mode=ro", uri=True) as db:
            self.assertEqual(db.execute("SELECT count(*) FROM keys").fetchone()[0], 0)


class UnknownFields(unittest.TestCase):
    """A local-kms file with fields local-kms ignores loads, each field named in a warning."""

    def test_unknown_fields_load_with_a_warning(self):
        d = tempfile.mkdtemp(prefix="trent-seed-")
        self.addCleanup(shutil.rmtree, d, True)
        text = LOCAL_KMS_SEED.replace(
            "          KeyUsage: SIGN_VERIFY # or ENCRYPT_DECRYPT\n",
            "          KeyUsage: SIGN_VERIFY # or ENCRYPT_DECRYPT\n          Usage: SIGN_VERIFY\n"
        ).replace("  - AliasName: alias/test\n", "  - AliasName: alias/test\n    Comment: ci\n")
        self.assertNotEqual(text, LOCAL_KMS_SEED)
        server = harness.Trentd(["--seed", write(d, "seed.yaml", text)])
        self.addCleanup(server.close)
        server.start()
        kms = server.client()
        self.assertEqual(kms.describe_key(KeyId=RSA_ID)["KeyMetadata"]["KeyUsage"], "SIGN_VERIFY")
        self.assertEqual(kms.describe_key(KeyId="alias/test")["KeyMetadata"]["KeyId"], AES2_ID)
        log = server.stderr()
        for line in ("seed: Keys.Asymmetric.Rsa[0].Metadata: unknown field 'Usage' ignored",
                     "seed: Aliases[1]: unknown field 'Comment' ignored"):
            self.assertEqual(sum(line in l for l in log.splitlines()), 1, log)


class AllOrNothing(unittest.TestCase):
    """A seed whose third entry is refused leaves the data dir as it was."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="trent-seed-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.data_dir = os.path.join(self.dir, "data")
        self.server = harness.Trentd([], data_dir=self.data_dir)
        self.addCleanup(self.server.close)
        self.server.start()
        kms = self.server.client()
        self.existing = kms.create_key()["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName="alias/existing", TargetKeyId=self.existing)

    def contents(self):
        kms = self.server.client()
        keys = sorted(k["KeyId"] for k in kms.list_keys()["Keys"])
        aliases = sorted((a["AliasName"], a.get("TargetKeyId"))
                         for a in kms.list_aliases()["Aliases"])
        return keys, aliases

    # Entries in order: Aes[0], Aes[1], Rsa[0], Ecc[0], then Aliases[0], Aliases[1].
    BAD_ALIAS = LOCAL_KMS_SEED.replace(f"TargetKeyId: {AES2_ID}",
                                       "TargetKeyId: 11111111-2222-4333-8444-555555555555")
    BAD_ALIAS_LINE = ("Aliases[1]: TargetKeyId 11111111-2222-4333-8444-555555555555 is no key of "
                      f"account {ACCOUNT} in us-east-1")

    def test_over_admin_api(self):
        before = self.contents()
        status, answer = self.server.admin("ApplySeed", {"yaml": self.BAD_ALIAS})
        self.assertEqual(status, 400, answer)
        self.assertEqual(answer["message"], self.BAD_ALIAS_LINE)
        self.assertEqual(self.contents(), before)
        # A key id taken by another key (the third entry, Rsa[0]): nothing either.
        clash = LOCAL_KMS_SEED.replace(RSA_ID, self.existing)
        status, answer = self.server.admin("ApplySeed", {"yaml": clash})
        self.assertEqual(status, 400, answer)
        self.assertEqual(answer["message"],
                         f"Keys.Asymmetric.Rsa[0]: key {self.existing} exists already with "
                         "another KeySpec (a seed leaves existing keys as they are)")
        self.assertEqual(self.contents(), before)

    def test_at_start(self):
        before = self.contents()
        self.assertEqual(self.server.stop(), 0)
        seed_path = write(self.dir, "seed.yaml", self.BAD_ALIAS)
        proc = subprocess.run(
            [harness.trentd_path(), "--listen", "127.0.0.1:0", "--data-dir", self.data_dir,
             "--seed", seed_path],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
            env=harness.client_environment())
        self.assertNotEqual(proc.returncode, 0, proc.stderr)
        # Refused after the logging started (on applying, not parsing): the last line.
        self.assertEqual(proc.stderr.splitlines()[-1],
                         f"trentd: seed {seed_path}: {self.BAD_ALIAS_LINE}", proc.stderr)
        self.server.start()
        self.assertEqual(self.contents(), before)


class SeedRuns(unittest.TestCase):
    """Restarts: the same data dir, and an empty one."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="trent-seed-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.seed_path = write(self.dir, "seed.yaml", LOCAL_KMS_SEED)

    def run_trentd(self, data_dir):
        server = harness.Trentd(["--seed", self.seed_path], data_dir=data_dir)
        self.addCleanup(server.close)
        server.start()
        return server

    def test_restart_with_the_same_seed_is_idempotent(self):
        data_dir = os.path.join(self.dir, "data")
        server = self.run_trentd(data_dir)
        kms = server.client()
        before = {k: kms.describe_key(KeyId=k)["KeyMetadata"] for k in (AES_ID, RSA_ID, ECC_ID)}
        kms.update_key_description(KeyId=AES_ID, Description="changed after seeding")
        self.assertEqual(server.stop(), 0)
        server.start()
        kms = server.client()
        keys = [k["KeyId"] for k in kms.list_keys()["Keys"]]
        self.assertEqual(sorted(k for k in keys if k in before), sorted(before))
        self.assertEqual(len([k for k in keys if k in (AES_ID, AES2_ID, RSA_ID, ECC_ID)]), 4)
        after = kms.describe_key(KeyId=AES_ID)["KeyMetadata"]
        self.assertEqual(after["Description"], "changed after seeding")
        self.assertEqual(after["CreationDate"], before[AES_ID]["CreationDate"])
        self.assertEqual(kms.describe_key(KeyId=RSA_ID)["KeyMetadata"], before[RSA_ID])

    def test_ciphertext_survives_an_empty_data_dir(self):
        first = os.path.join(self.dir, "first")
        server = self.run_trentd(first)
        blob = server.client().encrypt(KeyId="alias/test", Plaintext=b"across runs",
                                       EncryptionContext={"run": "1"})["CiphertextBlob"]
        self.assertEqual(server.stop(), 0)
        shutil.rmtree(first)
        second = self.run_trentd(os.path.join(self.dir, "second"))
        out = second.client().decrypt(CiphertextBlob=blob, EncryptionContext={"run": "1"})
        self.assertEqual(out["Plaintext"], b"across runs")
        self.assertEqual(out["KeyId"], f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{AES2_ID}")


class BadSeeds(unittest.TestCase):
    """Each bad file stops trentd with one line naming the entry, exit code non-zero."""

    def start_fails(self, text, expected, path=None):
        with tempfile.TemporaryDirectory(prefix="trent-seed-") as d:
            if path is None:
                path = write(d, "seed.yaml", text)
            proc = subprocess.run(
                [harness.trentd_path(), "--listen", "127.0.0.1:0", "--data-dir",
                 os.path.join(d, "data"), "--seed", path],
                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
                env=harness.client_environment())
        self.assertNotEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout, "")
        self.assertEqual(proc.stderr, f"trentd: seed {path}: {expected}\n")

    def test_short_backing_key(self):
        self.start_fails(LOCAL_KMS_SEED.replace(AES2_MATERIAL, "abcd"),
                         "Keys.Symmetric.Aes[1]: BackingKeys[0] is not 32 bytes of hex")

    def test_not_hex(self):
        self.start_fails(LOCAL_KMS_SEED.replace(CURRENT_MATERIAL, "zz" * 32),
                         "Keys.Symmetric.Aes[0]: BackingKeys[1] is not 32 bytes of hex")

    def test_known_field_of_the_wrong_type(self):
        self.start_fails(LOCAL_KMS_SEED.replace(f"BackingKeys:\n          - {AES2_MATERIAL}",
                                                f"BackingKeys: {AES2_MATERIAL}"),
                         "Keys.Symmetric.Aes[1]: BackingKeys must be a list")

    def test_missing_key_id(self):
        self.start_fails(LOCAL_KMS_SEED.replace(f"KeyId: {ECC_ID}", "Description: x"),
                         "Keys.Asymmetric.Ecc[0]: Metadata.KeyId is missing")

    def test_bad_pem(self):
        self.start_fails(LOCAL_KMS_SEED.replace("-----BEGIN PRIVATE KEY-----", "-----BEGIN X-----"),
                         "Keys.Asymmetric.Rsa[0]: PrivateKeyPem is not an unencrypted PEM "
                         "private key (PKCS#8, RSA or EC)")

    def test_ecc_usage_the_curve_lacks(self):
        self.start_fails(LOCAL_KMS_SEED.replace("KeyUsage: SIGN_VERIFY\n", "KeyUsage: ENCRYPT_DECRYPT\n"),
                         "Keys.Asymmetric.Ecc[0]: Metadata.KeyUsage 'ENCRYPT_DECRYPT' is not a "
                         "usage of ECC_NIST_P256")

    def test_alias_to_no_key(self):
        other = "11111111-2222-4333-8444-555555555555"
        self.start_fails(LOCAL_KMS_SEED.replace(f"TargetKeyId: {AES2_ID}", f"TargetKeyId: {other}"),
                         f"Aliases[1]: TargetKeyId {other} is no key of account {ACCOUNT} in "
                         "us-east-1")

    def test_duplicate_key_id(self):
        self.start_fails(LOCAL_KMS_SEED.replace(AES2_ID, AES_ID),
                         f"Keys.Symmetric.Aes[1]: KeyId {AES_ID} is seeded twice")

    def test_not_yaml(self):
        self.start_fails("Keys: [unclosed\n",
                         "not YAML: line 2, column 1: end of sequence flow not found")

    def test_missing_file(self):
        self.start_fails(None, "cannot read the file", path="/nonexistent/seed.yaml")


if __name__ == "__main__":
    harness.main()
