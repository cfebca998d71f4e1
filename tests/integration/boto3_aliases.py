"""boto3 against trentd: CreateAlias, UpdateAlias, DeleteAlias, ListAliases, keys named by alias
name and alias ARN, AWS managed keys (alias/aws/<service>) and aliases across a restart."""

import concurrent.futures
import datetime
import json
import uuid

import harness

ACCOUNT = "111122223333"
PREDEFINED = [
    "alias/aws/acm", "alias/aws/dynamodb", "alias/aws/ebs", "alias/aws/elasticfilesystem",
    "alias/aws/es", "alias/aws/glue", "alias/aws/kinesisvideo", "alias/aws/lambda",
    "alias/aws/rds", "alias/aws/redshift", "alias/aws/s3", "alias/aws/secretsmanager",
    "alias/aws/ssm", "alias/aws/xray",
]


def unique(prefix="alias/test-"):
    return prefix + uuid.uuid4().hex[:12]


def alias_arn(name, region="us-east-1", account=ACCOUNT):
    return f"arn:aws:kms:{region}:{account}:{name}"


def all_aliases(client, **kwargs):
    out, marker = [], None
    while True:
        page = client.list_aliases(**kwargs, **({"Marker": marker} if marker else {}))
        out += page["Aliases"]
        if not page["Truncated"]:
            assert "NextMarker" not in page
            return out
        marker = page["NextMarker"]


class CreateAndUse(harness.TrentdTestCase):

    def test_create_then_use_by_name_and_arn(self):
        key = self.new_key()
        name = unique()
        before = datetime.datetime.now(datetime.timezone.utc)
        out = self.kms.create_alias(AliasName=name, TargetKeyId=key["KeyId"])
        self.assertEqual(set(out) - {"ResponseMetadata"}, set())

        for ref in (name, alias_arn(name)):
            with self.subTest(ref=ref):
                md = self.kms.describe_key(KeyId=ref)["KeyMetadata"]
                self.assertEqual(md["KeyId"], key["KeyId"])
                blob = self.kms.encrypt(KeyId=ref, Plaintext=b"via alias")
                self.assertEqual(blob["KeyId"], key["Arn"])
                plain = self.kms.decrypt(CiphertextBlob=blob["CiphertextBlob"], KeyId=ref)
                self.assertEqual(plain["Plaintext"], b"via alias")
                dk = self.kms.generate_data_key(KeyId=ref, KeySpec="AES_256")
                self.assertEqual(dk["KeyId"], key["Arn"])
                self.kms.generate_data_key_without_plaintext(KeyId=ref, NumberOfBytes=32)
                re = self.kms.re_encrypt(CiphertextBlob=blob["CiphertextBlob"],
                                         DestinationKeyId=ref, SourceKeyId=ref)
                self.assertEqual(re["KeyId"], key["Arn"])

        listed = [a for a in all_aliases(self.kms) if a["AliasName"] == name]
        self.assertEqual(len(listed), 1)
        entry = listed[0]
        self.assertEqual(entry["AliasArn"], alias_arn(name))
        self.assertEqual(entry["TargetKeyId"], key["KeyId"])
        self.assertEqual(entry["CreationDate"], entry["LastUpdatedDate"])
        self.assertLess(abs((entry["CreationDate"] - before).total_seconds()), 60)

    def test_target_by_key_arn(self):
        key = self.new_key()
        name = unique()
        self.kms.create_alias(AliasName=name, TargetKeyId=key["Arn"])
        self.assertEqual(self.kms.describe_key(KeyId=name)["KeyMetadata"]["Arn"], key["Arn"])

    def test_create_errors(self):
        key = self.new_key()
        name = unique()
        self.kms.create_alias(AliasName=name, TargetKeyId=key["KeyId"])
        self.assertAwsError("AlreadyExistsException", self.kms.create_alias, AliasName=name,
                            TargetKeyId=self.new_key()["KeyId"],
                            message=f"An alias with the name {alias_arn(name)} already exists")
        self.assertAwsError(
            "ValidationException", self.kms.create_alias, AliasName="no-prefix",
            TargetKeyId=key["KeyId"],
            message='Alias must start with the prefix "alias/". Please see '
                    "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html")
        for reserved in ("alias/aws/s3", "alias/aws/mine"):
            with self.subTest(reserved=reserved):
                self.assertAwsError("NotAuthorizedException", self.kms.create_alias,
                                    AliasName=reserved, TargetKeyId=key["KeyId"])
        self.assertAwsError("ValidationException", self.kms.create_alias,
                            AliasName="alias/a:b", TargetKeyId=key["KeyId"],
                            message="alias/a:b contains invalid characters for an alias")
        self.assertAwsError("ValidationException", self.kms.create_alias,
                            AliasName="alias/bad name!", TargetKeyId=key["KeyId"],
                            message_contains="Member must satisfy regular expression pattern")
        missing = str(uuid.uuid4())
        self.assertAwsError("NotFoundException", self.kms.create_alias, AliasName=unique(),
                            TargetKeyId=missing,
                            message=f"Key 'arn:aws:kms:us-east-1:{ACCOUNT}:key/{missing}' "
                                    "does not exist")
        # The target is a key id or key ARN, never an alias.
        self.assertAwsError("NotFoundException", self.kms.create_alias, AliasName=unique(),
                            TargetKeyId=name, message=f"Invalid keyId '{name}'")

    def test_target_pending_deletion_refused(self):
        key = self.new_key()
        self.kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
        self.assertAwsError("KMSInvalidStateException", self.kms.create_alias,
                            AliasName=unique(), TargetKeyId=key["KeyId"],
                            message=f"{key['Arn']} is pending deletion.")

    def test_disabled_target_allowed(self):
        key = self.new_key()
        self.kms.disable_key(KeyId=key["KeyId"])
        name = unique()
        self.kms.create_alias(AliasName=name, TargetKeyId=key["KeyId"])
        self.assertAwsError("DisabledException", self.kms.encrypt, KeyId=name, Plaintext=b"x",
                            message=f"{key['Arn']} is disabled.")

    def test_unknown_alias(self):
        name = unique()
        for ref in (name, alias_arn(name)):
            with self.subTest(ref=ref):
                self.assertAwsError("NotFoundException", self.kms.encrypt, KeyId=ref,
                                    Plaintext=b"x", message=f"Alias {alias_arn(name)} is not found.")
                self.assertAwsError("NotFoundException", self.kms.describe_key, KeyId=ref,
                                    message=f"Alias {alias_arn(name)} is not found.")

    def test_key_management_ops_refuse_aliases(self):
        key = self.new_key()
        name = unique()
        self.kms.create_alias(AliasName=name, TargetKeyId=key["KeyId"])
        for ref in (name, alias_arn(name)):
            for fn, extra in ((self.kms.enable_key, {}), (self.kms.disable_key, {}),
                              (self.kms.schedule_key_deletion, {}),
                              (self.kms.cancel_key_deletion, {})):
                with self.subTest(ref=ref, op=fn.__name__):
                    self.assertAwsError("NotFoundException", fn, KeyId=ref, **extra,
                                        message=f"Invalid keyId '{ref}'")
        self.assertEqual(self.kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"],
                         "Enabled")

    def test_per_key_limit(self):
        key = self.new_key()
        for i in range(50):
            self.kms.create_alias(AliasName=f"alias/limit-{key['KeyId']}-{i}",
                                  TargetKeyId=key["KeyId"])
        # AWS's text (scylladb/scylla-cluster-tests issue 7611).
        full = "Aliases per key quota for this account in this region is 50, current usage is 50."
        self.assertAwsError("LimitExceededException", self.kms.create_alias,
                            AliasName=unique(), TargetKeyId=key["KeyId"], message=full)
        other = self.new_key()
        moving = f"alias/limit-{key['KeyId']}-0"
        # An alias moved onto the full key is refused too; moved away, it frees a place.
        extra = unique()
        self.kms.create_alias(AliasName=extra, TargetKeyId=other["KeyId"])
        self.assertAwsError("LimitExceededException", self.kms.update_alias,
                            AliasName=extra, TargetKeyId=key["KeyId"], message=full)
        self.kms.update_alias(AliasName=moving, TargetKeyId=other["KeyId"])
        self.kms.update_alias(AliasName=extra, TargetKeyId=key["KeyId"])
        self.assertEqual(len(all_aliases(self.kms, KeyId=key["KeyId"])), 50)


class UpdateAndDelete(harness.TrentdTestCase):

    def test_retarget_then_crypto_follows(self):
        first, second = self.new_key(), self.new_key()
        name = unique()
        self.kms.create_alias(AliasName=name, TargetKeyId=first["KeyId"])
        old = self.kms.encrypt(KeyId=name, Plaintext=b"old")
        self.assertEqual(old["KeyId"], first["Arn"])
        created = [a for a in all_aliases(self.kms) if a["AliasName"] == name][0]

        out = self.kms.update_alias(AliasName=name, TargetKeyId=second["Arn"])
        self.assertEqual(set(out) - {"ResponseMetadata"}, set())
        new = self.kms.encrypt(KeyId=name, Plaintext=b"new")
        self.assertEqual(new["KeyId"], second["Arn"])
        # Both ciphertexts still decrypt, each under its own key.
        self.assertEqual(self.kms.decrypt(CiphertextBlob=old["CiphertextBlob"])["KeyId"],
                         first["Arn"])
        self.assertEqual(self.kms.decrypt(CiphertextBlob=new["CiphertextBlob"],
                                          KeyId=name)["Plaintext"], b"new")
        # The alias now names the second key: Decrypt of the first key's ciphertext with it fails.
        self.assertAwsError("IncorrectKeyException", self.kms.decrypt,
                            CiphertextBlob=old["CiphertextBlob"], KeyId=name)

        entry = [a for a in all_aliases(self.kms) if a["AliasName"] == name][0]
        self.assertEqual(entry["TargetKeyId"], second["KeyId"])
        self.assertEqual(entry["CreationDate"], created["CreationDate"])
        self.assertGreaterEqual(entry["LastUpdatedDate"], created["LastUpdatedDate"])
        self.assertEqual([a["AliasName"] for a in all_aliases(self.kms, KeyId=first["KeyId"])],
                         [])
        self.assertEqual([a["AliasName"] for a in all_aliases(self.kms, KeyId=second["KeyId"])],
                         [name])

    def test_update_errors(self):
        key = self.new_key()
        missing = unique()
        self.assertAwsError("NotFoundException", self.kms.update_alias, AliasName=missing,
                            TargetKeyId=key["KeyId"],
                            message=f"Alias {alias_arn(missing)} is not found.")
        self.assertAwsError("NotAuthorizedException", self.kms.update_alias,
                            AliasName="alias/aws/s3", TargetKeyId=key["KeyId"])
        self.assertAwsError("ValidationException", self.kms.update_alias, AliasName="x",
                            TargetKeyId=key["KeyId"], message_contains='prefix "alias/"')
        name = unique()
        self.kms.create_alias(AliasName=name, TargetKeyId=key["KeyId"])
        doomed = self.new_key()
        self.kms.schedule_key_deletion(KeyId=doomed["KeyId"], PendingWindowInDays=7)
        self.assertAwsError("KMSInvalidStateException", self.kms.update_alias, AliasName=name,
                            TargetKeyId=doomed["KeyId"],
                            message=f"{doomed['Arn']} is pending deletion.")
        self.assertEqual(self.kms.describe_key(KeyId=name)["KeyMetadata"]["KeyId"],
                         key["KeyId"])

    def test_alias_of_key_pending_deletion_stays_until_purge(self):
        key = self.new_key()
        name = unique()
        self.kms.create_alias(AliasName=name, TargetKeyId=key["KeyId"])
        self.kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
        self.assertEqual(self.kms.describe_key(KeyId=name)["KeyMetadata"]["KeyState"],
                         "PendingDeletion")
        # An alias may leave a key pending deletion.
        other = self.new_key()
        self.kms.update_alias(AliasName=name, TargetKeyId=other["KeyId"])

    def test_delete(self):
        key = self.new_key()
        name = unique()
        self.kms.create_alias(AliasName=name, TargetKeyId=key["KeyId"])
        out = self.kms.delete_alias(AliasName=name)
        self.assertEqual(set(out) - {"ResponseMetadata"}, set())
        self.assertAwsError("NotFoundException", self.kms.describe_key, KeyId=name,
                            message=f"Alias {alias_arn(name)} is not found.")
        self.assertAwsError("NotFoundException", self.kms.delete_alias, AliasName=name,
                            message=f"Alias {alias_arn(name)} is not found.")
        self.assertNotIn(name, [a["AliasName"] for a in all_aliases(self.kms)])
        # The key is untouched and the name can be used again.
        self.kms.describe_key(KeyId=key["KeyId"])
        self.kms.create_alias(AliasName=name, TargetKeyId=key["KeyId"])

    def test_delete_errors(self):
        self.assertAwsError("ValidationException", self.kms.delete_alias, AliasName="nope",
                            message_contains='prefix "alias/"')
        self.assertAwsError(
            "KMSInvalidStateException", self.kms.delete_alias, AliasName="alias/aws/s3",
            message="The alias alias/aws/s3 is a AWS managed alias and cannot be deleted.")


class Listing(harness.TrentdTestCase):

    def test_paging_across_pages(self):
        key = self.new_key()
        names = sorted(f"alias/page-{key['KeyId'][:8]}-{i:02d}" for i in range(23))
        for name in names:
            self.kms.create_alias(AliasName=name, TargetKeyId=key["KeyId"])
        pages, marker, seen = 0, None, []
        while True:
            page = self.kms.list_aliases(Limit=5, **({"Marker": marker} if marker else {}))
            self.assertLessEqual(len(page["Aliases"]), 5)
            seen += page["Aliases"]
            pages += 1
            if not page["Truncated"]:
                break
            self.assertEqual(len(page["Aliases"]), 5)
            marker = page["NextMarker"]
        listed = [a["AliasName"] for a in seen]
        self.assertEqual(listed, sorted(listed))
        self.assertEqual(len(listed), len(set(listed)))
        self.assertTrue(set(names) <= set(listed))
        self.assertGreaterEqual(pages, 8)

        by_key = []
        marker = None
        while True:
            page = self.kms.list_aliases(KeyId=key["Arn"], Limit=10,
                                         **({"Marker": marker} if marker else {}))
            by_key += [a["AliasName"] for a in page["Aliases"]]
            if not page["Truncated"]:
                break
            marker = page["NextMarker"]
        self.assertEqual(by_key, names)

    def test_default_limit_is_50(self):
        key = self.new_key()
        for i in range(45):
            self.kms.create_alias(AliasName=f"alias/default-{i:02d}", TargetKeyId=key["KeyId"])
        page = self.kms.list_aliases()
        self.assertEqual(len(page["Aliases"]), 50)
        self.assertTrue(page["Truncated"])

    def test_limit_bounds(self):
        self.assertAwsError("ValidationException", self.kms.list_aliases, Limit=0)
        self.assertAwsError("ValidationException", self.kms.list_aliases, Limit=1001)
        # AWS documents 1..100 for ListAliases (the model allows 1000): at most 100 come back.
        key = self.new_key()
        for i in range(100):
            self.kms.create_alias(AliasName=f"alias/bounds-{i:03d}",
                                  TargetKeyId=key["KeyId"] if i < 50 else self.new_key()["KeyId"])
        page = self.kms.list_aliases(Limit=1000)
        self.assertEqual(len(page["Aliases"]), 100)
        self.assertTrue(page["Truncated"])

    def test_predefined_aws_aliases_listed_without_target(self):
        client = self.server.client(region="eu-north-1")
        listed = all_aliases(client)
        predefined = [a for a in listed if a["AliasName"].startswith("alias/aws/")]
        self.assertEqual([a["AliasName"] for a in predefined], PREDEFINED)
        for a in predefined:
            self.assertEqual(a["AliasArn"], alias_arn(a["AliasName"], region="eu-north-1"))
            self.assertNotIn("TargetKeyId", a)
            self.assertNotIn("CreationDate", a)

    def test_key_filter_errors(self):
        missing = str(uuid.uuid4())
        self.assertAwsError("NotFoundException", self.kms.list_aliases, KeyId=missing,
                            message=f"Key 'arn:aws:kms:us-east-1:{ACCOUNT}:key/{missing}' "
                                    "does not exist")
        self.assertEqual(self.kms.list_aliases(KeyId=self.new_key()["KeyId"])["Aliases"], [])


class Regions(harness.TrentdTestCase):

    def test_same_name_in_two_regions(self):
        west = self.server.client(region="us-west-2")
        east_key, west_key = self.new_key(), self.new_key(west)
        name = unique()
        self.kms.create_alias(AliasName=name, TargetKeyId=east_key["KeyId"])
        west.create_alias(AliasName=name, TargetKeyId=west_key["KeyId"])
        self.assertEqual(self.kms.describe_key(KeyId=name)["KeyMetadata"]["Arn"], east_key["Arn"])
        self.assertEqual(west.describe_key(KeyId=name)["KeyMetadata"]["Arn"], west_key["Arn"])
        # An alias ARN of another region is refused, as AWS refuses a key ARN of another region.
        self.assertAwsError("NotFoundException", self.kms.describe_key,
                            KeyId=alias_arn(name, region="us-west-2"),
                            message="Invalid arn us-west-2")
        # A key of another region cannot be an alias's target.
        self.assertAwsError("NotFoundException", self.kms.create_alias, AliasName=unique(),
                            TargetKeyId=west_key["Arn"], message="Invalid arn us-west-2")
        self.kms.delete_alias(AliasName=name)
        self.assertEqual(west.describe_key(KeyId=name)["KeyMetadata"]["Arn"], west_key["Arn"])

    def test_alias_arn_of_another_account(self):
        key = self.new_key()
        name = unique()
        self.kms.create_alias(AliasName=name, TargetKeyId=key["KeyId"])
        other = alias_arn(name, account="444455556666")
        self.assertAwsError("NotFoundException", self.kms.describe_key, KeyId=other,
                            message=f"Alias {other} is not found.")


class AwsManagedKeys(harness.TrentdTestCase):

    def test_created_on_first_use(self):
        client = self.server.client(region="ap-southeast-2")
        md = client.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
        self.assertEqual(md["KeyManager"], "AWS")
        self.assertEqual(md["KeyState"], "Enabled")
        self.assertEqual(md["Description"],
                         "Default key that protects my S3 objects when no other key is defined")
        self.assertEqual(md["KeySpec"], "SYMMETRIC_DEFAULT")
        # The same key from then on, by name and by ARN.
        again = client.describe_key(KeyId=alias_arn("alias/aws/s3", region="ap-southeast-2"))
        self.assertEqual(again["KeyMetadata"]["KeyId"], md["KeyId"])
        entry = [a for a in all_aliases(client) if a["AliasName"] == "alias/aws/s3"][0]
        self.assertEqual(entry["TargetKeyId"], md["KeyId"])
        self.assertIn(md["KeyId"], [k["KeyId"] for k in client.list_keys()["Keys"]])
        self.assertEqual([a["AliasName"] for a in client.list_aliases(KeyId=md["KeyId"])["Aliases"]],
                         ["alias/aws/s3"])

    def test_not_for_direct_cryptographic_use(self):
        # Their policy allows cryptography only through the AWS service (kms:ViaService),
        # which no request to trent comes through; the first use still creates the key.
        client = self.server.client(region="ca-central-1")
        for fn, action, kwargs in (
                (client.encrypt, "kms:Encrypt", {"Plaintext": b"x"}),
                (client.generate_data_key, "kms:GenerateDataKey", {"KeySpec": "AES_256"})):
            with self.subTest(action=action):
                err = self.assertAwsError("AccessDeniedException", fn, KeyId="alias/aws/ebs",
                                          **kwargs)
                md = client.describe_key(KeyId="alias/aws/ebs")["KeyMetadata"]
                self.assertEqual(md["KeyManager"], "AWS")
                self.assertEqual(
                    err["Message"],
                    f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: {action} "
                    f"on resource: {md['Arn']} because no resource-based policy allows the "
                    f"{action} action")

    def test_unknown_aws_alias_not_created(self):
        self.assertAwsError("NotFoundException", self.kms.describe_key,
                            KeyId="alias/aws/not-a-service",
                            message=f"Alias {alias_arn('alias/aws/not-a-service')} is not found.")

    def test_concurrent_first_uses_make_one_key(self):
        region = "sa-east-1"
        clients = [self.server.client(region=region, max_pool_connections=2) for _ in range(8)]

        def use(i):
            client = clients[i % len(clients)]
            return client.describe_key(KeyId="alias/aws/dynamodb")["KeyMetadata"]["Arn"]

        with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
            arns = set(pool.map(use, range(32)))
        self.assertEqual(len(arns), 1)
        managed = [k for k in clients[0].list_keys()["Keys"]
                   if clients[0].describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyManager"]
                   == "AWS"]
        self.assertEqual([k["KeyArn"] for k in managed], list(arns))

    def test_refused_operations(self):
        client = self.server.client(region="eu-west-3")
        md = client.describe_key(KeyId="alias/aws/lambda")["KeyMetadata"]
        for fn, action, extra in (
                (client.enable_key, "kms:EnableKey", {}),
                (client.disable_key, "kms:DisableKey", {}),
                (client.schedule_key_deletion, "kms:ScheduleKeyDeletion", {}),
                (client.cancel_key_deletion, "kms:CancelKeyDeletion", {})):
            with self.subTest(action=action):
                self.assertAwsError(
                    "AccessDeniedException", fn, KeyId=md["KeyId"], **extra,
                    message=f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: "
                            f"{action} on resource: {md['Arn']} because no resource-based "
                            f"policy allows the {action} action")
        self.assertAwsError("AccessDeniedException", client.create_alias, AliasName=unique(),
                            TargetKeyId=md["KeyId"], message_contains="kms:CreateAlias")
        name = unique()
        client.create_alias(AliasName=name, TargetKeyId=self.new_key(client)["KeyId"])
        self.assertAwsError("AccessDeniedException", client.update_alias, AliasName=name,
                            TargetKeyId=md["Arn"], message_contains="kms:UpdateAlias")
        self.assertAwsError("NotAuthorizedException", client.update_alias,
                            AliasName="alias/aws/lambda", TargetKeyId=self.new_key(client)["KeyId"])
        self.assertEqual(client.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["KeyState"],
                         "Enabled")


class Purge(harness.TrentdTestCase):
    trentd_args = ("--test-clock",)

    def test_purged_key_takes_its_aliases(self):
        doomed, kept = self.new_key(), self.new_key()
        gone = [unique(), unique()]
        for name in gone:
            self.kms.create_alias(AliasName=name, TargetKeyId=doomed["KeyId"])
        stays = unique()
        self.kms.create_alias(AliasName=stays, TargetKeyId=kept["KeyId"])
        self.kms.schedule_key_deletion(KeyId=doomed["KeyId"], PendingWindowInDays=7)
        self.server.advance_clock(8 * 24 * 60 * 60)

        self.assertAwsError("NotFoundException", self.kms.describe_key, KeyId=doomed["KeyId"])
        for name in gone:
            self.assertAwsError("NotFoundException", self.kms.describe_key, KeyId=name,
                                message=f"Alias {alias_arn(name)} is not found.")
        listed = [a["AliasName"] for a in all_aliases(self.kms)]
        self.assertFalse(set(gone) & set(listed))
        self.assertIn(stays, listed)
        # The names are free again, and stay gone after a restart (deleted from storage too).
        self.server.stop()
        self.server.start()
        kms = self.server.client()
        self.assertFalse(set(gone) & {a["AliasName"] for a in all_aliases(kms)})
        self.assertEqual(kms.describe_key(KeyId=stays)["KeyMetadata"]["KeyId"], kept["KeyId"])
        kms.create_alias(AliasName=gone[0], TargetKeyId=kept["KeyId"])


class Restart(harness.TrentdTestCase):

    def test_aliases_survive_restart(self):
        key, other = self.new_key(), self.new_key()
        kept, moved, deleted = unique(), unique(), unique()
        for name in (kept, moved, deleted):
            self.kms.create_alias(AliasName=name, TargetKeyId=key["KeyId"])
        self.kms.update_alias(AliasName=moved, TargetKeyId=other["KeyId"])
        self.kms.delete_alias(AliasName=deleted)
        managed = self.kms.describe_key(KeyId="alias/aws/rds")["KeyMetadata"]
        before = {a["AliasName"]: a for a in all_aliases(self.kms)}

        self.server.stop()
        self.server.start()
        kms = self.server.client()
        after = {a["AliasName"]: a for a in all_aliases(kms)}
        self.assertEqual(after, before)
        self.assertEqual(kms.describe_key(KeyId=kept)["KeyMetadata"]["KeyId"], key["KeyId"])
        self.assertEqual(kms.describe_key(KeyId=moved)["KeyMetadata"]["KeyId"], other["KeyId"])
        self.assertAwsError("NotFoundException", kms.describe_key, KeyId=deleted)
        self.assertEqual(kms.describe_key(KeyId="alias/aws/rds")["KeyMetadata"]["KeyId"],
                         managed["KeyId"])

        # Another account on the same data: none of these aliases is its.
        self.server.stop()
        self.server.extra_args += ["--default-account", "444455556666"]
        self.server.start()
        kms = self.server.client()
        names = [a["AliasName"] for a in all_aliases(kms)]
        self.assertEqual(names, PREDEFINED)
        self.assertAwsError("NotFoundException", kms.describe_key, KeyId=kept,
                            message=f"Alias {alias_arn(kept, account='444455556666')} is not found.")


if __name__ == "__main__":
    harness.main()
