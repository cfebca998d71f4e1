"""Issue 12: key material never leaves the HSM in the clear, checked from outside trentd.

While trentd runs with keys of every spec, each used:
- pkcs11-tool (OpenSC) logs in to trentd's own SoftHSM token and lists its objects: every
  private and secret key object there (the domain wrapping key and the Ed25519 private keys
  that SoftHSM 2.6.1 cannot wrap, which trentd keeps as token objects) must be sensitive,
  always sensitive and never extractable, and nothing else may be there. (Unwrapped keys are
  session objects of trentd's own session, which no other process sees: the unit test
  kms_key_protection_test inspects those.)
- trentd's SQLite file, opened read-only, holds no plaintext key: no value and no window of one
  parses as a DER private key, reproduces an HMAC key's MACs, is an EC or Ed25519 private key
  of a KMS key's public key or a factor of an RSA key's modulus; the private key of a data key
  pair is not in it either (nor in the raw database and WAL files).
- A purged Ed25519 key's token object is gone from the token.
"""

import hashlib
import hmac
import os
import re
import shutil
import sqlite3
import subprocess
import time
import unittest

import harness

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
DAY = 24 * 60 * 60
DOMAIN_KEY_LABEL = "trent-domain-wrapping-key"
TOKEN_KEY_LABEL = "trent-key"
TOKEN_OBJECT_PREFIX = b"pkcs11-token-object:"

# KeySpec -> (KeyUsage, how it is used)
SPECS = {
    "SYMMETRIC_DEFAULT": "ENCRYPT_DECRYPT",
    "RSA_2048": "SIGN_VERIFY",
    "RSA_3072": "ENCRYPT_DECRYPT",
    "RSA_4096": "SIGN_VERIFY",
    "ECC_NIST_P256": "SIGN_VERIFY",
    "ECC_NIST_P384": "SIGN_VERIFY",
    "ECC_NIST_P521": "SIGN_VERIFY",
    "ECC_SECG_P256K1": "SIGN_VERIFY",
    "ECC_NIST_EDWARDS25519": "SIGN_VERIFY",
    "HMAC_224": "GENERATE_VERIFY_MAC",
    "HMAC_256": "GENERATE_VERIFY_MAC",
    "HMAC_384": "GENERATE_VERIFY_MAC",
    "HMAC_512": "GENERATE_VERIFY_MAC",
}
SIGNING = {
    "RSA_2048": "RSASSA_PSS_SHA_256",
    "RSA_4096": "RSASSA_PKCS1_V1_5_SHA_256",
    "ECC_NIST_P256": "ECDSA_SHA_256",
    "ECC_NIST_P384": "ECDSA_SHA_384",
    "ECC_NIST_P521": "ECDSA_SHA_512",
    "ECC_SECG_P256K1": "ECDSA_SHA_256",
    "ECC_NIST_EDWARDS25519": "ED25519_SHA_512",
}
HMAC = {  # KeySpec -> (MacAlgorithm, hashlib name, key size in bytes)
    "HMAC_224": ("HMAC_SHA_224", "sha224", 28),
    "HMAC_256": ("HMAC_SHA_256", "sha256", 32),
    "HMAC_384": ("HMAC_SHA_384", "sha384", 48),
    "HMAC_512": ("HMAC_SHA_512", "sha512", 64),
}
HMAC_KEY_SIZES = (28, 32, 48, 64)
CURVES = {  # KeySpec -> (curve, scalar size in bytes)
    "ECC_NIST_P256": (ec.SECP256R1(), 32),
    "ECC_NIST_P384": (ec.SECP384R1(), 48),
    "ECC_NIST_P521": (ec.SECP521R1(), 66),
    "ECC_SECG_P256K1": (ec.SECP256K1(), 32),
}
ORDERS = {
    "ECC_NIST_P256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "ECC_NIST_P384": int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB2"
                         "48B0A77AECEC196ACCC52973", 16),
    "ECC_NIST_P521": int("01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
                         "FFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEB"
                         "B6FB71E91386409", 16),
    "ECC_SECG_P256K1": 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,
}
# PKCS#8 (RFC 5208) of any key: SEQUENCE, long-form length, INTEGER version 0.
PKCS8_PREFIX = re.compile(rb"\x30\x82..\x02\x01\x00", re.DOTALL)
# An Ed25519 PKCS#8 (RFC 8410): the whole header before the 32-byte seed.
ED25519_PKCS8_PREFIX = bytes.fromhex("302e020100300506032b657004220420")


def setUpModule():
    if not os.path.exists(SOFTHSM_MODULE):
        raise unittest.SkipTest(f"no SoftHSM module at {SOFTHSM_MODULE}")
    if shutil.which("pkcs11-tool") is None:
        raise unittest.SkipTest("pkcs11-tool not installed (package opensc, scripts/deps --test)")


def der_length(blob, i):
    """The total length of the DER element at blob[i] (tag, length and contents), or None."""
    if i + 2 > len(blob):
        return None
    first = blob[i + 1]
    if first < 0x80:
        return 2 + first
    n = first & 0x7F
    if n == 0 or n > 3 or i + 2 + n > len(blob):
        return None
    return 2 + n + int.from_bytes(blob[i + 2:i + 2 + n], "big")


def parses_as_private_key(der):
    try:
        serialization.load_der_private_key(der, password=None)
        return True
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return False


def windows(blob, size):
    for i in range(len(blob) - size + 1):
        yield blob[i:i + size]


def der_private_key_in(v):
    """Whether `v`, or a DER element inside it, parses as a private key; and how many were tried."""
    if parses_as_private_key(v) or ED25519_PKCS8_PREFIX in v or PKCS8_PREFIX.search(v):
        return True, 1
    tried = 0
    for i in range(len(v)):
        if v[i] != 0x30:
            continue
        n = der_length(v, i)
        if n is None or i + n > len(v) or (i == 0 and n == len(v)):
            continue
        tried += 1
        if parses_as_private_key(v[i:i + n]):
            return True, tried
    return False, tried


def hmac_key_in(v, message, hash_name, mac):
    """Whether a 28/32/48/64-byte window of `v`, as an HMAC key, gives `mac` for `message`."""
    return any(hmac.new(w, message, hash_name).digest() == mac
               for size in HMAC_KEY_SIZES for w in windows(v, size))


def ec_scalar_in(v, curve, size, order, public_numbers):
    """Whether a `size`-byte window of `v` is the private scalar of that public key; and how
    many valid scalars were tried."""
    tried = 0
    for w in windows(v, size):
        d = int.from_bytes(w, "big")
        if not 0 < d < order:
            continue
        try:
            got = ec.derive_private_key(d, curve).public_key().public_numbers()
        except ValueError:
            continue  # not a valid scalar of this curve
        tried += 1
        if (got.x, got.y) == (public_numbers.x, public_numbers.y):
            return True, tried
    return False, tried


def parse_listing(text):
    """pkcs11-tool --list-objects output: one dict per object ("kind" is its header line)."""
    objects = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if not line.startswith(" "):
            objects.append({"kind": line.strip()})
        elif objects and ":" in line:
            name, value = line.strip().split(":", 1)
            objects[-1][name.strip()] = value.strip()
    return objects


class HsmProtection(harness.TrentdTestCase):
    trentd_args = ("--test-clock",)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        kms = cls.kms
        cls.keys = {}         # KeySpec -> KeyId
        cls.public_keys = {}  # KeySpec -> DER SubjectPublicKeyInfo
        cls.macs = {}         # KeySpec -> (message, MAC)
        cls.message = b"issue 12: nothing leaves the HSM in the clear"
        for spec, usage in SPECS.items():
            key_id = kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]["KeyId"]
            cls.keys[spec] = key_id
            if spec == "SYMMETRIC_DEFAULT":
                blob = kms.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
                assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"
            elif spec in HMAC:
                mac = kms.generate_mac(KeyId=key_id, Message=cls.message,
                                       MacAlgorithm=HMAC[spec][0])["Mac"]
                cls.macs[spec] = mac
            else:
                cls.public_keys[spec] = kms.get_public_key(KeyId=key_id)["PublicKey"]
                if spec in SIGNING:
                    kms.sign(KeyId=key_id, Message=cls.message, MessageType="RAW",
                             SigningAlgorithm=SIGNING[spec])
                else:
                    blob = kms.encrypt(KeyId=key_id, Plaintext=b"secret",
                                       EncryptionAlgorithm="RSAES_OAEP_SHA_256")["CiphertextBlob"]
                    assert kms.decrypt(KeyId=key_id, CiphertextBlob=blob,
                                       EncryptionAlgorithm="RSAES_OAEP_SHA_256")["Plaintext"] \
                        == b"secret"
        # Data key pairs: their private keys leave trentd, and must not be kept.
        cls.data_key_pairs = []
        for pair_spec in ("ECC_NIST_P256", "RSA_2048", "ECC_NIST_EDWARDS25519"):
            try:
                out = kms.generate_data_key_pair(KeyId=cls.keys["SYMMETRIC_DEFAULT"],
                                                 KeyPairSpec=pair_spec)
            except kms.exceptions.ClientError:
                continue  # a spec trent does not offer for data key pairs
            cls.data_key_pairs.append((pair_spec, out["PrivateKeyPlaintext"]))
        assert cls.data_key_pairs, "no data key pair generated"
        cls.db_path = os.path.join(cls.server.data_dir, "trent.db")
        cls.conf_path = os.path.join(cls.server.data_dir, "softhsm", "softhsm2.conf")
        with open(os.path.join(cls.server.data_dir, "pin"), "r") as f:
            cls.pin = f.read().strip()

    # --- PKCS#11, from outside ---------------------------------------------------------------

    def list_token(self):
        env = dict(os.environ, SOFTHSM2_CONF=self.conf_path)
        done = subprocess.run(
            ["pkcs11-tool", "--module", SOFTHSM_MODULE, "--token-label", "trent", "--login",
             "--pin", self.pin, "--list-objects"],
            env=env, capture_output=True, text=True, timeout=30)
        self.assertEqual(done.returncode, 0, done.stderr)
        return parse_listing(done.stdout), done.stderr

    def token_object_ids(self):
        """What SQLite says is kept in the token: the CKA_ID of each token-held key, in hex."""
        ids = set()
        with self.open_db() as db:
            for (material,) in db.execute("SELECT wrapped_material FROM key_versions"):
                if material.startswith(TOKEN_OBJECT_PREFIX):
                    ids.add(material[len(TOKEN_OBJECT_PREFIX):].decode())
        return ids

    def check_key_objects(self, objects):
        """Every object is a protected key trentd made: returns the listed trent-key IDs."""
        ids = []
        domain_keys = 0
        for obj in objects:
            with self.subTest(obj=obj):
                kind = obj["kind"]
                self.assertTrue(kind.startswith(("Private Key Object", "Secret Key Object")),
                                f"an object that is no private or secret key: {obj}")
                access = [a.strip() for a in obj.get("Access", "").split(",")]
                # pkcs11-tool prints "extractable" for CKA_EXTRACTABLE=true (and nothing for
                # false), "never extractable" for CKA_NEVER_EXTRACTABLE=true.
                self.assertIn("sensitive", access)
                self.assertIn("always sensitive", access)
                self.assertIn("never extractable", access)
                self.assertNotIn("extractable", access)
                if kind.startswith("Secret Key Object"):
                    self.assertEqual(obj.get("label"), DOMAIN_KEY_LABEL)
                    self.assertEqual(kind, "Secret Key Object; AES length 32")
                    domain_keys += 1
                else:
                    self.assertEqual(obj.get("label"), TOKEN_KEY_LABEL)
                    self.assertEqual(kind, "Private Key Object; EC_EDWARDS")
                    self.assertEqual(obj.get("Usage"), "sign")
                    ids.append(obj["ID"].lower())
        self.assertEqual(domain_keys, 1)
        return ids

    def test_token_objects_are_sensitive_and_never_extractable(self):
        objects, stderr = self.list_token()
        ids = self.check_key_objects(objects)
        # One token object per Ed25519 key trentd holds, and exactly those SQLite points to.
        self.assertEqual(len(ids), len(set(ids)))
        self.assertEqual(set(ids), self.token_object_ids())
        self.assertIn(self.ed25519_token_id(self.keys["ECC_NIST_EDWARDS25519"]), ids)
        # pkcs11-tool tries to read the secret key's value, and the module refuses.
        self.assertIn("CKR_ATTRIBUTE_SENSITIVE", stderr)

    def ed25519_token_id(self, key_id):
        with self.open_db() as db:
            rows = db.execute("SELECT v.wrapped_material FROM key_versions v"
                              " JOIN keys k ON k.seq = v.key_seq WHERE k.key_id = ?",
                              (key_id,)).fetchall()
        self.assertEqual(len(rows), 1)
        material = rows[0][0]
        self.assertTrue(material.startswith(TOKEN_OBJECT_PREFIX), material)
        return material[len(TOKEN_OBJECT_PREFIX):].decode()

    def test_purged_ed25519_key_leaves_the_token(self):
        kms = self.kms
        key_id = kms.create_key(KeySpec="ECC_NIST_EDWARDS25519",
                                KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        kms.sign(KeyId=key_id, Message=b"m", MessageType="RAW",
                 SigningAlgorithm="ED25519_SHA_512")
        token_id = self.ed25519_token_id(key_id)
        objects, _ = self.list_token()
        self.assertIn(token_id, self.check_key_objects(objects))

        kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        objects, _ = self.list_token()
        self.assertIn(token_id, self.check_key_objects(objects),
                      "the material went before the deletion date")
        self.server.advance_clock(7 * DAY + 60)
        with self.assertRaises(kms.exceptions.NotFoundException):
            kms.describe_key(KeyId=key_id)
        objects, _ = self.list_token()
        ids = self.check_key_objects(objects)
        self.assertNotIn(token_id, ids)
        self.assertIn(self.ed25519_token_id(self.keys["ECC_NIST_EDWARDS25519"]), ids)
        self.assertEqual(set(ids), self.token_object_ids())

    # --- the scanners themselves --------------------------------------------------------------

    def test_scanners_find_planted_keys(self):
        """The SQLite checks would see a key if one were there: each finds one planted among
        random bytes."""
        noise = os.urandom(100)
        p256 = ec.generate_private_key(ec.SECP256R1())
        pkcs8 = p256.private_bytes(serialization.Encoding.DER,
                                   serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption())
        found, _ = der_private_key_in(noise + pkcs8 + noise)
        self.assertTrue(found)
        sec1 = p256.private_bytes(serialization.Encoding.DER,
                                  serialization.PrivateFormat.TraditionalOpenSSL,
                                  serialization.NoEncryption())
        found, _ = der_private_key_in(noise + sec1 + noise)
        self.assertTrue(found)
        scalar = p256.private_numbers().private_value.to_bytes(32, "big")
        found, _ = ec_scalar_in(noise + scalar + noise, ec.SECP256R1(), 32,
                                ORDERS["ECC_NIST_P256"], p256.public_key().public_numbers())
        self.assertTrue(found)
        key = os.urandom(28)
        mac = hmac.new(key, b"m", "sha224").digest()
        self.assertTrue(hmac_key_in(noise + key + noise, b"m", "sha224", mac))
        self.assertFalse(hmac_key_in(noise + noise, b"m", "sha224", mac))

    # --- SQLite ------------------------------------------------------------------------------

    def open_db(self):
        db = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
        self.addCleanup(db.close)
        return db

    def stored_values(self):
        """Every BLOB and TEXT value of every table, as bytes."""
        values = []
        with self.open_db() as db:
            tables = [t for (t,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                for row in db.execute(f'SELECT * FROM "{table}"'):
                    for v in row:
                        if isinstance(v, bytes):
                            values.append(v)
                        elif isinstance(v, str):
                            values.append(v.encode())
        return tables, values

    def test_sqlite_holds_no_plaintext_key(self):
        started = time.monotonic()
        tables, values = self.stored_values()
        self.assertIn("key_versions", tables)
        with self.open_db() as db:
            stored_versions = db.execute("SELECT count(*) FROM key_versions").fetchone()[0]
        self.assertGreaterEqual(stored_versions, len(SPECS))
        total = sum(len(v) for v in values)

        # (a) No value, and no DER element inside one, is a private key.
        attempts = 0
        for v in values:
            found, tried = der_private_key_in(v)
            attempts += tried
            self.assertFalse(found, f"a DER private key in {v!r}")

        # (b) No window of a stored value is an HMAC key: none reproduces trent's MAC.
        hmac_windows = 0
        for spec, (_, hash_name, _) in HMAC.items():
            for v in values:
                hmac_windows += sum(max(0, len(v) - n + 1) for n in HMAC_KEY_SIZES)
                self.assertFalse(hmac_key_in(v, self.message, hash_name, self.macs[spec]),
                                 f"{spec}'s key is stored in the clear")

        # (c) No window is the private scalar of an EC key, nor the seed of the Ed25519 key,
        # nor a prime factor of an RSA key's modulus.
        scalar_tries = 0
        for spec, (curve, size) in CURVES.items():
            want = serialization.load_der_public_key(self.public_keys[spec]).public_numbers()
            for v in values:
                found, tried = ec_scalar_in(v, curve, size, ORDERS[spec], want)
                scalar_tries += tried
                self.assertFalse(found, f"{spec}'s private key is stored in the clear")
        raw = serialization.Encoding.Raw
        ed_public = serialization.load_der_public_key(
            self.public_keys["ECC_NIST_EDWARDS25519"]).public_bytes(
                raw, serialization.PublicFormat.Raw)
        for v in values:
            for w in windows(v, 32):
                got = ed25519.Ed25519PrivateKey.from_private_bytes(w).public_key()
                self.assertNotEqual(got.public_bytes(raw, serialization.PublicFormat.Raw),
                                    ed_public, "the Ed25519 private key is stored in the clear")
        for spec in ("RSA_2048", "RSA_3072", "RSA_4096"):
            n = serialization.load_der_public_key(self.public_keys[spec]).public_numbers().n
            half = (n.bit_length() + 7) // 16
            for v in values:
                for w in windows(v, half):
                    p = int.from_bytes(w, "big")
                    self.assertFalse(1 < p < n and n % p == 0,
                                     f"a prime factor of {spec}'s modulus is stored")

        # (d) The data key pairs' private keys (DER, and their raw private values) are nowhere,
        # neither in a value nor in the database and WAL files' raw bytes.
        files = b""
        for suffix in ("", "-wal"):
            path = self.db_path + suffix
            if os.path.exists(path):
                with open(path, "rb") as f:
                    files += f.read()
        self.assertIsNone(PKCS8_PREFIX.search(files), "a PKCS#8 header in the database files")
        self.assertNotIn(ED25519_PKCS8_PREFIX, files)
        for pair_spec, der in self.data_key_pairs:
            private = serialization.load_der_private_key(der, password=None)
            secrets = [der, der[-32:]]
            if isinstance(private, ec.EllipticCurvePrivateKey):
                d = private.private_numbers().private_value
                secrets.append(d.to_bytes((private.curve.key_size + 7) // 8, "big"))
            elif isinstance(private, rsa.RSAPrivateKey):
                nums = private.private_numbers()
                for x in (nums.d, nums.p, nums.q):
                    secrets.append(x.to_bytes((x.bit_length() + 7) // 8, "big"))
            elif isinstance(private, ed25519.Ed25519PrivateKey):
                secrets.append(private.private_bytes(raw, serialization.PrivateFormat.Raw,
                                                     serialization.NoEncryption()))
            for secret in secrets:
                self.assertNotIn(secret, files, f"{pair_spec} data key pair in the files")
                for v in values:
                    self.assertNotIn(secret, v, f"{pair_spec} data key pair in SQLite")

        print(f"\nSQLite: {len(tables)} tables, {len(values)} BLOB/TEXT values, {total} bytes, "
              f"{stored_versions} key versions; {attempts} DER elements tried as private keys, "
              f"{hmac_windows} HMAC key windows, {scalar_tries} EC scalars tried; "
              f"{len(self.data_key_pairs)} data key pairs ({len(files)} raw file bytes); "
              f"{time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    harness.main()
