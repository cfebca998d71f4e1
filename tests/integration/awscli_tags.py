"""The aws CLI (TRENT_AWS) on tags, descriptions and last usage: tag-resource, untag-resource,
list-resource-tags (its own paging, and one page at a time), update-key-description,
get-key-last-usage after each cryptographic operation, and their errors."""

import base64
import json
import re

import harness

REQUEST_ID = re.compile(r"x-amzn-RequestId['\"]: ['\"]([0-9a-f-]{36})['\"]")


class AwsCliTags(harness.AwsCliTestCase):

    def aws_with_request_id(self, *args):
        """The answer and the x-amzn-RequestId of its response (from --debug)."""
        proc = self.run_aws(args, debug=True)
        self.assertEqual(proc.returncode, 0, f"{args}: {proc.stderr[-2000:]}")
        ids = REQUEST_ID.findall(proc.stderr)
        self.assertEqual(len(ids), 1, proc.stderr[-2000:])
        return json.loads(proc.stdout), ids[0]

    def aws_error(self, code, *args):
        proc = self.run_aws(args)
        self.assertNotEqual(proc.returncode, 0, f"{args} succeeded: {proc.stdout}")
        self.assertIn(f"({code})", proc.stderr)
        return proc.stderr

    def blob_file(self, name, b64):
        return "fileb://" + self.write(name, base64.b64decode(b64))

    def test_tags(self):
        key = self.aws("create-key", "--tags", "TagKey=team,TagValue=cli")["KeyMetadata"]
        key_id = key["KeyId"]
        self.aws("tag-resource", "--key-id", key["Arn"], "--tags",
                 "TagKey=stage,TagValue=test", "TagKey=team,TagValue=ops")
        self.assertEqual(self.aws("list-resource-tags", "--key-id", key_id)["Tags"], [
            {"TagKey": "team", "TagValue": "ops"}, {"TagKey": "stage", "TagValue": "test"}])
        self.aws("untag-resource", "--key-id", key_id, "--tag-keys", "team", "absent")
        self.assertEqual(self.aws("list-resource-tags", "--key-id", key_id)["Tags"],
                         [{"TagKey": "stage", "TagValue": "test"}])

        many = [f"TagKey=k{i:02d},TagValue=v{i}" for i in range(12)]
        self.aws("tag-resource", "--key-id", key_id, "--tags", *many)
        expected = [{"TagKey": "stage", "TagValue": "test"}] + [
            {"TagKey": f"k{i:02d}", "TagValue": f"v{i}"} for i in range(12)]
        # The CLI follows NextMarker itself, 5 tags a request.
        self.assertEqual(self.aws("list-resource-tags", "--key-id", key_id, "--page-size", "5")["Tags"],
                         expected)
        first = self.aws("list-resource-tags", "--key-id", key_id, "--no-paginate", "--limit", "5")
        self.assertTrue(first["Truncated"])
        self.assertEqual(first["Tags"], expected[:5])
        second = self.aws("list-resource-tags", "--key-id", key_id, "--no-paginate", "--limit", "5",
                          "--marker", first["NextMarker"])
        self.assertEqual(second["Tags"], expected[5:10])

        self.aws_error("TagException", "tag-resource", "--key-id", key_id,
                       "--tags", "TagKey=aws:x,TagValue=1")
        self.aws_error("InvalidMarkerException", "list-resource-tags", "--key-id", key_id,
                       "--no-paginate", "--marker", "nonsense")
        self.aws("schedule-key-deletion", "--key-id", key_id, "--pending-window-in-days", "7")
        err = self.aws_error("KMSInvalidStateException", "tag-resource", "--key-id", key_id,
                             "--tags", "TagKey=a,TagValue=b")
        self.assertIn(f"{key['Arn']} is pending deletion.", err)
        self.aws_error("KMSInvalidStateException", "untag-resource", "--key-id", key_id,
                       "--tag-keys", "stage")
        self.aws_error("NotFoundException", "list-resource-tags", "--key-id", "alias/nope")

    def test_description(self):
        key = self.aws("create-key", "--description", "old")["KeyMetadata"]
        self.aws("update-key-description", "--key-id", key["KeyId"], "--description", "new")
        self.assertEqual(self.aws("describe-key", "--key-id", key["KeyId"])["KeyMetadata"]["Description"],
                         "new")
        self.aws_error("NotFoundException", "update-key-description",
                       "--key-id", "11111111-2222-3333-4444-555555555555", "--description", "x")

    def test_last_usage(self):
        if not self.aws_knows("get-key-last-usage"):
            self.skipTest(f"{self.aws_path} predates GetKeyLastUsage (botocore 1.43 knows it)")
        key = self.aws("create-key")["KeyMetadata"]
        other = self.aws("create-key")["KeyMetadata"]
        fresh = self.aws("get-key-last-usage", "--key-id", key["Arn"])
        self.assertEqual(fresh["KeyId"], key["KeyId"])
        self.assertFalse(fresh.get("KeyLastUsage"))
        self.assertIn("TrackingStartDate", fresh)
        self.assertIn("KeyCreationDate", fresh)

        def check(key_id, operation, request_id):
            used = self.aws("get-key-last-usage", "--key-id", key_id)["KeyLastUsage"]
            self.assertEqual(used["Operation"], operation)
            self.assertEqual(used["KmsRequestId"], request_id)
            self.assertNotEqual(used["CloudTrailEventId"], request_id)
            self.assertEqual(len(used["CloudTrailEventId"]), 36)
            self.assertIn("Timestamp", used)

        path = self.write("plain.bin", b"secret")
        enc, rid = self.aws_with_request_id("encrypt", "--key-id", key["KeyId"],
                                            "--plaintext", "fileb://" + path)
        check(key["KeyId"], "Encrypt", rid)
        _, rid = self.aws_with_request_id("decrypt", "--ciphertext-blob",
                                          self.blob_file("enc.bin", enc["CiphertextBlob"]))
        check(key["KeyId"], "Decrypt", rid)
        _, rid = self.aws_with_request_id("generate-data-key", "--key-id", key["KeyId"],
                                          "--number-of-bytes", "16")
        check(key["KeyId"], "GenerateDataKey", rid)
        dk, rid = self.aws_with_request_id("generate-data-key-without-plaintext",
                                           "--key-id", key["KeyId"], "--key-spec", "AES_128")
        check(key["KeyId"], "GenerateDataKeyWithoutPlaintext", rid)
        _, rid = self.aws_with_request_id("re-encrypt", "--ciphertext-blob",
                                          self.blob_file("dk.bin", dk["CiphertextBlob"]),
                                          "--destination-key-id", other["KeyId"])
        check(key["KeyId"], "ReEncrypt", rid)
        check(other["KeyId"], "ReEncrypt", rid)

        self.aws_error("NotFoundException", "get-key-last-usage", "--key-id", "alias/nope")
        self.aws_error("NotFoundException", "get-key-last-usage",
                       "--key-id", "11111111-2222-3333-4444-555555555555")


if __name__ == "__main__":
    harness.main()
