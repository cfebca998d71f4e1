"""boto3 against trentd: CreateKey, DescribeKey, ListKeys, regions, unsupported operations."""

import datetime
import re
import uuid

from botocore.exceptions import ClientError

import harness

ACCOUNT = "111122223333"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def arn(region, key_id):
    return f"arn:aws:kms:{region}:{ACCOUNT}:key/{key_id}"


class CreateAndDescribe(harness.TrentdTestCase):

    def check_symmetric_metadata(self, md, region="us-east-1", description=""):
        self.assertRegex(md["KeyId"], UUID_RE)
        self.assertEqual(md["AWSAccountId"], ACCOUNT)
        self.assertEqual(md["Arn"], arn(region, md["KeyId"]))
        self.assertIsInstance(md["CreationDate"], datetime.datetime)
        now = datetime.datetime.now(datetime.timezone.utc)
        self.assertLess(abs((now - md["CreationDate"]).total_seconds()), 120)
        self.assertIs(md["Enabled"], True)
        self.assertEqual(md["Description"], description)
        self.assertEqual(md["KeyUsage"], "ENCRYPT_DECRYPT")
        self.assertEqual(md["KeyState"], "Enabled")
        self.assertEqual(md["Origin"], "AWS_KMS")
        self.assertEqual(md["KeyManager"], "CUSTOMER")
        self.assertEqual(md["CustomerMasterKeySpec"], "SYMMETRIC_DEFAULT")
        self.assertEqual(md["KeySpec"], "SYMMETRIC_DEFAULT")
        self.assertEqual(md["EncryptionAlgorithms"], ["SYMMETRIC_DEFAULT"])
        self.assertIs(md["MultiRegion"], False)
        # Only for keys pending deletion / other key types.
        for absent in ("DeletionDate", "PendingDeletionWindowInDays", "SigningAlgorithms",
                       "MacAlgorithms", "MultiRegionConfiguration", "ValidTo"):
            self.assertNotIn(absent, md)

    def test_create_key_defaults(self):
        md = self.new_key()
        self.check_symmetric_metadata(md)

    def test_create_key_with_description_tags_and_explicit_spec(self):
        md = self.new_key(Description="payments key", KeyUsage="ENCRYPT_DECRYPT",
                          KeySpec="SYMMETRIC_DEFAULT",
                          Tags=[{"TagKey": "team", "TagValue": "payments"},
                                {"TagKey": "empty", "TagValue": ""}])
        self.check_symmetric_metadata(md, description="payments key")
        described = self.kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]
        self.assertEqual(described["Description"], "payments key")

    def test_create_key_with_customer_master_key_spec(self):
        md = self.new_key(CustomerMasterKeySpec="SYMMETRIC_DEFAULT")
        self.check_symmetric_metadata(md)

    def test_describe_by_id_and_arn_match_create(self):
        created = self.new_key(Description="d")
        by_id = self.kms.describe_key(KeyId=created["KeyId"])["KeyMetadata"]
        by_arn = self.kms.describe_key(KeyId=created["Arn"])["KeyMetadata"]
        self.assertEqual(by_id, created)
        self.assertEqual(by_arn, created)
        self.check_symmetric_metadata(by_id, description="d")

    def test_create_keys_are_distinct(self):
        ids = {self.new_key()["KeyId"] for _ in range(5)}
        self.assertEqual(len(ids), 5)

    def test_create_key_validation(self):
        err = self.assertAwsError("ValidationException", self.kms.create_key, KeySpec="AES_999")
        self.assertTrue(err["Message"].startswith(
            "1 validation error detected: Value 'AES_999' at 'keySpec' failed to satisfy "
            "constraint: Member must satisfy enum value set: ["), err["Message"])
        err = self.assertAwsError("ValidationException", self.kms.create_key, KeyUsage="RANDOM")
        self.assertTrue(err["Message"].startswith(
            "1 validation error detected: Value 'RANDOM' at 'keyUsage' failed to satisfy "
            "constraint: Member must satisfy enum value set: ["), err["Message"])
        self.assertAwsError(
            "ValidationException", self.kms.create_key, Description="x" * 8193,
            message_contains="at 'description' failed to satisfy constraint: "
                             "Member must have length less than or equal to 8192")
        self.assertAwsError("ValidationException", self.kms.create_key,
                            Tags=[{"TagKey": "", "TagValue": "v"}])
        # A description of exactly 8192 characters is fine.
        self.assertEqual(self.new_key(Description="y" * 8192)["Description"], "y" * 8192)

    def test_create_key_policy_and_tags(self):
        policy = ('{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM policies",'
                  '"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},'
                  '"Action":"kms:*","Resource":"*"}]}')
        self.check_symmetric_metadata(self.new_key(Policy=policy))
        self.assertAwsError("MalformedPolicyDocumentException", self.kms.create_key,
                            Policy="this is not JSON")
        self.assertAwsError("TagException", self.kms.create_key,
                            Tags=[{"TagKey": "aws:reserved", "TagValue": "v"}])
        self.assertAwsError("TagException", self.kms.create_key,
                            Tags=[{"TagKey": "k", "TagValue": "1"}, {"TagKey": "k", "TagValue": "2"}])

    def test_describe_unknown_key(self):
        missing = str(uuid.uuid4())
        self.assertAwsError("NotFoundException", self.kms.describe_key, KeyId=missing,
                            message=f"Key '{arn('us-east-1', missing)}' does not exist")
        self.assertAwsError("NotFoundException", self.kms.describe_key,
                            KeyId=arn("us-east-1", missing),
                            message=f"Key '{arn('us-east-1', missing)}' does not exist")
        self.assertAwsError("NotFoundException", self.kms.describe_key, KeyId="fake-key-id",
                            message="Invalid keyId 'fake-key-id'")

    def test_describe_requires_key_id(self):
        self.assertAwsError(
            "ValidationException", self.kms.describe_key,
            message="1 validation error detected: Value null at 'keyId' failed to satisfy "
                    "constraint: Member must not be null")
        self.assertAwsError(
            "ValidationException", self.kms.describe_key, KeyId="",
            message_contains="at 'keyId' failed to satisfy constraint: "
                             "Member must have length greater than or equal to 1")

    def test_operations_on_unknown_key(self):
        missing = str(uuid.uuid4())
        calls = [
            (self.kms.encrypt, dict(KeyId=missing, Plaintext=b"x")),
            (self.kms.generate_data_key, dict(KeyId=missing, KeySpec="AES_256")),
            (self.kms.generate_data_key_without_plaintext, dict(KeyId=missing, KeySpec="AES_256")),
            (self.kms.enable_key, dict(KeyId=missing)),
            (self.kms.disable_key, dict(KeyId=missing)),
            (self.kms.schedule_key_deletion, dict(KeyId=missing, PendingWindowInDays=7)),
            (self.kms.cancel_key_deletion, dict(KeyId=missing)),
        ]
        for fn, kwargs in calls:
            with self.subTest(op=fn.__name__):
                self.assertAwsError("NotFoundException", fn, **kwargs)


class ListKeysPaging(harness.TrentdTestCase):
    """A server of its own, so the set of keys is exactly what this class creates."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.created = [cls.kms.create_key()["KeyMetadata"] for _ in range(7)]

    def all_pages(self, limit):
        seen, pages, marker = [], 0, None
        while True:
            kwargs = {"Limit": limit}
            if marker:
                kwargs["Marker"] = marker
            page = self.kms.list_keys(**kwargs)
            pages += 1
            self.assertLessEqual(len(page["Keys"]), limit)
            seen.extend(page["Keys"])
            if not page["Truncated"]:
                self.assertNotIn("NextMarker", page)
                return seen, pages
            self.assertTrue(page["NextMarker"])
            marker = page["NextMarker"]
            self.assertLess(pages, 20, "paging does not end")

    def test_default_lists_everything(self):
        page = self.kms.list_keys()
        self.assertIs(page["Truncated"], False)
        self.assertNotIn("NextMarker", page)
        expected = {(k["KeyId"], k["Arn"]) for k in self.created}
        self.assertEqual({(k["KeyId"], k["KeyArn"]) for k in page["Keys"]}, expected)
        self.assertEqual(len(page["Keys"]), 7)

    def test_paging_sees_every_key_once(self):
        expected = sorted(k["KeyId"] for k in self.created)
        for limit, pages in ((1, 7), (2, 4), (3, 3), (6, 2), (7, 1), (1000, 1)):
            with self.subTest(limit=limit):
                seen, n = self.all_pages(limit)
                self.assertEqual(sorted(k["KeyId"] for k in seen), expected)
                self.assertEqual(n, pages)

    def test_paginator(self):
        paginator = self.kms.get_paginator("list_keys")
        ids = [k["KeyId"] for page in paginator.paginate(PaginationConfig={"PageSize": 2})
               for k in page["Keys"]]
        self.assertEqual(sorted(ids), sorted(k["KeyId"] for k in self.created))

    def test_limit_out_of_range(self):
        self.assertAwsError(
            "ValidationException", self.kms.list_keys, Limit=0,
            message="1 validation error detected: Value '0' at 'limit' failed to satisfy "
                    "constraint: Member must have value greater than or equal to 1")
        self.assertAwsError(
            "ValidationException", self.kms.list_keys, Limit=1001,
            message="1 validation error detected: Value '1001' at 'limit' failed to satisfy "
                    "constraint: Member must have value less than or equal to 1000")

    def test_invalid_marker(self):
        self.assertAwsError("InvalidMarkerException", self.kms.list_keys, Marker="not-a-marker")


class Regions(harness.TrentdTestCase):

    def test_keys_are_scoped_to_their_region(self):
        west = self.server.client(region="us-west-2")
        md = self.new_key(client=west)
        self.assertEqual(md["Arn"], arn("us-west-2", md["KeyId"]))
        self.assertEqual(west.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["Arn"], md["Arn"])
        self.assertIn(md["KeyId"], [k["KeyId"] for k in west.list_keys()["Keys"]])

        self.assertAwsError("NotFoundException", self.kms.describe_key, KeyId=md["KeyId"],
                            message=f"Key '{arn('us-east-1', md['KeyId'])}' does not exist")
        self.assertNotIn(md["KeyId"], [k["KeyId"] for k in self.kms.list_keys()["Keys"]])
        self.assertAwsError("NotFoundException", self.kms.encrypt, KeyId=md["KeyId"],
                            Plaintext=b"x")
        # The ARN names another region than the caller's.
        self.assertAwsError("NotFoundException", self.kms.describe_key, KeyId=md["Arn"])

    def test_ciphertext_of_other_region_does_not_decrypt(self):
        west = self.server.client(region="eu-central-1")
        md = self.new_key(client=west)
        blob = west.encrypt(KeyId=md["KeyId"], Plaintext=b"regional")["CiphertextBlob"]
        self.assertEqual(west.decrypt(CiphertextBlob=blob)["Plaintext"], b"regional")
        with self.assertRaises(ClientError) as cm:
            self.kms.decrypt(CiphertextBlob=blob)
        code = cm.exception.response["Error"]["Code"]
        self.assertIn(code, ("NotFoundException", "InvalidCiphertextException"))


class UnsupportedOperations(harness.TrentdTestCase):

    def test_operations_outside_the_issue(self):
        key = self.new_key()["KeyId"]
        calls = [
            (self.kms.get_parameters_for_import,
             dict(KeyId=key, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048")),
        ]
        for fn, kwargs in calls:
            with self.subTest(op=fn.__name__):
                self.assertAwsError("UnsupportedOperationException", fn, **kwargs)


if __name__ == "__main__":
    harness.main()
