"""boto3 against trentd: Encrypt, Decrypt and ReEncrypt with RSA ENCRYPT_DECRYPT keys, and
GenerateDataKeyPair(WithoutPlaintext), checked against OpenSSL through Python `cryptography`
(only APIs that Debian's 38.0.4 has too)."""

import os

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

import harness

RSA_SPECS = {"RSA_2048": 256, "RSA_3072": 384, "RSA_4096": 512}
OAEP_HASHES = {"RSAES_OAEP_SHA_1": hashes.SHA1, "RSAES_OAEP_SHA_256": hashes.SHA256}
# AWS's limits (the Encrypt API reference; recorded from AWS by LocalStack).
LIMITS = {
    ("RSA_2048", "RSAES_OAEP_SHA_1"): 214, ("RSA_2048", "RSAES_OAEP_SHA_256"): 190,
    ("RSA_3072", "RSAES_OAEP_SHA_1"): 342, ("RSA_3072", "RSAES_OAEP_SHA_256"): 318,
    ("RSA_4096", "RSAES_OAEP_SHA_1"): 470, ("RSA_4096", "RSAES_OAEP_SHA_256"): 446,
}
PAIR_SPECS = ["RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384",
              "ECC_NIST_P521", "ECC_SECG_P256K1", "ECC_NIST_EDWARDS25519"]
CURVES = {"ECC_NIST_P256": ec.SECP256R1, "ECC_NIST_P384": ec.SECP384R1,
          "ECC_NIST_P521": ec.SECP521R1, "ECC_SECG_P256K1": ec.SECP256K1}
CONTEXT = {"purpose": "data-key-pair", "tenant": "acme"}


def oaep(algorithm):
    h = OAEP_HASHES[algorithm]
    return padding.OAEP(mgf=padding.MGF1(algorithm=h()), algorithm=h(), label=None)


def model_has(client, operation, member, output=True):
    """Whether this botocore's model has the member (Debian's boto3 1.26 predates
    KeyMaterialId, CurrentKeyMaterialId and DryRun; it drops or refuses them)."""
    op = client.meta.service_model.operation_model(operation)
    shape = op.output_shape if output else op.input_shape
    return member in shape.members


def spki(public_key):
    return public_key.public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)


class RsaEncryption(harness.TrentdTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.keys = {spec: cls.rsa_key(spec) for spec in RSA_SPECS}
        cls.other = cls.rsa_key("RSA_2048")
        cls.symmetric = cls.kms.create_key()["KeyMetadata"]
        cls.public = {}
        for spec, key in cls.keys.items():
            der = cls.kms.get_public_key(KeyId=key["KeyId"])["PublicKey"]
            cls.public[spec] = serialization.load_der_public_key(der)

    @classmethod
    def rsa_key(cls, spec):
        return cls.kms.create_key(KeySpec=spec, KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]

    def decrypt(self, key, blob, algorithm):
        out = self.kms.decrypt(KeyId=key["KeyId"], CiphertextBlob=blob,
                               EncryptionAlgorithm=algorithm)
        self.assertEqual(out["KeyId"], key["Arn"])
        self.assertEqual(out["EncryptionAlgorithm"], algorithm)
        self.assertNotIn("KeyMaterialId", out)
        return out["Plaintext"]

    def encrypt(self, key, plaintext, algorithm, **kwargs):
        out = self.kms.encrypt(KeyId=key["KeyId"], Plaintext=plaintext,
                               EncryptionAlgorithm=algorithm, **kwargs)
        self.assertEqual(out["KeyId"], key["Arn"])
        self.assertEqual(out["EncryptionAlgorithm"], algorithm)
        return out["CiphertextBlob"]

    def test_public_key_is_rsa_of_the_spec(self):
        for spec, size in RSA_SPECS.items():
            with self.subTest(spec=spec):
                self.assertIsInstance(self.public[spec], rsa.RSAPublicKey)
                self.assertEqual(self.public[spec].key_size, size * 8)

    def test_local_ciphertext_decrypts_in_trent(self):
        for spec in RSA_SPECS:
            for algorithm in OAEP_HASHES:
                with self.subTest(spec=spec, algorithm=algorithm):
                    plaintext = os.urandom(LIMITS[spec, algorithm])
                    blob = self.public[spec].encrypt(plaintext, oaep(algorithm))
                    self.assertEqual(self.decrypt(self.keys[spec], blob, algorithm), plaintext)

    def test_trent_ciphertext_is_raw_oaep_and_decrypts(self):
        for spec, size in RSA_SPECS.items():
            for algorithm in OAEP_HASHES:
                with self.subTest(spec=spec, algorithm=algorithm):
                    blob = self.encrypt(self.keys[spec], b"hello rsa", algorithm)
                    self.assertEqual(len(blob), size)
                    self.assertEqual(self.decrypt(self.keys[spec], blob, algorithm), b"hello rsa")
                    # OAEP is randomised.
                    again = self.encrypt(self.keys[spec], b"hello rsa", algorithm)
                    self.assertNotEqual(blob, again)

    def test_by_alias_and_arn(self):
        key = self.keys["RSA_2048"]
        self.kms.create_alias(AliasName="alias/rsa-enc", TargetKeyId=key["KeyId"])
        blob = self.kms.encrypt(KeyId="alias/rsa-enc", Plaintext=b"via alias",
                                EncryptionAlgorithm="RSAES_OAEP_SHA_256")["CiphertextBlob"]
        out = self.kms.decrypt(KeyId=key["Arn"], CiphertextBlob=blob,
                               EncryptionAlgorithm="RSAES_OAEP_SHA_256")
        self.assertEqual(out["Plaintext"], b"via alias")
        out = self.kms.decrypt(KeyId="alias/rsa-enc", CiphertextBlob=blob,
                               EncryptionAlgorithm="RSAES_OAEP_SHA_256")
        self.assertEqual(out["Plaintext"], b"via alias")

    def test_plaintext_limits(self):
        for (spec, algorithm), limit in LIMITS.items():
            with self.subTest(spec=spec, algorithm=algorithm):
                blob = self.encrypt(self.keys[spec], b"\xab" * limit, algorithm)
                self.assertEqual(self.decrypt(self.keys[spec], blob, algorithm), b"\xab" * limit)
                self.assertAwsError(
                    "ValidationException", self.kms.encrypt, KeyId=self.keys[spec]["KeyId"],
                    Plaintext=b"\xab" * (limit + 1), EncryptionAlgorithm=algorithm,
                    message=f"Algorithm {algorithm} and key spec {spec} cannot encrypt data "
                            f"larger than {limit} bytes.")

    def test_wrong_algorithm_for_the_key(self):
        key = self.keys["RSA_2048"]
        self.assertAwsError("InvalidKeyUsageException", self.kms.encrypt, KeyId=key["KeyId"],
                            Plaintext=b"x",
                            message="Algorithm SYMMETRIC_DEFAULT is incompatible with key spec "
                                    "RSA_2048.")
        self.assertAwsError("InvalidKeyUsageException", self.kms.encrypt, KeyId=key["KeyId"],
                            Plaintext=b"x", EncryptionAlgorithm="SYMMETRIC_DEFAULT",
                            message="Algorithm SYMMETRIC_DEFAULT is incompatible with key spec "
                                    "RSA_2048.")
        self.assertAwsError("InvalidKeyUsageException", self.kms.encrypt,
                            KeyId=self.symmetric["KeyId"], Plaintext=b"x",
                            EncryptionAlgorithm="RSAES_OAEP_SHA_256",
                            message="Algorithm RSAES_OAEP_SHA_256 is incompatible with key spec "
                                    "SYMMETRIC_DEFAULT.")
        blob = self.kms.encrypt(KeyId=self.symmetric["KeyId"], Plaintext=b"x")["CiphertextBlob"]
        self.assertAwsError("InvalidKeyUsageException", self.kms.decrypt,
                            KeyId=self.symmetric["KeyId"], CiphertextBlob=blob,
                            EncryptionAlgorithm="RSAES_OAEP_SHA_1",
                            message="Algorithm RSAES_OAEP_SHA_1 is incompatible with key spec "
                                    "SYMMETRIC_DEFAULT.")

    def test_sign_verify_key_refused(self):
        key = self.kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
        for algorithm in (None, "RSAES_OAEP_SHA_256"):
            kwargs = {"EncryptionAlgorithm": algorithm} if algorithm else {}
            with self.subTest(algorithm=algorithm):
                self.assertAwsError(
                    "InvalidKeyUsageException", self.kms.encrypt, KeyId=key["KeyId"],
                    Plaintext=b"x", **kwargs,
                    message=f"{key['Arn']} key usage is SIGN_VERIFY which is not valid for "
                            "Encrypt.")
        self.assertAwsError(
            "InvalidKeyUsageException", self.kms.decrypt, KeyId=key["KeyId"],
            CiphertextBlob=os.urandom(256), EncryptionAlgorithm="RSAES_OAEP_SHA_256",
            message=f"{key['Arn']} key usage is SIGN_VERIFY which is not valid for Decrypt.")

    def test_decrypt_failures_have_no_message(self):
        key = self.keys["RSA_2048"]
        blob = self.encrypt(key, b"secret", "RSAES_OAEP_SHA_256")
        tampered = bytearray(blob)
        tampered[100] ^= 1
        cases = {
            "wrong algorithm": dict(KeyId=key["KeyId"], CiphertextBlob=blob,
                                    EncryptionAlgorithm="RSAES_OAEP_SHA_1"),
            "no algorithm": dict(KeyId=key["KeyId"], CiphertextBlob=blob),
            "no key id": dict(CiphertextBlob=blob, EncryptionAlgorithm="RSAES_OAEP_SHA_256"),
            "neither key id nor algorithm": dict(CiphertextBlob=blob),
            "wrong key": dict(KeyId=self.other["KeyId"], CiphertextBlob=blob,
                              EncryptionAlgorithm="RSAES_OAEP_SHA_256"),
            "tampered": dict(KeyId=key["KeyId"], CiphertextBlob=bytes(tampered),
                             EncryptionAlgorithm="RSAES_OAEP_SHA_256"),
            "short": dict(KeyId=key["KeyId"], CiphertextBlob=blob[:-1],
                          EncryptionAlgorithm="RSAES_OAEP_SHA_256"),
            "garbage": dict(KeyId=key["KeyId"], CiphertextBlob=os.urandom(256),
                            EncryptionAlgorithm="RSAES_OAEP_SHA_256"),
        }
        for name, kwargs in cases.items():
            with self.subTest(case=name):
                self.assertAwsError("InvalidCiphertextException", self.kms.decrypt, message="",
                                    **kwargs)
        # Nothing above changed anything: the original still decrypts.
        self.assertEqual(self.decrypt(key, blob, "RSAES_OAEP_SHA_256"), b"secret")

    def test_encryption_context_refused(self):
        key = self.keys["RSA_2048"]
        text = "EncryptionContext is not supported when encrypting/decrypting with asymmetric CMKs."
        self.assertAwsError("ValidationException", self.kms.encrypt, KeyId=key["KeyId"],
                            Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_256",
                            EncryptionContext={"a": "b"}, message=text)
        blob = self.encrypt(key, b"x", "RSAES_OAEP_SHA_256")
        self.assertAwsError("ValidationException", self.kms.decrypt, KeyId=key["KeyId"],
                            CiphertextBlob=blob, EncryptionAlgorithm="RSAES_OAEP_SHA_256",
                            EncryptionContext={"a": "b"}, message=text)

    def test_generate_data_key_refused(self):
        key = self.keys["RSA_2048"]
        for op in (self.kms.generate_data_key, self.kms.generate_data_key_without_plaintext):
            with self.subTest(op=op.__name__):
                self.assertAwsError("InvalidKeyUsageException", op, KeyId=key["KeyId"],
                                    KeySpec="AES_256",
                                    message="You cannot generate a data key with an asymmetric CMK")

    def test_re_encrypt_symmetric_to_rsa_and_back(self):
        rsa_key = self.keys["RSA_3072"]
        sym_blob = self.kms.encrypt(KeyId=self.symmetric["KeyId"], Plaintext=b"round trip",
                                    EncryptionContext={"k": "v"})["CiphertextBlob"]
        out = self.kms.re_encrypt(CiphertextBlob=sym_blob, SourceEncryptionContext={"k": "v"},
                                  DestinationKeyId=rsa_key["KeyId"],
                                  DestinationEncryptionAlgorithm="RSAES_OAEP_SHA_256")
        self.assertEqual(out["KeyId"], rsa_key["Arn"])
        self.assertEqual(out["SourceKeyId"], self.symmetric["Arn"])
        self.assertEqual(out["SourceEncryptionAlgorithm"], "SYMMETRIC_DEFAULT")
        self.assertEqual(out["DestinationEncryptionAlgorithm"], "RSAES_OAEP_SHA_256")
        if model_has(self.kms, "ReEncrypt", "SourceKeyMaterialId"):
            material = self.kms.describe_key(
                KeyId=self.symmetric["KeyId"])["KeyMetadata"]["CurrentKeyMaterialId"]
            self.assertEqual(out["SourceKeyMaterialId"], material)
        self.assertNotIn("DestinationKeyMaterialId", out)
        rsa_blob = out["CiphertextBlob"]
        self.assertEqual(len(rsa_blob), 384)
        self.assertEqual(self.decrypt(rsa_key, rsa_blob, "RSAES_OAEP_SHA_256"), b"round trip")

        back = self.kms.re_encrypt(CiphertextBlob=rsa_blob, SourceKeyId=rsa_key["KeyId"],
                                   SourceEncryptionAlgorithm="RSAES_OAEP_SHA_256",
                                   DestinationKeyId=self.symmetric["KeyId"],
                                   DestinationEncryptionContext={"x": "y"})
        self.assertEqual(back["SourceKeyId"], rsa_key["Arn"])
        self.assertEqual(back["KeyId"], self.symmetric["Arn"])
        self.assertEqual(back["SourceEncryptionAlgorithm"], "RSAES_OAEP_SHA_256")
        self.assertEqual(back["DestinationEncryptionAlgorithm"], "SYMMETRIC_DEFAULT")
        self.assertNotIn("SourceKeyMaterialId", back)
        if model_has(self.kms, "ReEncrypt", "DestinationKeyMaterialId"):
            self.assertEqual(back["DestinationKeyMaterialId"], material)
        out = self.kms.decrypt(CiphertextBlob=back["CiphertextBlob"], EncryptionContext={"x": "y"})
        self.assertEqual(out["Plaintext"], b"round trip")

    def test_re_encrypt_rsa_to_rsa(self):
        source, destination = self.keys["RSA_2048"], self.keys["RSA_4096"]
        blob = self.public["RSA_2048"].encrypt(b"rsa to rsa", oaep("RSAES_OAEP_SHA_1"))
        out = self.kms.re_encrypt(CiphertextBlob=blob, SourceKeyId=source["KeyId"],
                                  SourceEncryptionAlgorithm="RSAES_OAEP_SHA_1",
                                  DestinationKeyId=destination["KeyId"],
                                  DestinationEncryptionAlgorithm="RSAES_OAEP_SHA_256")
        self.assertEqual(set(out) - {"ResponseMetadata"},
                         {"CiphertextBlob", "SourceKeyId", "KeyId", "SourceEncryptionAlgorithm",
                          "DestinationEncryptionAlgorithm"})
        self.assertEqual(self.decrypt(destination, out["CiphertextBlob"], "RSAES_OAEP_SHA_256"),
                         b"rsa to rsa")

    def test_re_encrypt_errors(self):
        rsa_key = self.keys["RSA_2048"]
        sym_blob = self.kms.encrypt(KeyId=self.symmetric["KeyId"],
                                    Plaintext=b"x")["CiphertextBlob"]
        self.assertAwsError(
            "ValidationException", self.kms.re_encrypt, CiphertextBlob=sym_blob,
            DestinationKeyId=rsa_key["KeyId"], DestinationEncryptionAlgorithm="RSAES_OAEP_SHA_1",
            DestinationEncryptionContext={"a": "b"},
            message="EncryptionContext is not supported when encrypting/decrypting with "
                    "asymmetric CMKs.")
        self.assertAwsError("InvalidKeyUsageException", self.kms.re_encrypt,
                            CiphertextBlob=sym_blob, DestinationKeyId=rsa_key["KeyId"],
                            message="Algorithm SYMMETRIC_DEFAULT is incompatible with key spec "
                                    "RSA_2048.")
        blob = self.encrypt(rsa_key, b"x", "RSAES_OAEP_SHA_256")
        self.assertAwsError("InvalidCiphertextException", self.kms.re_encrypt, message="",
                            CiphertextBlob=blob, SourceKeyId=rsa_key["KeyId"],
                            SourceEncryptionAlgorithm="RSAES_OAEP_SHA_1",
                            DestinationKeyId=self.symmetric["KeyId"])
        # A plaintext too long for the destination: the destination's limit.
        long_blob = self.kms.encrypt(KeyId=self.symmetric["KeyId"],
                                     Plaintext=b"y" * 191)["CiphertextBlob"]
        self.assertAwsError("ValidationException", self.kms.re_encrypt, CiphertextBlob=long_blob,
                            DestinationKeyId=rsa_key["KeyId"],
                            DestinationEncryptionAlgorithm="RSAES_OAEP_SHA_256",
                            message="Algorithm RSAES_OAEP_SHA_256 and key spec RSA_2048 cannot "
                                    "encrypt data larger than 190 bytes.")


class DataKeyPairs(harness.TrentdTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key = cls.kms.create_key()["KeyMetadata"]

    def check_material(self, out, operation):
        if model_has(self.kms, operation, "KeyMaterialId"):
            self.assertEqual(out["KeyMaterialId"], self.key["CurrentKeyMaterialId"])

    def check_pair(self, spec, private_der, public_der):
        private = serialization.load_der_private_key(private_der, password=None)
        self.assertEqual(spki(private.public_key()), public_der)
        public = serialization.load_der_public_key(public_der)
        message = b"signed offline with a data key pair"
        if spec.startswith("RSA_"):
            self.assertEqual(private.key_size, int(spec[4:]))
            signature = private.sign(message, padding.PKCS1v15(), hashes.SHA256())
            public.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
            with self.assertRaises(InvalidSignature):
                public.verify(signature, message + b"!", padding.PKCS1v15(), hashes.SHA256())
        elif spec in CURVES:
            self.assertIsInstance(private.curve, CURVES[spec])
            signature = private.sign(message, ec.ECDSA(hashes.SHA256()))
            public.verify(signature, message, ec.ECDSA(hashes.SHA256()))
            with self.assertRaises(InvalidSignature):
                public.verify(signature, message + b"!", ec.ECDSA(hashes.SHA256()))
        else:
            self.assertIsInstance(private, ed25519.Ed25519PrivateKey)
            signature = private.sign(message)
            public.verify(signature, message)
            with self.assertRaises(InvalidSignature):
                public.verify(signature, message + b"!")

    def test_every_spec(self):
        for spec in PAIR_SPECS:
            with self.subTest(spec=spec):
                out = self.kms.generate_data_key_pair(KeyId=self.key["KeyId"], KeyPairSpec=spec,
                                                      EncryptionContext=CONTEXT)
                self.assertEqual(out["KeyId"], self.key["Arn"])
                self.assertEqual(out["KeyPairSpec"], spec)
                self.check_material(out, "GenerateDataKeyPair")
                self.check_pair(spec, out["PrivateKeyPlaintext"], out["PublicKey"])
                opened = self.kms.decrypt(CiphertextBlob=out["PrivateKeyCiphertextBlob"],
                                          EncryptionContext=CONTEXT)
                self.assertEqual(opened["Plaintext"], out["PrivateKeyPlaintext"])
                self.assertEqual(opened["KeyId"], self.key["Arn"])
                self.assertAwsError("InvalidCiphertextException", self.kms.decrypt, message="",
                                    CiphertextBlob=out["PrivateKeyCiphertextBlob"])

    def test_every_spec_without_plaintext(self):
        for spec in PAIR_SPECS:
            with self.subTest(spec=spec):
                out = self.kms.generate_data_key_pair_without_plaintext(
                    KeyId=self.key["KeyId"], KeyPairSpec=spec, EncryptionContext=CONTEXT)
                self.assertNotIn("PrivateKeyPlaintext", out)
                self.assertEqual(out["KeyId"], self.key["Arn"])
                self.assertEqual(out["KeyPairSpec"], spec)
                self.check_material(out, "GenerateDataKeyPairWithoutPlaintext")
                private_der = self.kms.decrypt(CiphertextBlob=out["PrivateKeyCiphertextBlob"],
                                               EncryptionContext=CONTEXT)["Plaintext"]
                self.check_pair(spec, private_der, out["PublicKey"])

    def test_pairs_differ(self):
        a = self.kms.generate_data_key_pair(KeyId=self.key["KeyId"], KeyPairSpec="ECC_NIST_P256")
        b = self.kms.generate_data_key_pair(KeyId=self.key["KeyId"], KeyPairSpec="ECC_NIST_P256")
        self.assertNotEqual(a["PublicKey"], b["PublicKey"])
        self.assertNotEqual(a["PrivateKeyPlaintext"], b["PrivateKeyPlaintext"])

    def test_by_alias(self):
        self.kms.create_alias(AliasName="alias/pair-wrapper", TargetKeyId=self.key["KeyId"])
        out = self.kms.generate_data_key_pair(KeyId="alias/pair-wrapper",
                                              KeyPairSpec="ECC_NIST_P384")
        self.assertEqual(out["KeyId"], self.key["Arn"])

    def test_wrapping_key_errors(self):
        rsa_key = self.kms.create_key(KeySpec="RSA_2048",
                                      KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]
        ecc_key = self.kms.create_key(KeySpec="ECC_NIST_P256",
                                      KeyUsage="SIGN_VERIFY")["KeyMetadata"]
        for op, name in ((self.kms.generate_data_key_pair, "GenerateDataKeyPair"),
                         (self.kms.generate_data_key_pair_without_plaintext,
                          "GenerateDataKeyPairWithoutPlaintext")):
            with self.subTest(op=name):
                self.assertAwsError("InvalidKeyUsageException", op, KeyId=rsa_key["KeyId"],
                                    KeyPairSpec="RSA_2048",
                                    message="You cannot generate a data key with an asymmetric CMK")
                self.assertAwsError(
                    "InvalidKeyUsageException", op, KeyId=ecc_key["KeyId"],
                    KeyPairSpec="RSA_2048",
                    message=f"{ecc_key['Arn']} key usage is SIGN_VERIFY which is not valid for "
                            f"{name}.")
                self.assertAwsError("UnsupportedOperationException", op, KeyId=self.key["KeyId"],
                                    KeyPairSpec="SM2", message_contains="SM2")
                if model_has(self.kms, name, "DryRun", output=False):
                    self.assertAwsError(
                        "DryRunOperationException", op, KeyId=self.key["KeyId"],
                        KeyPairSpec="ECC_NIST_P256", DryRun=True,
                        message="The request would have succeeded, but the DryRun option is set.")
                self.assertAwsError(
                    "NotFoundException", op, KeyId="alias/none", KeyPairSpec="ECC_NIST_P256")

    def test_disabled_key(self):
        key = self.kms.create_key()["KeyMetadata"]
        self.kms.disable_key(KeyId=key["KeyId"])
        self.assertAwsError("DisabledException", self.kms.generate_data_key_pair,
                            KeyId=key["KeyId"], KeyPairSpec="ECC_NIST_P256",
                            message=f"{key['Arn']} is disabled.")


if __name__ == "__main__":
    harness.main()
