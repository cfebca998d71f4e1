"""The aws CLI (TRENT_AWS) against trentd: create-alias, update-alias, delete-alias,
list-aliases (with its automatic paging), keys named by alias, an AWS managed key."""

import base64
import os
import uuid

import harness


class AwsCliAliases(harness.AwsCliTestCase):

    def test_alias_lifecycle(self):
        first = self.aws("create-key")["KeyMetadata"]
        second = self.aws("create-key")["KeyMetadata"]
        name = "alias/cli-" + uuid.uuid4().hex[:8]
        self.assertEqual(self.aws("create-alias", "--alias-name", name,
                                  "--target-key-id", first["KeyId"]), {})
        self.assertEqual(self.aws("describe-key", "--key-id", name)["KeyMetadata"]["KeyId"],
                         first["KeyId"])

        path = os.path.join(self.files, "plain.bin")
        with open(path, "wb") as f:
            f.write(b"cli alias")
        enc = self.aws("encrypt", "--key-id", name, "--plaintext", "fileb://" + path)
        self.assertEqual(enc["KeyId"], first["Arn"])

        self.assertEqual(self.aws("update-alias", "--alias-name", name,
                                  "--target-key-id", second["Arn"]), {})
        enc2 = self.aws("encrypt", "--key-id", f"arn:aws:kms:us-east-1:{first['AWSAccountId']}:"
                        f"{name}", "--plaintext", "fileb://" + path)
        self.assertEqual(enc2["KeyId"], second["Arn"])
        for blob, arn in ((enc["CiphertextBlob"], first["Arn"]),
                          (enc2["CiphertextBlob"], second["Arn"])):
            blob_path = os.path.join(self.files, "blob.bin")
            with open(blob_path, "wb") as f:
                f.write(base64.b64decode(blob))
            dec = self.aws("decrypt", "--ciphertext-blob", "fileb://" + blob_path)
            self.assertEqual(base64.b64decode(dec["Plaintext"]), b"cli alias")
            self.assertEqual(dec["KeyId"], arn)

        listed = self.aws("list-aliases", "--key-id", second["KeyId"])["Aliases"]
        self.assertEqual([a["AliasName"] for a in listed], [name])
        self.assertEqual(listed[0]["TargetKeyId"], second["KeyId"])

        err = self.aws("create-alias", "--alias-name", name, "--target-key-id", first["KeyId"],
                       expect_ok=False)
        self.assertIn("AlreadyExistsException", err)
        err = self.aws("create-alias", "--alias-name", "alias/aws/mine",
                       "--target-key-id", first["KeyId"], expect_ok=False)
        self.assertIn("NotAuthorizedException", err)

        self.assertEqual(self.aws("delete-alias", "--alias-name", name), {})
        err = self.aws("delete-alias", "--alias-name", name, expect_ok=False)
        self.assertIn("NotFoundException", err)
        self.assertIn("is not found.", err)

    def test_list_aliases_pages_automatically(self):
        key = self.aws("create-key")["KeyMetadata"]
        names = [f"alias/cli-page-{i:02d}" for i in range(12)]
        for name in names:
            self.aws("create-alias", "--alias-name", name, "--target-key-id", key["KeyId"])
        # --page-size makes the CLI follow NextMarker over several requests.
        out = self.aws("list-aliases", "--page-size", "4")
        listed = [a["AliasName"] for a in out["Aliases"]]
        self.assertTrue(set(names) <= set(listed))
        self.assertIn("alias/aws/s3", listed)
        self.assertEqual(len(listed), len(set(listed)))

    def test_aws_managed_key(self):
        md = self.aws("describe-key", "--key-id", "alias/aws/ssm")["KeyMetadata"]
        self.assertEqual(md["KeyManager"], "AWS")
        err = self.aws("disable-key", "--key-id", md["KeyId"], expect_ok=False)
        self.assertIn("AccessDeniedException", err)
        self.assertEqual(self.aws("describe-key", "--key-id", "alias/aws/ssm")["KeyMetadata"]
                         ["KeyId"], md["KeyId"])


if __name__ == "__main__":
    harness.main()
