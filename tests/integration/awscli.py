"""The aws CLI (TRENT_AWS) against trentd with --endpoint-url and dummy credentials."""

import base64
import os

import harness


class AwsCli(harness.AwsCliTestCase):

    def test_key_lifecycle_and_crypto(self):
        md = self.aws("create-key", "--description", "from the cli",
                      "--tags", "TagKey=team,TagValue=cli")["KeyMetadata"]
        self.assertEqual(md["Description"], "from the cli")
        self.assertEqual(md["KeyState"], "Enabled")
        self.assertEqual(md["KeySpec"], "SYMMETRIC_DEFAULT")
        self.assertTrue(md["Arn"].startswith("arn:aws:kms:us-east-1:"))
        key_id = md["KeyId"]

        described = self.aws("describe-key", "--key-id", md["Arn"])["KeyMetadata"]
        self.assertEqual(described["KeyId"], key_id)
        self.assertEqual(described["EncryptionAlgorithms"], ["SYMMETRIC_DEFAULT"])

        listed = self.aws("list-keys")
        self.assertIn({"KeyId": key_id, "KeyArn": md["Arn"]}, listed["Keys"])

        plaintext = os.urandom(300)
        enc = self.aws("encrypt", "--key-id", key_id,
                       "--plaintext", "fileb://" + self.write("plain.bin", plaintext),
                       "--encryption-context", "app=cli,stage=test")
        self.assertEqual(enc["KeyId"], md["Arn"])
        blob = base64.b64decode(enc["CiphertextBlob"])
        dec = self.aws("decrypt", "--ciphertext-blob", "fileb://" + self.write("blob.bin", blob),
                       "--encryption-context", "stage=test,app=cli")
        self.assertEqual(base64.b64decode(dec["Plaintext"]), plaintext)
        self.assertEqual(dec["KeyId"], md["Arn"])

        err = self.aws("decrypt", "--ciphertext-blob", "fileb://" + self.write("blob2.bin", blob),
                       expect_ok=False)
        self.assertIn("InvalidCiphertextException", err)

        dk = self.aws("generate-data-key", "--key-id", key_id, "--key-spec", "AES_256")
        self.assertEqual(len(base64.b64decode(dk["Plaintext"])), 32)
        dk_blob = self.write("dk.bin", base64.b64decode(dk["CiphertextBlob"]))
        back = self.aws("decrypt", "--ciphertext-blob", "fileb://" + dk_blob)
        self.assertEqual(back["Plaintext"], dk["Plaintext"])

        rnd = self.aws("generate-random", "--number-of-bytes", "48")
        self.assertEqual(len(base64.b64decode(rnd["Plaintext"])), 48)

        sched = self.aws("schedule-key-deletion", "--key-id", key_id,
                         "--pending-window-in-days", "7")
        self.assertEqual(sched["KeyId"], md["Arn"])
        self.assertEqual(sched["KeyState"], "PendingDeletion")
        self.assertEqual(sched["PendingWindowInDays"], 7)
        self.assertIn("DeletionDate", sched)
        self.assertEqual(self.aws("describe-key", "--key-id", key_id)["KeyMetadata"]["KeyState"],
                         "PendingDeletion")
        err = self.aws("encrypt", "--key-id", key_id,
                       "--plaintext", "fileb://" + self.write("p2.bin", b"x"), expect_ok=False)
        self.assertIn("KMSInvalidStateException", err)

    def test_not_found_error(self):
        err = self.aws("describe-key", "--key-id", "00000000-0000-4000-8000-000000000000",
                       expect_ok=False)
        self.assertIn("NotFoundException", err)
        self.assertIn("does not exist", err)


if __name__ == "__main__":
    harness.main()
