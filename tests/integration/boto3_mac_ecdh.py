"""boto3 against trentd: GenerateMac and VerifyMac with HMAC keys (the key never leaves the
HSM, so no local HMAC: lengths, determinism, and what VerifyMac rejects), and DeriveSharedSecret (ECDH) checked against OpenSSL through Python `cryptography`, with the
errors AWS gives (/work/notes/aws12.md §5, §6, and the order of checks)."""

import os
import unittest

import harness

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

HMAC_SPECS = {
    "HMAC_224": ("HMAC_SHA_224", 28),
    "HMAC_256": ("HMAC_SHA_256", 32),
    "HMAC_384": ("HMAC_SHA_384", 48),
    "HMAC_512": ("HMAC_SHA_512", 64),
}

CURVES = {
    "ECC_NIST_P256": ec.SECP256R1,
    "ECC_NIST_P384": ec.SECP384R1,
    "ECC_NIST_P521": ec.SECP521R1,
}


def spki(public_key):
    return public_key.public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)


def flip(data, i=0):
    return data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1:]


class RawBody:
    """Captures the raw HTTP body of a client's answers to one operation."""

    def __init__(self, client, operation):
        self.body = None
        client.meta.events.register(f"after-call.kms.{operation}", self._capture)

    def _capture(self, http_response, **_):
        self.body = http_response.content


class Mac(harness.TrentdTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.keys = {spec: cls.kms.create_key(KeySpec=spec, KeyUsage="GENERATE_VERIFY_MAC")[
            "KeyMetadata"] for spec in HMAC_SPECS}
        cls.others = {spec: cls.kms.create_key(KeySpec=spec, KeyUsage="GENERATE_VERIFY_MAC")[
            "KeyMetadata"] for spec in HMAC_SPECS}

    def mac(self, key, message, algorithm):
        out = self.kms.generate_mac(KeyId=key["KeyId"], Message=message, MacAlgorithm=algorithm)
        self.assertEqual(out["KeyId"], key["Arn"])
        self.assertEqual(out["MacAlgorithm"], algorithm)
        return out["Mac"]

    def assertInvalidMac(self, key, message, algorithm, mac):
        err = self.assertAwsError("KMSInvalidMacException", self.kms.verify_mac, KeyId=key["KeyId"],
                                  Message=message, MacAlgorithm=algorithm, Mac=mac, message="")
        return err

    def test_generate_and_verify_each_spec(self):
        for spec, (algorithm, size) in HMAC_SPECS.items():
            with self.subTest(spec=spec):
                key = self.keys[spec]
                self.assertEqual(key["MacAlgorithms"], [algorithm])
                for message in (b"x", os.urandom(100), os.urandom(4096)):
                    mac = self.mac(key, message, algorithm)
                    self.assertEqual(len(mac), size)
                    out = self.kms.verify_mac(KeyId=key["KeyId"], Message=message,
                                              MacAlgorithm=algorithm, Mac=mac)
                    self.assertEqual(out, {**out, "KeyId": key["Arn"], "MacValid": True,
                                           "MacAlgorithm": algorithm})

    def test_deterministic_and_key_dependent(self):
        for spec, (algorithm, _) in HMAC_SPECS.items():
            with self.subTest(spec=spec):
                message = os.urandom(64)
                first = self.mac(self.keys[spec], message, algorithm)
                self.assertEqual(self.mac(self.keys[spec], message, algorithm), first)
                self.assertEqual(self.mac(self.keys[spec], message, algorithm), first)
                self.assertNotEqual(self.mac(self.others[spec], message, algorithm), first)
                self.assertNotEqual(self.mac(self.keys[spec], message + b"!", algorithm), first)

    def test_rejects_altered_mac_message_or_key(self):
        for spec, (algorithm, size) in HMAC_SPECS.items():
            with self.subTest(spec=spec):
                key = self.keys[spec]
                message = b"webhook payload " + os.urandom(16)
                mac = self.mac(key, message, algorithm)
                for i in (0, size // 2, size - 1):
                    self.assertInvalidMac(key, message, algorithm, flip(mac, i))
                self.assertInvalidMac(key, flip(message, 3), algorithm, mac)
                self.assertInvalidMac(key, message + b"\0", algorithm, mac)
                # A MAC of the same message from another key of the same spec.
                self.assertInvalidMac(key, message, algorithm,
                                      self.mac(self.others[spec], message, algorithm))
                # Any length: truncated, extended, one byte, the most the model allows.
                for bad in (mac[:-1], mac[:16], mac + b"\0", mac[:1], os.urandom(6144)):
                    self.assertInvalidMac(key, message, algorithm, bad)

    def test_invalid_mac_has_no_message_on_the_wire(self):
        key = self.keys["HMAC_256"]
        raw = RawBody(self.kms, "VerifyMac")
        self.assertInvalidMac(key, b"m", "HMAC_SHA_256", b"\0" * 32)
        import json
        self.assertEqual(json.loads(raw.body), {"__type": "KMSInvalidMacException"})

    def test_works_through_arn_and_alias(self):
        key = self.keys["HMAC_384"]
        alias = "alias/mac-" + os.urandom(4).hex()
        self.kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
        alias_arn = key["Arn"].split(":key/")[0] + ":" + alias
        mac = self.mac(key, b"m", "HMAC_SHA_384")
        for ref in (key["Arn"], alias, alias_arn):
            with self.subTest(ref=ref):
                out = self.kms.generate_mac(KeyId=ref, Message=b"m", MacAlgorithm="HMAC_SHA_384")
                self.assertEqual(out["Mac"], mac)
                self.assertEqual(out["KeyId"], key["Arn"])
                self.assertTrue(self.kms.verify_mac(KeyId=ref, Message=b"m",
                                                    MacAlgorithm="HMAC_SHA_384",
                                                    Mac=mac)["MacValid"])

    def test_wrong_algorithm_for_the_spec(self):
        for spec in HMAC_SPECS:
            for algorithm, size in HMAC_SPECS.values():
                if algorithm == HMAC_SPECS[spec][0]:
                    continue
                with self.subTest(spec=spec, algorithm=algorithm):
                    key = self.keys[spec]
                    text = f"Algorithm {algorithm} is incompatible with key spec {spec}."
                    self.assertAwsError("InvalidKeyUsageException", self.kms.generate_mac,
                                        KeyId=key["KeyId"], Message=b"m", MacAlgorithm=algorithm,
                                        message=text)
                    self.assertAwsError("InvalidKeyUsageException", self.kms.verify_mac,
                                        KeyId=key["KeyId"], Message=b"m", MacAlgorithm=algorithm,
                                        Mac=b"\0" * size, message=text)

    def test_unknown_algorithm(self):
        # The values in AWS's order (recorded), which is not the service model's.
        text = ("1 validation error detected: Value 'HMAC_SHA_1' at 'macAlgorithm' failed to "
                "satisfy constraint: Member must satisfy enum value set: "
                "[HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]")
        key_id = self.keys["HMAC_256"]["KeyId"]
        self.assertAwsError("ValidationException", self.kms.generate_mac, KeyId=key_id,
                            Message=b"m", MacAlgorithm="HMAC_SHA_1", message=text)
        self.assertAwsError("ValidationException", self.kms.verify_mac, KeyId=key_id,
                            Message=b"m", MacAlgorithm="HMAC_SHA_1", Mac=b"\0" * 32, message=text)

    def test_message_and_mac_limits(self):
        key = self.keys["HMAC_256"]
        self.assertAwsError(
            "ValidationException", self.kms.generate_mac, KeyId=key["KeyId"], Message=b"x" * 4097,
            MacAlgorithm="HMAC_SHA_256",
            message="1 validation error detected: Value at 'message' failed to satisfy "
                    "constraint: Member must have length less than or equal to 4096")
        self.assertAwsError(
            "ValidationException", self.kms.verify_mac, KeyId=key["KeyId"], Message=b"x",
            MacAlgorithm="HMAC_SHA_256", Mac=b"\0" * 6145,
            message="1 validation error detected: Value at 'mac' failed to satisfy "
                    "constraint: Member must have length less than or equal to 6144")

    def test_usage_errors_for_other_keys(self):
        cases = [
            (self.kms.create_key()["KeyMetadata"], "ENCRYPT_DECRYPT"),
            (self.kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"],
             "SIGN_VERIFY"),
            (self.kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT")["KeyMetadata"],
             "KEY_AGREEMENT"),
        ]
        for key, usage in cases:
            with self.subTest(usage=usage):
                self.assertAwsError(
                    "InvalidKeyUsageException", self.kms.generate_mac, KeyId=key["KeyId"],
                    Message=b"m", MacAlgorithm="HMAC_SHA_256",
                    message=f"{key['Arn']} key usage is {usage} which is not valid for GenerateMac.")
                self.assertAwsError(
                    "InvalidKeyUsageException", self.kms.verify_mac, KeyId=key["KeyId"],
                    Message=b"m", MacAlgorithm="HMAC_SHA_256", Mac=b"\0" * 32,
                    message=f"{key['Arn']} key usage is {usage} which is not valid for VerifyMac.")

    def test_disabled_and_pending_deletion(self):
        key = self.kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
        mac = self.mac(key, b"m", "HMAC_SHA_256")
        self.kms.disable_key(KeyId=key["KeyId"])
        for fn, extra in ((self.kms.generate_mac, {}), (self.kms.verify_mac, {"Mac": mac})):
            self.assertAwsError("DisabledException", fn, KeyId=key["KeyId"], Message=b"m",
                                MacAlgorithm="HMAC_SHA_256", message=f"{key['Arn']} is disabled.",
                                **extra)
        # The usage is checked before the state: a disabled HMAC key, a wrong operation.
        self.assertAwsError("InvalidKeyUsageException", self.kms.encrypt, KeyId=key["KeyId"],
                            Plaintext=b"p")
        self.kms.enable_key(KeyId=key["KeyId"])
        self.assertTrue(self.kms.verify_mac(KeyId=key["KeyId"], Message=b"m",
                                            MacAlgorithm="HMAC_SHA_256", Mac=mac)["MacValid"])
        self.kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
        self.assertAwsError("KMSInvalidStateException", self.kms.generate_mac, KeyId=key["KeyId"],
                            Message=b"m", MacAlgorithm="HMAC_SHA_256",
                            message=f"{key['Arn']} is pending deletion.")

    def test_dry_run(self):
        if "DryRun" not in self.kms.meta.service_model.operation_model("GenerateMac").input_shape.members:
            self.skipTest("this botocore predates DryRun")
        key = self.keys["HMAC_256"]
        text = "The request would have succeeded, but the DryRun option is set."
        self.assertAwsError("DryRunOperationException", self.kms.generate_mac, KeyId=key["KeyId"],
                            Message=b"m", MacAlgorithm="HMAC_SHA_256", DryRun=True, message=text)

    def test_unknown_key(self):
        self.assertAwsError("NotFoundException", self.kms.generate_mac,
                            KeyId="11111111-2222-3333-4444-555555555555", Message=b"m",
                            MacAlgorithm="HMAC_SHA_256")


def knows_derive_shared_secret():
    import botocore.session
    model = botocore.session.get_session().get_service_model("kms")
    return "DeriveSharedSecret" in model.operation_names


@unittest.skipUnless(knows_derive_shared_secret(), "this botocore predates DeriveSharedSecret")
class Ecdh(harness.TrentdTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.keys = {spec: cls.kms.create_key(KeySpec=spec, KeyUsage="KEY_AGREEMENT")["KeyMetadata"]
                    for spec in CURVES}

    def derive(self, key, peer_spki):
        out = self.kms.derive_shared_secret(KeyId=key["KeyId"], KeyAgreementAlgorithm="ECDH",
                                            PublicKey=peer_spki)
        self.assertEqual(out["KeyId"], key["Arn"])
        self.assertEqual(out["KeyAgreementAlgorithm"], "ECDH")
        self.assertEqual(out["KeyOrigin"], "AWS_KMS")
        return out["SharedSecret"]

    def kms_public_key(self, spec):
        """The KMS key's public key, found without GetPublicKey: ECDH with the generator
        (private scalar 1) gives the x coordinate of the key's own point. The y coordinate's
        sign is lost, which ECDH's result (an x coordinate) does not depend on. When trentd has
        GetPublicKey, its answer must be that point."""
        curve = CURVES[spec]()
        one = ec.derive_private_key(1, curve)
        x = self.derive(self.keys[spec], spki(one.public_key()))
        point = ec.EllipticCurvePublicKey.from_encoded_point(curve, b"\x02" + x)
        if hasattr(self.kms, "get_public_key"):
            from botocore.exceptions import ClientError
            try:
                der = self.kms.get_public_key(KeyId=self.keys[spec]["KeyId"])["PublicKey"]
            except ClientError as e:
                if e.response["Error"]["Code"] != "UnsupportedOperationException":
                    raise
            else:
                published = serialization.load_der_public_key(der)
                self.assertEqual(published.public_numbers().x, point.public_numbers().x)
                return published
        return point

    def test_matches_openssl(self):
        for spec, curve in CURVES.items():
            with self.subTest(spec=spec):
                key = self.keys[spec]
                self.assertEqual(key["KeyAgreementAlgorithms"], ["ECDH"])
                kms_public = self.kms_public_key(spec)
                size = (curve().key_size + 7) // 8
                for _ in range(3):
                    peer = ec.generate_private_key(curve())
                    secret = self.derive(key, spki(peer.public_key()))
                    self.assertEqual(len(secret), size)
                    self.assertEqual(secret, peer.exchange(ec.ECDH(), kms_public))

    def test_compressed_peer_point(self):
        key = self.keys["ECC_NIST_P256"]
        peer = ec.generate_private_key(ec.SECP256R1())
        uncompressed = self.derive(key, spki(peer.public_key()))
        # The same key with its point compressed in the SubjectPublicKeyInfo (all DER lengths
        # below 128 for P-256).
        der = spki(peer.public_key())
        algorithm_id = der[2:4 + der[3]]
        point = peer.public_key().public_bytes(serialization.Encoding.X962,
                                               serialization.PublicFormat.CompressedPoint)
        bit_string = bytes([0x03, len(point) + 1, 0x00]) + point
        compressed_der = bytes([0x30, len(algorithm_id) + len(bit_string)]) + algorithm_id + bit_string
        self.assertEqual(serialization.load_der_public_key(compressed_der).public_numbers(),
                         peer.public_key().public_numbers())
        self.assertEqual(self.derive(key, compressed_der), uncompressed)

    def assertBadPublicKey(self, key, public_key):
        raw = RawBody(self.kms, "DeriveSharedSecret")
        self.assertAwsError("ValidationException", self.kms.derive_shared_secret,
                            KeyId=key["KeyId"], KeyAgreementAlgorithm="ECDH",
                            PublicKey=public_key, message="")
        import json
        self.assertEqual(json.loads(raw.body), {"__type": "ValidationException"})

    def test_bad_public_keys(self):
        key = self.keys["ECC_NIST_P256"]
        good = spki(ec.generate_private_key(ec.SECP256R1()).public_key())
        rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cases = {
            "not DER": b"InvalidPublicKey",
            "truncated": good[:-1],
            "trailing byte": good + b"\0",
            "raw point": good[-65:],
            "P-384": spki(ec.generate_private_key(ec.SECP384R1()).public_key()),
            "P-521": spki(ec.generate_private_key(ec.SECP521R1()).public_key()),
            "secp256k1": spki(ec.generate_private_key(ec.SECP256K1()).public_key()),
            "RSA": spki(rsa_key.public_key()),
            "point off the curve": good[:-1] + bytes([good[-1] ^ 1]),
        }
        for name, public_key in cases.items():
            with self.subTest(case=name):
                self.assertBadPublicKey(key, public_key)
        self.assertBadPublicKey(self.keys["ECC_NIST_P384"], good)

    def test_unknown_algorithm(self):
        self.assertAwsError(
            "ValidationException", self.kms.derive_shared_secret,
            KeyId=self.keys["ECC_NIST_P256"]["KeyId"], KeyAgreementAlgorithm="INVALID",
            PublicKey=b"x",
            message="1 validation error detected: Value 'INVALID' at 'keyAgreementAlgorithm' "
                    "failed to satisfy constraint: Member must satisfy enum value set: [ECDH]")

    def test_usage_errors(self):
        peer = spki(ec.generate_private_key(ec.SECP256R1()).public_key())
        cases = [
            (self.kms.create_key()["KeyMetadata"], "ENCRYPT_DECRYPT"),
            (self.kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"],
             "SIGN_VERIFY"),
            (self.kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")[
                "KeyMetadata"], "GENERATE_VERIFY_MAC"),
        ]
        for key, usage in cases:
            with self.subTest(usage=usage):
                self.assertAwsError(
                    "InvalidKeyUsageException", self.kms.derive_shared_secret, KeyId=key["KeyId"],
                    KeyAgreementAlgorithm="ECDH", PublicKey=peer,
                    message=f"{key['Arn']} key usage is {usage} which is not valid for "
                            "DeriveSharedSecret.")
        # And the other way round: a KEY_AGREEMENT key for GenerateMac.
        key = self.keys["ECC_NIST_P256"]
        self.assertAwsError(
            "InvalidKeyUsageException", self.kms.generate_mac, KeyId=key["KeyId"], Message=b"m",
            MacAlgorithm="HMAC_SHA_256",
            message=f"{key['Arn']} key usage is KEY_AGREEMENT which is not valid for GenerateMac.")

    def test_disabled_key(self):
        key = self.kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT")["KeyMetadata"]
        self.kms.disable_key(KeyId=key["KeyId"])
        peer = spki(ec.generate_private_key(ec.SECP256R1()).public_key())
        self.assertAwsError("DisabledException", self.kms.derive_shared_secret,
                            KeyId=key["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=peer,
                            message=f"{key['Arn']} is disabled.")

    def test_recipient_refused(self):
        key = self.keys["ECC_NIST_P256"]
        peer = spki(ec.generate_private_key(ec.SECP256R1()).public_key())
        self.assertAwsError("UnsupportedOperationException", self.kms.derive_shared_secret,
                            KeyId=key["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=peer,
                            Recipient={"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256",
                                       "AttestationDocument": b"doc"})

    def test_dry_run(self):
        key = self.keys["ECC_NIST_P256"]
        peer = spki(ec.generate_private_key(ec.SECP256R1()).public_key())
        self.assertAwsError("DryRunOperationException", self.kms.derive_shared_secret,
                            KeyId=key["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=peer,
                            DryRun=True,
                            message="The request would have succeeded, but the DryRun option is "
                                    "set.")

    def test_works_through_alias(self):
        key = self.keys["ECC_NIST_P384"]
        alias = "alias/ecdh-" + os.urandom(4).hex()
        self.kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
        peer = spki(ec.generate_private_key(ec.SECP384R1()).public_key())
        out = self.kms.derive_shared_secret(KeyId=alias, KeyAgreementAlgorithm="ECDH",
                                            PublicKey=peer)
        self.assertEqual(out["KeyId"], key["Arn"])
        self.assertEqual(out["SharedSecret"], self.derive(key, peer))


if __name__ == "__main__":
    harness.main()
