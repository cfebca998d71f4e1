"""Every key spec with boto3: CreateKey accepts exactly the KeySpec and KeyUsage pairs AWS accepts
(with AWS's errors for the others), DescribeKey lists each key's algorithms as AWS does, specs the
HSM cannot hold answer UnsupportedOperationException, and the operations AWS refuses for
asymmetric and HMAC keys are refused as AWS refuses them. Keys survive a restart."""

import threading
import unittest

import harness

# What AWS allows and lists, per its documentation and recorded answers (DescribeKey of such keys).
RSA_SIGNING = ["RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384",
               "RSASSA_PKCS1_V1_5_SHA_512", "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384",
               "RSASSA_PSS_SHA_512"]
RSA_ENCRYPTION = ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
EXPECTED = {
    # spec: {usage: (member, algorithms)}
    "SYMMETRIC_DEFAULT": {"ENCRYPT_DECRYPT": ("EncryptionAlgorithms", ["SYMMETRIC_DEFAULT"])},
    "RSA_2048": {"ENCRYPT_DECRYPT": ("EncryptionAlgorithms", RSA_ENCRYPTION),
                 "SIGN_VERIFY": ("SigningAlgorithms", RSA_SIGNING)},
    "RSA_3072": {"ENCRYPT_DECRYPT": ("EncryptionAlgorithms", RSA_ENCRYPTION),
                 "SIGN_VERIFY": ("SigningAlgorithms", RSA_SIGNING)},
    "RSA_4096": {"ENCRYPT_DECRYPT": ("EncryptionAlgorithms", RSA_ENCRYPTION),
                 "SIGN_VERIFY": ("SigningAlgorithms", RSA_SIGNING)},
    "ECC_NIST_P256": {"SIGN_VERIFY": ("SigningAlgorithms", ["ECDSA_SHA_256"]),
                      "KEY_AGREEMENT": ("KeyAgreementAlgorithms", ["ECDH"])},
    "ECC_NIST_P384": {"SIGN_VERIFY": ("SigningAlgorithms", ["ECDSA_SHA_384"]),
                      "KEY_AGREEMENT": ("KeyAgreementAlgorithms", ["ECDH"])},
    "ECC_NIST_P521": {"SIGN_VERIFY": ("SigningAlgorithms", ["ECDSA_SHA_512"]),
                      "KEY_AGREEMENT": ("KeyAgreementAlgorithms", ["ECDH"])},
    "ECC_SECG_P256K1": {"SIGN_VERIFY": ("SigningAlgorithms", ["ECDSA_SHA_256"])},
    "ECC_NIST_EDWARDS25519": {
        "SIGN_VERIFY": ("SigningAlgorithms", ["ED25519_SHA_512", "ED25519_PH_SHA_512"])},
    "HMAC_224": {"GENERATE_VERIFY_MAC": ("MacAlgorithms", ["HMAC_SHA_224"])},
    "HMAC_256": {"GENERATE_VERIFY_MAC": ("MacAlgorithms", ["HMAC_SHA_256"])},
    "HMAC_384": {"GENERATE_VERIFY_MAC": ("MacAlgorithms", ["HMAC_SHA_384"])},
    "HMAC_512": {"GENERATE_VERIFY_MAC": ("MacAlgorithms", ["HMAC_SHA_512"])},
}
USAGES = ["ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT"]
ALGORITHM_MEMBERS = ["EncryptionAlgorithms", "SigningAlgorithms", "MacAlgorithms",
                     "KeyAgreementAlgorithms"]


def model_knows(kms, shape, member=None, enum_value=None):
    """Whether this botocore's KMS model has the shape (its member, its enum value): older ones
    (Debian 12's 1.29) drop what they do not know from answers."""
    model = kms.meta.service_model
    if shape not in model.shape_names:
        return False
    s = model.shape_for(shape)
    if member is not None and member not in s.members:
        return False
    return enum_value is None or enum_value in (s.enum or [])


class KeySpecs(harness.TrentdTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.keys = {}  # (spec, usage) -> KeyMetadata, made once: RSA_4096 takes about a second

    def key(self, spec, usage):
        if (spec, usage) not in self.keys:
            if not model_knows(self.kms, "KeySpec", enum_value=spec) or \
                    not model_knows(self.kms, "KeyUsageType", enum_value=usage):
                self.skipTest(f"this botocore does not know KeySpec {spec} / KeyUsage {usage}")
            self.keys[(spec, usage)] = self.new_key(KeySpec=spec, KeyUsage=usage)
        return self.keys[(spec, usage)]

    def check_metadata(self, meta, spec, usage):
        self.assertEqual(meta["KeySpec"], spec)
        # The deprecated member's enum stops before Ed25519 (and ML-DSA): AWS cannot send it.
        if spec == "ECC_NIST_EDWARDS25519":
            self.assertNotIn("CustomerMasterKeySpec", meta)
        else:
            self.assertEqual(meta["CustomerMasterKeySpec"], spec)
        self.assertEqual(meta["KeyUsage"], usage)
        self.assertEqual(meta["KeyState"], "Enabled")
        self.assertEqual(meta["Origin"], "AWS_KMS")
        member, algorithms = EXPECTED[spec][usage]
        for other in ALGORITHM_MEMBERS:
            if not model_knows(self.kms, "KeyMetadata", other):
                continue
            if other == member:
                self.assertEqual(meta[other], algorithms, f"{spec} {usage}")
            else:
                self.assertNotIn(other, meta, f"{spec} {usage}")
        # AWS shows CurrentKeyMaterialId for symmetric encryption keys only.
        if model_knows(self.kms, "KeyMetadata", "CurrentKeyMaterialId"):
            self.assertEqual("CurrentKeyMaterialId" in meta, spec == "SYMMETRIC_DEFAULT")

    def test_every_allowed_pair_is_created_and_described(self):
        for spec, usages in EXPECTED.items():
            for usage in usages:
                with self.subTest(spec=spec, usage=usage):
                    made = self.key(spec, usage)
                    self.check_metadata(made, spec, usage)
                    described = self.kms.describe_key(KeyId=made["KeyId"])["KeyMetadata"]
                    self.check_metadata(described, spec, usage)

    def test_every_other_pair_is_refused_with_aws_text(self):
        for spec, usages in EXPECTED.items():
            for usage in USAGES:
                if usage in usages or not model_knows(self.kms, "KeyUsageType", enum_value=usage):
                    continue
                with self.subTest(spec=spec, usage=usage):
                    # No final period: AWS's recorded text.
                    self.assertAwsError("ValidationException", self.kms.create_key, KeySpec=spec,
                                        KeyUsage=usage,
                                        message=f"KeyUsage {usage} is not compatible with "
                                                f"KeySpec {spec}")

    def test_asymmetric_and_hmac_specs_need_a_key_usage(self):
        for spec in ["RSA_2048", "ECC_NIST_P256", "HMAC_256"]:
            with self.subTest(spec=spec):
                self.assertAwsError(
                    "ValidationException", self.kms.create_key, KeySpec=spec,
                    message="You must specify a KeyUsage value for all KMS keys except for "
                            "symmetric encryption keys.")

    def test_customer_master_key_spec_still_works(self):
        meta = self.new_key(CustomerMasterKeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
        self.assertEqual(meta["KeySpec"], "ECC_NIST_P256")

    def test_specs_without_pkcs11_support_are_unsupported(self):
        for spec, usage in [("SM2", "SIGN_VERIFY"), ("ML_DSA_65", "SIGN_VERIFY")]:
            if not model_knows(self.kms, "KeySpec", enum_value=spec):
                continue
            with self.subTest(spec=spec):
                err = self.assertAwsError("UnsupportedOperationException", self.kms.create_key,
                                          KeySpec=spec, KeyUsage=usage)
                self.assertIn(f"KeySpec {spec} is not supported by trent", err["Message"])
                self.assertIn("PKCS#11", err["Message"])
                if spec.startswith("ML_DSA"):
                    # Asked of the module: SoftHSM 2.6.1 has no PKCS#11 3.2 ML-DSA mechanisms.
                    self.assertIn("the configured PKCS#11 module does not offer "
                                  "CKM_ML_DSA_KEY_PAIR_GEN, CKM_ML_DSA", err["Message"])
        # Refused before any key was made.
        listed = [k["KeyId"] for k in self.kms.list_keys(Limit=1000)["Keys"]]
        for meta in self.keys.values():
            self.assertIn(meta["KeyId"], listed)

    def test_rotation_is_refused_for_asymmetric_and_hmac_keys(self):
        for spec, usage in [("RSA_2048", "ENCRYPT_DECRYPT"), ("ECC_NIST_P256", "SIGN_VERIFY"),
                            ("HMAC_256", "GENERATE_VERIFY_MAC")]:
            with self.subTest(spec=spec):
                key_id = self.key(spec, usage)["KeyId"]
                # AWS answers these with no message.
                self.assertAwsError("UnsupportedOperationException", self.kms.enable_key_rotation,
                                    KeyId=key_id, message="")
                if model_knows(self.kms, "RotateKeyOnDemandRequest"):
                    self.assertAwsError("UnsupportedOperationException",
                                        self.kms.rotate_key_on_demand, KeyId=key_id, message="")
                status = self.kms.get_key_rotation_status(KeyId=key_id)
                self.assertFalse(status["KeyRotationEnabled"])

    def test_on_demand_rotation_checks_the_state_first(self):
        # Recorded from AWS: a disabled RSA key answers DisabledException, not
        # UnsupportedOperationException.
        if not model_knows(self.kms, "RotateKeyOnDemandRequest"):
            self.skipTest("this botocore has no RotateKeyOnDemand")
        key = self.new_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")
        self.kms.disable_key(KeyId=key["KeyId"])
        self.assertAwsError("DisabledException", self.kms.rotate_key_on_demand,
                            KeyId=key["KeyId"], message=f"{key['Arn']} is disabled.")
        self.kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
        self.assertAwsError("KMSInvalidStateException", self.kms.rotate_key_on_demand,
                            KeyId=key["KeyId"], message=f"{key['Arn']} is pending deletion.")

    def test_data_keys_are_refused_under_asymmetric_keys(self):
        rsa = self.key("RSA_2048", "ENCRYPT_DECRYPT")["KeyId"]
        for call in (self.kms.generate_data_key, self.kms.generate_data_key_without_plaintext):
            with self.subTest(call=call.__name__):
                self.assertAwsError("InvalidKeyUsageException", call, KeyId=rsa,
                                    KeySpec="AES_256",
                                    message="You cannot generate a data key with an asymmetric "
                                            "CMK")
        signing = self.key("ECC_NIST_P256", "SIGN_VERIFY")
        self.assertAwsError("InvalidKeyUsageException", self.kms.generate_data_key,
                            KeyId=signing["KeyId"], KeySpec="AES_256",
                            message=f"{signing['Arn']} key usage is SIGN_VERIFY which is not "
                                    f"valid for GenerateDataKey.")
        hmac = self.key("HMAC_256", "GENERATE_VERIFY_MAC")
        self.assertAwsError("InvalidKeyUsageException", self.kms.encrypt, KeyId=hmac["KeyId"],
                            Plaintext=b"x",
                            message=f"{hmac['Arn']} key usage is GENERATE_VERIFY_MAC which is "
                                    f"not valid for Encrypt.")

    def test_usage_is_checked_before_state(self):
        meta = self.new_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
        self.kms.disable_key(KeyId=meta["KeyId"])
        self.assertAwsError("InvalidKeyUsageException", self.kms.encrypt, KeyId=meta["KeyId"],
                            Plaintext=b"x",
                            message=f"{meta['Arn']} key usage is GENERATE_VERIFY_MAC which is "
                                    f"not valid for Encrypt.")

    def test_keys_survive_a_restart(self):
        made = [self.key("RSA_2048", "SIGN_VERIFY"), self.key("ECC_NIST_P384", "KEY_AGREEMENT"),
                self.key("HMAC_512", "GENERATE_VERIFY_MAC")]
        self.server.stop()
        self.server.start()
        type(self).kms = self.server.client()
        for meta in made:
            described = self.kms.describe_key(KeyId=meta["KeyId"])["KeyMetadata"]
            self.check_metadata(described, meta["KeySpec"], meta["KeyUsage"])



class SlowKeyMaterial(harness.TrentdTestCase):
    """SoftHSM takes up to seconds to make an RSA key pair: its CreateKey runs off the network
    thread, on a PKCS#11 session of its own, and Encrypt (on the one network thread, through the
    HSM's main session) is answered meanwhile."""

    trentd_args = ("--threads", "1")

    def test_encrypt_is_answered_while_an_rsa_4096_key_is_made(self):
        key_id = self.new_key()["KeyId"]
        creator = self.server.client()
        made = {}

        def create():
            made["meta"] = creator.create_key(KeySpec="RSA_4096",
                                              KeyUsage="SIGN_VERIFY")["KeyMetadata"]

        thread = threading.Thread(target=create)
        thread.start()
        answered_meanwhile = 0
        while thread.is_alive():
            self.kms.encrypt(KeyId=key_id, Plaintext=b"while a key pair is made")
            if thread.is_alive():
                answered_meanwhile += 1
        thread.join()
        self.assertEqual(made["meta"]["KeySpec"], "RSA_4096")
        # Making the pair takes hundreds of ms at least, an Encrypt a few: were the network
        # thread or the HSM's main session making it, only the few answered between the pair
        # and the commit that stores it would come back before the CreateKey.
        self.assertGreaterEqual(answered_meanwhile, 20)

if __name__ == "__main__":
    harness.main()
