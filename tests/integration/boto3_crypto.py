"""boto3 against trentd: Encrypt, Decrypt, GenerateDataKey(WithoutPlaintext), ReEncrypt,
GenerateRandom, with the errors AWS gives for bad sizes, contexts, keys and ciphertexts."""

import os

import harness

CONTEXT = {"tenant": "acme", "purpose": "integration-test", "unicode": "h\u00e9llo \u2603"}


class EncryptDecrypt(harness.TrentdTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key = cls.kms.create_key()["KeyMetadata"]
        cls.other = cls.kms.create_key()["KeyMetadata"]

    def encrypt(self, plaintext, key=None, **kwargs):
        key = key or self.key
        out = self.kms.encrypt(KeyId=key["KeyId"], Plaintext=plaintext, **kwargs)
        self.assertEqual(out["KeyId"], key["Arn"])
        self.assertEqual(out["EncryptionAlgorithm"], "SYMMETRIC_DEFAULT")
        return out["CiphertextBlob"]

    def test_round_trip_sizes(self):
        for size in (1, 2, 31, 32, 33, 1000, 4095, 4096):
            with self.subTest(size=size):
                plaintext = os.urandom(size)
                blob = self.encrypt(plaintext)
                if size >= 16:
                    self.assertNotIn(plaintext, blob)
                out = self.kms.decrypt(CiphertextBlob=blob)
                self.assertEqual(out["Plaintext"], plaintext)
                self.assertEqual(out["KeyId"], self.key["Arn"])
                self.assertEqual(out["EncryptionAlgorithm"], "SYMMETRIC_DEFAULT")

    def test_same_plaintext_gives_different_ciphertexts(self):
        self.assertNotEqual(self.encrypt(b"same"), self.encrypt(b"same"))

    def test_encrypt_by_arn(self):
        blob = self.kms.encrypt(KeyId=self.key["Arn"], Plaintext=b"by arn")["CiphertextBlob"]
        self.assertEqual(self.kms.decrypt(CiphertextBlob=blob)["Plaintext"], b"by arn")

    def test_plaintext_size_limits(self):
        self.assertAwsError(
            "ValidationException", self.kms.encrypt, KeyId=self.key["KeyId"],
            Plaintext=b"x" * 4097,
            message="1 validation error detected: Value at 'plaintext' failed to satisfy "
                    "constraint: Member must have length less than or equal to 4096")
        self.assertAwsError(
            "ValidationException", self.kms.encrypt, KeyId=self.key["KeyId"], Plaintext=b"",
            message="1 validation error detected: Value at 'plaintext' failed to satisfy "
                    "constraint: Member must have length greater than or equal to 1")

    def test_missing_members(self):
        err = self.assertAwsError("ValidationException", self.kms.encrypt)
        self.assertTrue(err["Message"].startswith("2 validation errors detected: "), err["Message"])
        self.assertIn("Value null at 'keyId' failed to satisfy constraint: Member must not be null",
                      err["Message"])
        self.assertIn("Value null at 'plaintext' failed to satisfy constraint: "
                      "Member must not be null", err["Message"])

    def test_encryption_context_round_trip(self):
        blob = self.encrypt(b"with context", EncryptionContext=CONTEXT)
        out = self.kms.decrypt(CiphertextBlob=blob, EncryptionContext=dict(reversed(CONTEXT.items())))
        self.assertEqual(out["Plaintext"], b"with context")

    def test_wrong_or_missing_context(self):
        blob = self.encrypt(b"with context", EncryptionContext=CONTEXT)
        wrong = [
            {},
            {"tenant": "acme"},
            dict(CONTEXT, tenant="other"),
            dict(CONTEXT, extra="pair"),
            {k.upper(): v for k, v in CONTEXT.items()},
        ]
        for ctx in wrong:
            with self.subTest(ctx=ctx):
                kwargs = {"EncryptionContext": ctx} if ctx else {}
                self.assertAwsError("InvalidCiphertextException", self.kms.decrypt,
                                    CiphertextBlob=blob, **kwargs)
        # And a context given at decrypt when none was used at encrypt.
        plain_blob = self.encrypt(b"no context")
        self.assertAwsError("InvalidCiphertextException", self.kms.decrypt,
                            CiphertextBlob=plain_blob, EncryptionContext={"a": "b"})

    def test_decrypt_with_key_id(self):
        blob = self.encrypt(b"named")
        for key_id in (self.key["KeyId"], self.key["Arn"]):
            with self.subTest(key_id=key_id):
                out = self.kms.decrypt(CiphertextBlob=blob, KeyId=key_id)
                self.assertEqual(out["Plaintext"], b"named")
                self.assertEqual(out["KeyId"], self.key["Arn"])

    def test_decrypt_with_other_key(self):
        blob = self.encrypt(b"named")
        for key_id in (self.other["KeyId"], self.other["Arn"]):
            with self.subTest(key_id=key_id):
                self.assertAwsError(
                    "IncorrectKeyException", self.kms.decrypt, CiphertextBlob=blob, KeyId=key_id,
                    message="The key ID in the request does not identify a CMK that can perform "
                            "this operation.")

    def test_decrypt_with_unknown_key_id(self):
        blob = self.encrypt(b"named")
        self.assertAwsError("NotFoundException", self.kms.decrypt, CiphertextBlob=blob,
                            KeyId="00000000-0000-4000-8000-000000000000")

    def test_every_flipped_bit_position_is_rejected(self):
        plaintext = b"sixteen byte msg"
        blob = self.encrypt(plaintext, EncryptionContext={"k": "v"})
        for i in range(len(blob)):
            for bit in (0x01, 0x80):
                altered = bytearray(blob)
                altered[i] ^= bit
                with self.subTest(byte=i, bit=bit):
                    self.assertAwsError("InvalidCiphertextException", self.kms.decrypt,
                                        CiphertextBlob=bytes(altered), EncryptionContext={"k": "v"})
        # The original still decrypts: nothing above changed server state.
        out = self.kms.decrypt(CiphertextBlob=blob, EncryptionContext={"k": "v"})
        self.assertEqual(out["Plaintext"], plaintext)

    def test_truncated_and_extended_ciphertexts(self):
        blob = self.encrypt(b"truncate me")
        for n in range(1, len(blob)):
            with self.subTest(length=n):
                self.assertAwsError("InvalidCiphertextException", self.kms.decrypt,
                                    CiphertextBlob=blob[:n])
        self.assertAwsError("InvalidCiphertextException", self.kms.decrypt,
                            CiphertextBlob=blob + b"\x00")
        self.assertAwsError("InvalidCiphertextException", self.kms.decrypt,
                            CiphertextBlob=os.urandom(len(blob)))

    def test_ciphertext_size_limits(self):
        self.assertAwsError(
            "ValidationException", self.kms.decrypt, CiphertextBlob=b"",
            message="1 validation error detected: Value at 'ciphertextBlob' failed to satisfy "
                    "constraint: Member must have length greater than or equal to 1")
        self.assertAwsError(
            "ValidationException", self.kms.decrypt, CiphertextBlob=b"x" * 6145,
            message_contains="at 'ciphertextBlob' failed to satisfy constraint: "
                             "Member must have length less than or equal to 6144")


class DataKeys(harness.TrentdTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key = cls.kms.create_key()["KeyMetadata"]

    def test_generate_data_key_sizes(self):
        cases = [({"KeySpec": "AES_256"}, 32), ({"KeySpec": "AES_128"}, 16),
                 ({"NumberOfBytes": 1}, 1), ({"NumberOfBytes": 64}, 64),
                 ({"NumberOfBytes": 1024}, 1024)]
        for kwargs, size in cases:
            with self.subTest(**kwargs):
                out = self.kms.generate_data_key(KeyId=self.key["KeyId"], **kwargs)
                self.assertEqual(len(out["Plaintext"]), size)
                self.assertEqual(out["KeyId"], self.key["Arn"])
                back = self.kms.decrypt(CiphertextBlob=out["CiphertextBlob"])
                self.assertEqual(back["Plaintext"], out["Plaintext"])
                self.assertEqual(back["KeyId"], self.key["Arn"])

    def test_data_keys_are_random(self):
        keys = {self.kms.generate_data_key(KeyId=self.key["KeyId"], KeySpec="AES_256")["Plaintext"]
                for _ in range(5)}
        self.assertEqual(len(keys), 5)

    def test_generate_data_key_with_context(self):
        out = self.kms.generate_data_key(KeyId=self.key["Arn"], KeySpec="AES_256",
                                         EncryptionContext=CONTEXT)
        back = self.kms.decrypt(CiphertextBlob=out["CiphertextBlob"], EncryptionContext=CONTEXT)
        self.assertEqual(back["Plaintext"], out["Plaintext"])
        self.assertAwsError("InvalidCiphertextException", self.kms.decrypt,
                            CiphertextBlob=out["CiphertextBlob"])

    def test_key_spec_and_number_of_bytes_exclusive(self):
        for op in (self.kms.generate_data_key, self.kms.generate_data_key_without_plaintext):
            with self.subTest(op=op.__name__):
                self.assertAwsError("ValidationException", op, KeyId=self.key["KeyId"],
                                    message="Please specify either number of bytes or key spec.")
                self.assertAwsError("ValidationException", op, KeyId=self.key["KeyId"],
                                    KeySpec="AES_256", NumberOfBytes=32,
                                    message="Please specify either number of bytes or key spec.")

    def test_data_key_validation(self):
        self.assertAwsError(
            "ValidationException", self.kms.generate_data_key, KeyId=self.key["KeyId"],
            NumberOfBytes=0,
            message="1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy "
                    "constraint: Member must have value greater than or equal to 1")
        self.assertAwsError(
            "ValidationException", self.kms.generate_data_key, KeyId=self.key["KeyId"],
            NumberOfBytes=1025,
            message="1 validation error detected: Value '1025' at 'numberOfBytes' failed to "
                    "satisfy constraint: Member must have value less than or equal to 1024")
        self.assertAwsError(
            "ValidationException", self.kms.generate_data_key, KeyId=self.key["KeyId"],
            KeySpec="AES_512",
            message="1 validation error detected: Value 'AES_512' at 'keySpec' failed to satisfy "
                    "constraint: Member must satisfy enum value set: [AES_256, AES_128]")
        self.assertAwsError(
            "ValidationException", self.kms.generate_data_key, KeySpec="AES_256",
            message="1 validation error detected: Value null at 'keyId' failed to satisfy "
                    "constraint: Member must not be null")

    def test_generate_data_key_without_plaintext(self):
        for kwargs in ({"KeySpec": "AES_256"}, {"KeySpec": "AES_128"}, {"NumberOfBytes": 7}):
            with self.subTest(**kwargs):
                out = self.kms.generate_data_key_without_plaintext(
                    KeyId=self.key["KeyId"], EncryptionContext={"a": "b"}, **kwargs)
                self.assertNotIn("Plaintext", out)
                self.assertEqual(out["KeyId"], self.key["Arn"])
                back = self.kms.decrypt(CiphertextBlob=out["CiphertextBlob"],
                                        EncryptionContext={"a": "b"})
                expected = kwargs.get("NumberOfBytes") or {"AES_256": 32, "AES_128": 16}[kwargs["KeySpec"]]
                self.assertEqual(len(back["Plaintext"]), expected)


class ReEncrypt(harness.TrentdTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.src = cls.kms.create_key()["KeyMetadata"]
        cls.dst = cls.kms.create_key()["KeyMetadata"]

    def test_re_encrypt_between_keys_with_contexts(self):
        src_ctx, dst_ctx = {"stage": "source"}, {"stage": "destination", "x": "y"}
        blob = self.kms.encrypt(KeyId=self.src["KeyId"], Plaintext=b"moving",
                                EncryptionContext=src_ctx)["CiphertextBlob"]
        out = self.kms.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext=src_ctx,
                                  DestinationKeyId=self.dst["KeyId"],
                                  DestinationEncryptionContext=dst_ctx)
        self.assertEqual(out["SourceKeyId"], self.src["Arn"])
        self.assertEqual(out["KeyId"], self.dst["Arn"])
        self.assertEqual(out["SourceEncryptionAlgorithm"], "SYMMETRIC_DEFAULT")
        self.assertEqual(out["DestinationEncryptionAlgorithm"], "SYMMETRIC_DEFAULT")
        self.assertNotIn("Plaintext", out)
        new_blob = out["CiphertextBlob"]

        back = self.kms.decrypt(CiphertextBlob=new_blob, EncryptionContext=dst_ctx)
        self.assertEqual(back["Plaintext"], b"moving")
        self.assertEqual(back["KeyId"], self.dst["Arn"])
        back = self.kms.decrypt(CiphertextBlob=new_blob, KeyId=self.dst["Arn"],
                                EncryptionContext=dst_ctx)
        self.assertEqual(back["Plaintext"], b"moving")
        self.assertAwsError("IncorrectKeyException", self.kms.decrypt, CiphertextBlob=new_blob,
                            KeyId=self.src["KeyId"], EncryptionContext=dst_ctx)
        self.assertAwsError("InvalidCiphertextException", self.kms.decrypt,
                            CiphertextBlob=new_blob, EncryptionContext=src_ctx)

    def test_re_encrypt_errors(self):
        blob = self.kms.encrypt(KeyId=self.src["KeyId"], Plaintext=b"p",
                                EncryptionContext={"a": "1"})["CiphertextBlob"]
        self.assertAwsError("InvalidCiphertextException", self.kms.re_encrypt, CiphertextBlob=blob,
                            DestinationKeyId=self.dst["KeyId"])
        self.assertAwsError("IncorrectKeyException", self.kms.re_encrypt, CiphertextBlob=blob,
                            SourceKeyId=self.dst["KeyId"], SourceEncryptionContext={"a": "1"},
                            DestinationKeyId=self.dst["KeyId"])
        self.assertAwsError("NotFoundException", self.kms.re_encrypt, CiphertextBlob=blob,
                            SourceEncryptionContext={"a": "1"},
                            DestinationKeyId="00000000-0000-4000-8000-000000000000")
        self.assertAwsError(
            "ValidationException", self.kms.re_encrypt, CiphertextBlob=blob,
            message_contains="Value null at 'destinationKeyId' failed to satisfy constraint: "
                             "Member must not be null")

    def test_re_encrypt_to_same_key(self):
        blob = self.kms.encrypt(KeyId=self.src["KeyId"], Plaintext=b"same")["CiphertextBlob"]
        out = self.kms.re_encrypt(CiphertextBlob=blob, SourceKeyId=self.src["Arn"],
                                  DestinationKeyId=self.src["Arn"])
        self.assertNotEqual(out["CiphertextBlob"], blob)
        self.assertEqual(self.kms.decrypt(CiphertextBlob=out["CiphertextBlob"])["Plaintext"],
                         b"same")


class GenerateRandom(harness.TrentdTestCase):

    def test_sizes(self):
        for n in (1, 2, 16, 32, 1000, 1024):
            with self.subTest(n=n):
                self.assertEqual(len(self.kms.generate_random(NumberOfBytes=n)["Plaintext"]), n)
        a = self.kms.generate_random(NumberOfBytes=32)["Plaintext"]
        b = self.kms.generate_random(NumberOfBytes=32)["Plaintext"]
        self.assertNotEqual(a, b)

    def test_out_of_range(self):
        self.assertAwsError(
            "ValidationException", self.kms.generate_random, NumberOfBytes=0,
            message="1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy "
                    "constraint: Member must have value greater than or equal to 1")
        self.assertAwsError(
            "ValidationException", self.kms.generate_random, NumberOfBytes=1025,
            message="1 validation error detected: Value '1025' at 'numberOfBytes' failed to "
                    "satisfy constraint: Member must have value less than or equal to 1024")

    def test_missing_number_of_bytes(self):
        self.assertAwsError("ValidationException", self.kms.generate_random,
                            message="NumberOfBytes is required.")


if __name__ == "__main__":
    harness.main()
