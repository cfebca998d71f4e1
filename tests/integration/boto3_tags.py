"""Tags, descriptions and last usage with boto3: TagResource, UntagResource, ListResourceTags
(paging), UpdateKeyDescription, GetKeyLastUsage after each cryptographic operation, and last
usage surviving a graceful restart."""

import time
import unittest

import harness

TAG_EXCEPTION = "TagException"
UUID_V4 = r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"


def last_usage(client, key_id):
    """GetKeyLastUsage through boto3 when its botocore knows the operation (1.43 does), else sent
    by hand with the client's credentials (older botocore predates the operation)."""
    if hasattr(client, "get_key_last_usage"):
        answer = client.get_key_last_usage(KeyId=key_id)
    else:
        answer = harness.call_by_hand(client, "GetKeyLastUsage", KeyId=key_id)
    answer.pop("ResponseMetadata", None)
    return answer


def request_id(response):
    return response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]


def tags_of(client, key_id, **kwargs):
    return client.list_resource_tags(KeyId=key_id, **kwargs)


class Tags(harness.TrentdTestCase):

    def test_tags_on_create_then_list(self):
        tags = [{"TagKey": "Project", "TagValue": "Alpha"}, {"TagKey": "Empty", "TagValue": ""}]
        key = self.new_key(Tags=tags)
        answer = tags_of(self.kms, key["KeyId"])
        self.assertEqual(answer["Tags"], tags)
        self.assertFalse(answer["Truncated"])
        self.assertNotIn("NextMarker", answer)

    def test_tag_overwrites_and_appends_in_order(self):
        key = self.new_key(Tags=[{"TagKey": "a", "TagValue": "1"}, {"TagKey": "b", "TagValue": "2"}])
        self.kms.tag_resource(KeyId=key["Arn"], Tags=[{"TagKey": "c", "TagValue": "3"},
                                                      {"TagKey": "a", "TagValue": "one"}])
        self.assertEqual(tags_of(self.kms, key["KeyId"])["Tags"], [
            {"TagKey": "a", "TagValue": "one"}, {"TagKey": "b", "TagValue": "2"},
            {"TagKey": "c", "TagValue": "3"}])

    def test_untag_removes_and_ignores_missing(self):
        key = self.new_key(Tags=[{"TagKey": "a", "TagValue": "1"}, {"TagKey": "b", "TagValue": "2"}])
        self.kms.untag_resource(KeyId=key["KeyId"], TagKeys=["a", "not-there"])
        self.assertEqual(tags_of(self.kms, key["KeyId"])["Tags"], [{"TagKey": "b", "TagValue": "2"}])

    def test_paging_across_pages(self):
        key = self.new_key()
        tags = [{"TagKey": f"k{i:02d}", "TagValue": f"v{i}"} for i in range(23)]
        self.kms.tag_resource(KeyId=key["KeyId"], Tags=tags)
        seen, marker, pages = [], None, 0
        while True:
            kwargs = {"Limit": 10}
            if marker:
                kwargs["Marker"] = marker
            page = tags_of(self.kms, key["KeyId"], **kwargs)
            pages += 1
            self.assertLessEqual(len(page["Tags"]), 10)
            seen += page["Tags"]
            if not page["Truncated"]:
                self.assertNotIn("NextMarker", page)
                break
            marker = page["NextMarker"]
        self.assertEqual(pages, 3)
        self.assertEqual(seen, tags)
        # The default and the largest page is 50.
        self.assertEqual(len(tags_of(self.kms, key["KeyId"], Limit=1000)["Tags"]), 23)
        # boto3's paginator follows the markers too.
        paged = self.kms.get_paginator("list_resource_tags").paginate(
            KeyId=key["KeyId"], PaginationConfig={"PageSize": 7})
        self.assertEqual([t for p in paged for t in p["Tags"]], tags)

    def test_bad_marker(self):
        key = self.new_key(Tags=[{"TagKey": "a", "TagValue": "1"}])
        for marker in ("not-a-marker", "-1", "2"):
            self.assertAwsError("InvalidMarkerException", self.kms.list_resource_tags,
                                KeyId=key["KeyId"], Marker=marker)

    def test_limit_out_of_range(self):
        key = self.new_key()
        self.assertAwsError("ValidationException", self.kms.list_resource_tags,
                            KeyId=key["KeyId"], Limit=0)

    def test_fifty_tags_counts_the_result(self):
        key = self.new_key(Tags=[{"TagKey": f"t{i}", "TagValue": ""} for i in range(49)])
        # Overwriting existing tags does not add to the count.
        self.kms.tag_resource(KeyId=key["KeyId"], Tags=[{"TagKey": "t0", "TagValue": "x"},
                                                        {"TagKey": "t49", "TagValue": ""}])
        self.assertAwsError(TAG_EXCEPTION, self.kms.tag_resource, KeyId=key["KeyId"],
                            Tags=[{"TagKey": "t50", "TagValue": ""}], message="Too many tags")
        self.assertEqual(len(tags_of(self.kms, key["KeyId"])["Tags"]), 50)
        self.assertAwsError(TAG_EXCEPTION, self.kms.tag_resource, KeyId=self.new_key()["KeyId"],
                            Tags=[{"TagKey": f"n{i}", "TagValue": ""} for i in range(51)],
                            message="Too many tags")

    def test_tag_rules(self):
        key = self.new_key(Tags=[{"TagKey": "keep", "TagValue": "1"}])
        self.assertAwsError(TAG_EXCEPTION, self.kms.tag_resource, KeyId=key["KeyId"],
                            Tags=[{"TagKey": "AWS:x", "TagValue": "1"}],
                            message="Tags beginning with aws: are reserved")
        self.assertAwsError(TAG_EXCEPTION, self.kms.tag_resource, KeyId=key["KeyId"],
                            Tags=[{"TagKey": "d", "TagValue": "1"}, {"TagKey": "d", "TagValue": "2"}],
                            message="Duplicate tag keys")
        self.assertAwsError("ValidationException", self.kms.tag_resource, KeyId=key["KeyId"],
                            Tags=[{"TagKey": "k" * 129, "TagValue": ""}])
        self.assertAwsError("ValidationException", self.kms.tag_resource, KeyId=key["KeyId"],
                            Tags=[{"TagKey": "v", "TagValue": "x" * 257}])
        self.assertAwsError("ValidationException", self.kms.tag_resource, KeyId=key["KeyId"],
                            Tags=[{"TagKey": "", "TagValue": "x"}])
        # A refused request changes nothing.
        self.assertEqual(tags_of(self.kms, key["KeyId"])["Tags"], [{"TagKey": "keep", "TagValue": "1"}])

    def test_pending_deletion(self):
        key = self.new_key(Tags=[{"TagKey": "a", "TagValue": "1"}])
        self.kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
        pending = f"{key['Arn']} is pending deletion."
        self.assertAwsError("KMSInvalidStateException", self.kms.tag_resource, KeyId=key["KeyId"],
                            Tags=[{"TagKey": "b", "TagValue": "2"}], message=pending)
        self.assertAwsError("KMSInvalidStateException", self.kms.untag_resource,
                            KeyId=key["KeyId"], TagKeys=["a"], message=pending)
        self.assertAwsError("KMSInvalidStateException", self.kms.update_key_description,
                            KeyId=key["KeyId"], Description="x", message=pending)
        # Reading works in every state.
        self.assertEqual(tags_of(self.kms, key["KeyId"])["Tags"], [{"TagKey": "a", "TagValue": "1"}])
        self.assertEqual(last_usage(self.kms, key["KeyId"])["KeyId"], key["KeyId"])

    def test_disabled_key_can_be_tagged_and_described(self):
        key = self.new_key()
        self.kms.disable_key(KeyId=key["KeyId"])
        self.kms.tag_resource(KeyId=key["KeyId"], Tags=[{"TagKey": "a", "TagValue": "1"}])
        self.kms.untag_resource(KeyId=key["KeyId"], TagKeys=["a"])
        self.kms.update_key_description(KeyId=key["KeyId"], Description="disabled")
        self.assertEqual(self.kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["Description"],
                         "disabled")

    def test_unknown_keys_and_aliases(self):
        missing = "11111111-2222-3333-4444-555555555555"
        arn = f"arn:aws:kms:us-east-1:111122223333:key/{missing}"
        for call, kwargs in ((self.kms.tag_resource, {"Tags": [{"TagKey": "a", "TagValue": ""}]}),
                             (self.kms.untag_resource, {"TagKeys": ["a"]}),
                             (self.kms.list_resource_tags, {}),
                             (self.kms.update_key_description, {"Description": "d"})):
            self.assertAwsError("NotFoundException", call, KeyId=missing,
                                message=f"Key '{arn}' does not exist", **kwargs)
            # Key management operations take no alias.
            self.assertAwsError("NotFoundException", call, KeyId="alias/some", **kwargs)
        self.assertAwsError("NotFoundException", self.kms.list_resource_tags,
                            KeyId=missing.replace("-", "x"))

    def test_aws_managed_key(self):
        """AWS managed keys' fixed policy allows reading tags and last usage, not changes."""
        from botocore.exceptions import ClientError
        try:
            managed = self.kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
        except ClientError as e:
            self.assertEqual(e.response["Error"]["Code"], "NotFoundException")
            self.skipTest("this build has no AWS managed keys (alias/aws/s3)")
        self.assertEqual(managed["KeyManager"], "AWS")
        key_id = managed["KeyId"]
        self.assertAwsError("AccessDeniedException", self.kms.tag_resource, KeyId=key_id,
                            Tags=[{"TagKey": "a", "TagValue": "1"}])
        self.assertAwsError("AccessDeniedException", self.kms.untag_resource, KeyId=key_id,
                            TagKeys=["a"])
        self.assertAwsError("AccessDeniedException", self.kms.update_key_description,
                            KeyId=key_id, Description="mine")
        self.assertEqual(tags_of(self.kms, key_id)["Tags"], [])
        self.assertEqual(last_usage(self.kms, key_id)["KeyId"], key_id)

    def test_missing_members(self):
        key = self.new_key()
        self.assertAwsError("ValidationException", self.kms.tag_resource, KeyId=key["KeyId"])
        self.assertAwsError("ValidationException", self.kms.untag_resource, KeyId=key["KeyId"])
        self.assertAwsError("ValidationException", self.kms.update_key_description,
                            KeyId=key["KeyId"])


class Descriptions(harness.TrentdTestCase):

    def test_update_seen_by_describe_key(self):
        key = self.new_key(Description="before")
        self.kms.update_key_description(KeyId=key["Arn"], Description="after")
        self.assertEqual(self.kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["Description"],
                         "after")
        self.kms.update_key_description(KeyId=key["KeyId"], Description="")
        self.assertEqual(self.kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["Description"], "")
        ids = [k["KeyId"] for k in self.kms.list_keys(Limit=1000)["Keys"]]
        self.assertIn(key["KeyId"], ids)
        self.assertAwsError("ValidationException", self.kms.update_key_description,
                            KeyId=key["KeyId"], Description="d" * 8193)


class LastUsage(harness.TrentdTestCase):

    def assertLastUsed(self, key_id, operation, response, before):
        answer = last_usage(self.kms, key_id)
        used = answer["KeyLastUsage"]
        self.assertEqual(used["Operation"], operation)
        self.assertEqual(used["KmsRequestId"], request_id(response))
        # CloudTrail's eventID of the request: an id of its own (the audit log's, see
        # observability.py).
        self.assertRegex(used["CloudTrailEventId"], UUID_V4)
        self.assertNotEqual(used["CloudTrailEventId"], request_id(response))
        stamp = used["Timestamp"]
        stamp = stamp.timestamp() if hasattr(stamp, "timestamp") else stamp
        self.assertGreaterEqual(stamp, before - 1)
        self.assertLessEqual(stamp, time.time() + 1)

    def test_each_operation(self):
        key = self.new_key()
        other = self.new_key()
        fresh = last_usage(self.kms, key["KeyId"])
        self.assertEqual(fresh["KeyId"], key["KeyId"])
        self.assertFalse(fresh.get("KeyLastUsage"))
        created = key["CreationDate"].timestamp()
        for name in ("TrackingStartDate", "KeyCreationDate"):
            value = fresh[name]
            value = value.timestamp() if hasattr(value, "timestamp") else value
            self.assertAlmostEqual(value, created, delta=0.002)

        before = time.time()
        enc = self.kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")
        self.assertLastUsed(key["KeyId"], "Encrypt", enc, before)
        dec = self.kms.decrypt(CiphertextBlob=enc["CiphertextBlob"])
        self.assertLastUsed(key["KeyId"], "Decrypt", dec, before)
        gdk = self.kms.generate_data_key(KeyId=key["Arn"], KeySpec="AES_256")
        self.assertLastUsed(key["KeyId"], "GenerateDataKey", gdk, before)
        gdkw = self.kms.generate_data_key_without_plaintext(KeyId=key["KeyId"], NumberOfBytes=16)
        self.assertLastUsed(key["KeyId"], "GenerateDataKeyWithoutPlaintext", gdkw, before)
        # ReEncrypt counts for both keys.
        re = self.kms.re_encrypt(CiphertextBlob=gdkw["CiphertextBlob"], DestinationKeyId=other["KeyId"])
        self.assertLastUsed(key["KeyId"], "ReEncrypt", re, before)
        self.assertLastUsed(other["KeyId"], "ReEncrypt", re, before)

    def test_failures_are_not_recorded(self):
        key = self.new_key()
        enc = self.kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")
        self.assertAwsError("InvalidCiphertextException", self.kms.decrypt,
                            CiphertextBlob=enc["CiphertextBlob"], EncryptionContext={"a": "b"})
        self.kms.disable_key(KeyId=key["KeyId"])
        self.assertAwsError("DisabledException", self.kms.encrypt, KeyId=key["KeyId"], Plaintext=b"x")
        self.kms.enable_key(KeyId=key["KeyId"])
        # By hand: older botocore does not know DryRun.
        self.assertAwsError("DryRunOperationException", harness.call_by_hand, self.kms, "Encrypt",
                            KeyId=key["KeyId"], Plaintext=b"x", DryRun=True)
        self.assertLastUsed(key["KeyId"], "Encrypt", enc, time.time() - 60)

    def test_errors(self):
        missing = "11111111-2222-3333-4444-555555555555"
        status, answer, rid = self.server.kms_call("GetKeyLastUsage", {"KeyId": missing})
        self.assertEqual((status, answer["__type"]), (400, "NotFoundException"))
        self.assertTrue(rid)
        status, answer, _ = self.server.kms_call("GetKeyLastUsage", {"KeyId": "alias/x"})
        self.assertEqual((status, answer["__type"]), (400, "NotFoundException"))
        status, answer, _ = self.server.kms_call("GetKeyLastUsage", {})
        self.assertEqual((status, answer["__type"]), (400, "ValidationException"))


class LastUsageRestart(unittest.TestCase):

    def test_survives_graceful_restart(self):
        server = harness.Trentd()
        self.addCleanup(server.close)
        server.start()
        kms = server.client()
        used = kms.create_key()["KeyMetadata"]
        unused = kms.create_key()["KeyMetadata"]
        enc = kms.encrypt(KeyId=used["KeyId"], Plaintext=b"x")
        before = last_usage(kms, used["KeyId"])
        self.assertEqual(server.stop(), 0)
        server.start()
        kms = server.client()
        after = last_usage(kms, used["KeyId"])
        self.assertEqual(after["KeyLastUsage"]["KmsRequestId"], request_id(enc))
        self.assertEqual(after, before)
        self.assertFalse(last_usage(kms, unused["KeyId"]).get("KeyLastUsage"))

    def test_flushed_in_the_background(self):
        """Stored within the flush interval (5 s): a kill -9 after it loses nothing."""
        server = harness.Trentd()
        self.addCleanup(server.close)
        server.start()
        kms = server.client()
        key = kms.create_key()["KeyMetadata"]
        enc = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")
        time.sleep(6.5)
        server.kill()
        server.start()
        after = last_usage(server.client(), key["KeyId"])
        self.assertEqual(after["KeyLastUsage"]["KmsRequestId"], request_id(enc))


if __name__ == "__main__":
    harness.main()
