"""boto3 against trentd: DisableKey, EnableKey, ScheduleKeyDeletion, CancelKeyDeletion and the
key-state rules AWS applies to every operation."""

import datetime

import harness


def now():
    return datetime.datetime.now(datetime.timezone.utc)


class EnableDisable(harness.TrentdTestCase):

    def test_disabled_key_refuses_crypto_and_enable_restores(self):
        key = self.new_key()
        other = self.new_key()
        blob = self.kms.encrypt(KeyId=key["KeyId"], Plaintext=b"before")["CiphertextBlob"]
        other_blob = self.kms.encrypt(KeyId=other["KeyId"], Plaintext=b"other")["CiphertextBlob"]

        out = self.kms.disable_key(KeyId=key["KeyId"])
        self.assertEqual(set(out) - {"ResponseMetadata"}, set())
        md = self.kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        self.assertEqual(md["KeyState"], "Disabled")
        self.assertIs(md["Enabled"], False)
        self.assertNotIn("DeletionDate", md)

        disabled = f"{key['Arn']} is disabled."
        calls = [
            (self.kms.encrypt, dict(KeyId=key["KeyId"], Plaintext=b"x")),
            (self.kms.decrypt, dict(CiphertextBlob=blob)),
            (self.kms.decrypt, dict(CiphertextBlob=blob, KeyId=key["Arn"])),
            (self.kms.generate_data_key, dict(KeyId=key["KeyId"], KeySpec="AES_256")),
            (self.kms.generate_data_key_without_plaintext, dict(KeyId=key["KeyId"],
                                                                NumberOfBytes=16)),
            (self.kms.re_encrypt, dict(CiphertextBlob=blob, DestinationKeyId=other["KeyId"])),
            (self.kms.re_encrypt, dict(CiphertextBlob=other_blob, DestinationKeyId=key["KeyId"])),
        ]
        for fn, kwargs in calls:
            with self.subTest(op=fn.__name__, args=sorted(kwargs)):
                self.assertAwsError("DisabledException", fn, message=disabled, **kwargs)

        # Still listed and described; disabling twice is not an error.
        self.assertIn(key["KeyId"], [k["KeyId"] for k in self.kms.list_keys()["Keys"]])
        self.kms.disable_key(KeyId=key["Arn"])

        self.kms.enable_key(KeyId=key["Arn"])
        md = self.kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        self.assertEqual(md["KeyState"], "Enabled")
        self.assertIs(md["Enabled"], True)
        self.assertEqual(self.kms.decrypt(CiphertextBlob=blob)["Plaintext"], b"before")
        new_blob = self.kms.encrypt(KeyId=key["KeyId"], Plaintext=b"after")["CiphertextBlob"]
        self.assertEqual(self.kms.decrypt(CiphertextBlob=new_blob)["Plaintext"], b"after")
        self.kms.enable_key(KeyId=key["KeyId"])   # enabling an enabled key is not an error

    def test_other_keys_unaffected(self):
        a, b = self.new_key(), self.new_key()
        self.kms.disable_key(KeyId=a["KeyId"])
        blob = self.kms.encrypt(KeyId=b["KeyId"], Plaintext=b"fine")["CiphertextBlob"]
        self.assertEqual(self.kms.decrypt(CiphertextBlob=blob)["Plaintext"], b"fine")

    def test_missing_key_id(self):
        for fn in (self.kms.enable_key, self.kms.disable_key, self.kms.schedule_key_deletion,
                   self.kms.cancel_key_deletion):
            with self.subTest(op=fn.__name__):
                self.assertAwsError(
                    "ValidationException", fn,
                    message="1 validation error detected: Value null at 'keyId' failed to "
                            "satisfy constraint: Member must not be null")


class Deletion(harness.TrentdTestCase):

    def check_deletion_date(self, date, days):
        self.assertIsInstance(date, datetime.datetime)
        expected = now() + datetime.timedelta(days=days)
        # AWS may round the date up; it is never before now + days, and within a day of it.
        self.assertGreater(date, expected - datetime.timedelta(minutes=5))
        self.assertLess(date, expected + datetime.timedelta(days=1, minutes=5))

    def test_schedule_default_window(self):
        key = self.new_key()
        out = self.kms.schedule_key_deletion(KeyId=key["KeyId"])
        self.assertEqual(out["KeyId"], key["Arn"])
        self.assertEqual(out["KeyState"], "PendingDeletion")
        self.assertEqual(out["PendingWindowInDays"], 30)
        self.check_deletion_date(out["DeletionDate"], 30)

        md = self.kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        self.assertEqual(md["KeyState"], "PendingDeletion")
        self.assertIs(md["Enabled"], False)
        self.assertEqual(md["DeletionDate"], out["DeletionDate"])
        # AWS shows PendingDeletionWindowInDays only for multi-Region primaries
        # (PendingReplicaDeletion); a single-Region key shows DeletionDate.
        self.assertNotIn("PendingDeletionWindowInDays", md)
        self.assertIn(key["KeyId"], [k["KeyId"] for k in self.kms.list_keys()["Keys"]])

    def test_schedule_seven_days_by_arn(self):
        key = self.new_key()
        out = self.kms.schedule_key_deletion(KeyId=key["Arn"], PendingWindowInDays=7)
        self.assertEqual(out["PendingWindowInDays"], 7)
        self.check_deletion_date(out["DeletionDate"], 7)

    def test_window_out_of_range(self):
        key = self.new_key()
        for days in (0, 6, 31, 365):
            with self.subTest(days=days):
                self.assertAwsError("ValidationException", self.kms.schedule_key_deletion,
                                    KeyId=key["KeyId"], PendingWindowInDays=days)
        self.assertEqual(self.kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"],
                         "Enabled")

    def test_pending_key_refuses_everything_but_describe_and_cancel(self):
        key = self.new_key()
        other = self.new_key()
        blob = self.kms.encrypt(KeyId=key["KeyId"], Plaintext=b"before")["CiphertextBlob"]
        other_blob = self.kms.encrypt(KeyId=other["KeyId"], Plaintext=b"o")["CiphertextBlob"]
        self.kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)

        pending = f"{key['Arn']} is pending deletion."
        calls = [
            (self.kms.encrypt, dict(KeyId=key["KeyId"], Plaintext=b"x")),
            (self.kms.decrypt, dict(CiphertextBlob=blob)),
            (self.kms.generate_data_key, dict(KeyId=key["KeyId"], KeySpec="AES_128")),
            (self.kms.generate_data_key_without_plaintext, dict(KeyId=key["KeyId"],
                                                                KeySpec="AES_256")),
            (self.kms.re_encrypt, dict(CiphertextBlob=blob, DestinationKeyId=other["KeyId"])),
            (self.kms.re_encrypt, dict(CiphertextBlob=other_blob, DestinationKeyId=key["KeyId"])),
            (self.kms.enable_key, dict(KeyId=key["KeyId"])),
            (self.kms.disable_key, dict(KeyId=key["KeyId"])),
            (self.kms.schedule_key_deletion, dict(KeyId=key["KeyId"], PendingWindowInDays=7)),
        ]
        for fn, kwargs in calls:
            with self.subTest(op=fn.__name__, args=sorted(kwargs)):
                self.assertAwsError("KMSInvalidStateException", fn, message=pending, **kwargs)

        out = self.kms.cancel_key_deletion(KeyId=key["Arn"])
        self.assertEqual(out["KeyId"], key["Arn"])
        md = self.kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        self.assertEqual(md["KeyState"], "Disabled")
        self.assertIs(md["Enabled"], False)
        self.assertNotIn("DeletionDate", md)
        self.assertAwsError("DisabledException", self.kms.decrypt, CiphertextBlob=blob)

        self.kms.enable_key(KeyId=key["KeyId"])
        self.assertEqual(self.kms.decrypt(CiphertextBlob=blob)["Plaintext"], b"before")

    def test_cancel_when_not_pending(self):
        key = self.new_key()
        self.assertAwsError("KMSInvalidStateException", self.kms.cancel_key_deletion,
                            KeyId=key["KeyId"])

    def test_schedule_disabled_key_then_cancel(self):
        key = self.new_key()
        self.kms.disable_key(KeyId=key["KeyId"])
        out = self.kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=10)
        self.assertEqual(out["KeyState"], "PendingDeletion")
        self.kms.cancel_key_deletion(KeyId=key["KeyId"])
        self.assertEqual(self.kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"],
                         "Disabled")


if __name__ == "__main__":
    harness.main()
