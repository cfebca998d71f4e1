"""Key policies through boto3 against a real trentd: the default key policy, GetKeyPolicy,
PutKeyPolicy, ListKeyPolicies and CreateKey's Policy; the parser's refusals, the size quota, the
lockout safety check and its bypass; policies across restarts, and keys stored before trent kept
a policy for every key."""

import json
import os
import sqlite3

import harness

ACCOUNT = "111122223333"  # trentd's default account: every caller here is its root
ROOT = f"arn:aws:iam::{ACCOUNT}:root"

# AWS's default key policy as GetKeyPolicy returns it (the example response of
# docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html).
DEFAULT_POLICY = (
    '{\n  "Version" : "2012-10-17",\n  "Id" : "key-default-1",\n  "Statement" : [ {\n'
    '    "Sid" : "Enable IAM User Permissions",\n    "Effect" : "Allow",\n'
    '    "Principal" : {\n      "AWS" : "arn:aws:iam::111122223333:root"\n    },\n'
    '    "Action" : "kms:*",\n    "Resource" : "*"\n  } ]\n}')

# The key policy AWS gives its AWS managed key for S3 (GetKeyPolicy in us-east-1, recorded from
# a real account in 2025 by github.com/FogSecurity/aws-managed-kms-keys).
AWS_S3_POLICY = (
    '{\n  "Version" : "2012-10-17",\n  "Id" : "auto-s3-2",\n  "Statement" : [ {\n'
    '    "Sid" : "Allow access through S3 for all principals in the account that are authorized'
    ' to use S3",\n    "Effect" : "Allow",\n    "Principal" : {\n      "AWS" : "*"\n    },\n'
    '    "Action" : [ "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",'
    ' "kms:DescribeKey" ],\n    "Resource" : "*",\n    "Condition" : {\n'
    '      "StringEquals" : {\n        "kms:CallerAccount" : "111122223333",\n'
    '        "kms:ViaService" : "s3.us-east-1.amazonaws.com"\n      }\n    }\n  }, {\n'
    '    "Sid" : "Allow direct access to key metadata to the account",\n'
    '    "Effect" : "Allow",\n    "Principal" : {\n'
    '      "AWS" : "arn:aws:iam::111122223333:root"\n    },\n'
    '    "Action" : [ "kms:Describe*", "kms:Get*", "kms:List*" ],\n    "Resource" : "*"\n'
    '  } ]\n}')

LOCKOUT = "The new key policy will not allow you to update the key policy in the future."
INVALID_PRINCIPALS = "Policy contains a statement with one or more invalid principals."


def policy(*statements, indent=None):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=indent)


def allow(principal, action="kms:*", **extra):
    return {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": action,
            "Resource": "*", **extra}


# Lets the account's root read the key but not change its policy: the lockout check refuses
# it, its bypass accepts it, and GetKeyPolicy still works for the root afterwards.
READ_ONLY = policy(allow(ROOT, ["kms:Describe*", "kms:Get*", "kms:List*"]))


class KeyPolicies(harness.TrentdTestCase):

    def test_a_new_key_has_the_default_policy(self):
        key = self.new_key()["KeyId"]
        # By hand: older botocore drops PolicyName from the answer.
        out = harness.call_by_hand(self.kms, "GetKeyPolicy", KeyId=key, PolicyName="default")
        self.assertEqual(out["Policy"], DEFAULT_POLICY)
        self.assertEqual(out["PolicyName"], "default")
        document = json.loads(out["Policy"])
        self.assertEqual(document, {
            "Version": "2012-10-17", "Id": "key-default-1",
            "Statement": [{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                           "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"}]})
        # PolicyName is optional in newer models: "default" when absent.
        self.assertEqual(self.kms.get_key_policy(KeyId=key)["Policy"], DEFAULT_POLICY)

    def test_put_then_get_returns_the_text_as_given(self):
        key = self.new_key()
        text = policy(allow(ROOT), allow("arn:aws:iam::111122223333:user/alice",
                                         ["kms:Encrypt", "kms:Decrypt"]), indent=4)
        self.assertEqual(
            self.kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=text)
            ["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(self.kms.get_key_policy(KeyId=key["Arn"])["Policy"], text)
        # PolicyName may be left out of PutKeyPolicy too.
        compact = policy(allow(ACCOUNT))
        self.kms.put_key_policy(KeyId=key["KeyId"], Policy=compact)
        self.assertEqual(self.kms.get_key_policy(KeyId=key["KeyId"])["Policy"], compact)

    def test_create_key_with_a_policy(self):
        text = policy(allow("*", "kms:*"))
        key = self.new_key(Policy=text)["KeyId"]
        self.assertEqual(self.kms.get_key_policy(KeyId=key)["Policy"], text)

    def test_malformed_documents_are_refused(self):
        key = self.new_key()["KeyId"]
        bad_principal = policy(allow("arn:aws::111122223333:root"))  # no service
        for call in (lambda p: self.kms.put_key_policy(KeyId=key, Policy=p),
                     lambda p: self.kms.create_key(Policy=p)):
            self.assertAwsError("MalformedPolicyDocumentException", call, bad_principal,
                                message=INVALID_PRINCIPALS)
            # An IAM ARN that cannot name a principal: AWS answers InvalidArnException (a
            # group: aws/aws-cdk issues 573 and 24125; an empty account: a Terraform apply).
            for arn in ("arn:aws:iam::111122223333:group/admins", "arn:aws:iam:::root"):
                with self.subTest(arn=arn):
                    self.assertAwsError("InvalidArnException", call, policy(allow(arn)),
                                        message="An ARN in the specified key policy is invalid.")
            # The parser's reasons (policy/messages.h).
            for text, reason in (
                    ("this is not JSON", "Policy is not a valid JSON object."),
                    ("[]", "Policy is not a valid JSON object."),
                    (policy({"Effect": "Allow", "Action": "kms:*", "Resource": "*"}),
                     "Policy contains a statement with no principal."),
                    (policy(allow(ROOT, Effect="Perhaps")),
                     "Policy contains a statement with an invalid Effect."),
                    ('{"Version":"2012-10-17"}',
                     "Policy contains no Statement.")):
                with self.subTest(text=text):
                    self.assertAwsError("MalformedPolicyDocumentException", call, text,
                                        message=reason)
        # Nothing changed.
        self.assertEqual(self.kms.get_key_policy(KeyId=key)["Policy"], DEFAULT_POLICY)

    def test_size_quota_is_32_kib(self):
        key = self.new_key()["KeyId"]
        base = policy(allow(ROOT))
        # Whitespace before the closing brace pads a valid document to an exact size.
        exact = base[:-1] + " " * (32768 - len(base)) + "}"
        self.assertEqual(len(exact.encode()), 32768)
        self.kms.put_key_policy(KeyId=key, Policy=exact)
        self.assertEqual(self.kms.get_key_policy(KeyId=key)["Policy"], exact)
        over = base[:-1] + " " * (32769 - len(base)) + "}"
        self.assertAwsError("LimitExceededException", self.kms.put_key_policy, KeyId=key,
                            Policy=over, message_contains="32768")
        self.assertAwsError("LimitExceededException", self.kms.create_key, Policy=over)
        self.assertEqual(self.kms.get_key_policy(KeyId=key)["Policy"], exact)
        # Beyond the model's 131072 characters the codec refuses it first.
        self.assertAwsError("ValidationException", self.kms.put_key_policy, KeyId=key,
                            Policy=base[:-1] + " " * 131072 + "}",
                            message_contains="Member must have length less than or equal to "
                                             "131072")

    def test_only_the_default_policy_name(self):
        key = self.new_key()["KeyId"]
        self.assertAwsError("NotFoundException", self.kms.get_key_policy, KeyId=key,
                            PolicyName="other", message="No such policy exists")
        self.assertAwsError("NotFoundException", self.kms.put_key_policy, KeyId=key,
                            PolicyName="other", Policy=policy(allow(ROOT)),
                            message="No such policy exists")
        self.assertEqual(self.kms.get_key_policy(KeyId=key)["Policy"], DEFAULT_POLICY)

    def test_lockout_safety_check_and_its_bypass(self):
        key = self.new_key()["KeyId"]
        refused = [
            READ_ONLY,
            # Only another principal may change it.
            policy(allow("arn:aws:iam::111122223333:user/alice")),
            # An explicit deny wins over the allow.
            policy(allow(ROOT), {"Effect": "Deny", "Principal": "*",
                                 "Action": "kms:PutKeyPolicy", "Resource": "*"}),
            # Another account's root.
            policy(allow("arn:aws:iam::444455556666:root")),
        ]
        for text in refused:
            with self.subTest(text=text):
                self.assertAwsError("MalformedPolicyDocumentException", self.kms.put_key_policy,
                                    KeyId=key, Policy=text, message=LOCKOUT)
                self.assertAwsError("MalformedPolicyDocumentException", self.kms.put_key_policy,
                                    KeyId=key, Policy=text, BypassPolicyLockoutSafetyCheck=False,
                                    message=LOCKOUT)
                self.assertAwsError("MalformedPolicyDocumentException", self.kms.create_key,
                                    Policy=text, message=LOCKOUT)
        self.assertEqual(self.kms.get_key_policy(KeyId=key)["Policy"], DEFAULT_POLICY)
        # Accepted: the caller itself, everyone, the caller's account by id or by its root.
        # (Each also lets the root read the policy back, as the key policy is enforced.)
        for text in (policy(allow("*")),
                     policy(allow(ACCOUNT, ["kms:PutKeyPolicy", "kms:GetKeyPolicy"])),
                     policy(allow(ROOT, ["kms:Put*", "kms:Get*"]))):
            with self.subTest(text=text):
                self.kms.put_key_policy(KeyId=key, Policy=text)
                self.assertEqual(self.kms.get_key_policy(KeyId=key)["Policy"], text)
        # The bypass takes what the check refuses.
        self.kms.put_key_policy(KeyId=key, Policy=READ_ONLY, BypassPolicyLockoutSafetyCheck=True)
        self.assertEqual(self.kms.get_key_policy(KeyId=key)["Policy"], READ_ONLY)
        # What the check warned of: the root may no longer change the policy.
        self.assertAwsError("AccessDeniedException", self.kms.put_key_policy, KeyId=key,
                            Policy=policy(allow("*")), BypassPolicyLockoutSafetyCheck=True,
                            message_contains="kms:PutKeyPolicy")
        created = self.new_key(Policy=READ_ONLY, BypassPolicyLockoutSafetyCheck=True)["KeyId"]
        self.assertEqual(self.kms.get_key_policy(KeyId=created)["Policy"], READ_ONLY)

    def test_list_key_policies(self):
        key = self.new_key()["KeyId"]
        for kwargs in ({}, {"Limit": 1}, {"Limit": 1000}):
            with self.subTest(**kwargs):
                out = self.kms.list_key_policies(KeyId=key, **kwargs)
                self.assertEqual(out["PolicyNames"], ["default"])
                self.assertFalse(out["Truncated"])
                self.assertNotIn("NextMarker", out)
        self.assertAwsError("ValidationException", self.kms.list_key_policies, KeyId=key,
                            Limit=0)
        self.assertAwsError("InvalidMarkerException", self.kms.list_key_policies, KeyId=key,
                            Marker="1")
        self.assertAwsError("NotFoundException", self.kms.list_key_policies,
                            KeyId="00000000-0000-4000-8000-000000000000")

    def test_every_key_state(self):
        # AWS's key state table allows the three operations in every state.
        key = self.new_key()["KeyId"]
        self.kms.disable_key(KeyId=key)
        self.kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
        text = policy(allow(ROOT))
        self.kms.put_key_policy(KeyId=key, Policy=text)
        self.assertEqual(self.kms.get_key_policy(KeyId=key)["Policy"], text)
        self.assertEqual(self.kms.list_key_policies(KeyId=key)["PolicyNames"], ["default"])

    def test_aws_managed_key(self):
        key = self.kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
        text = self.kms.get_key_policy(KeyId=key["KeyId"])["Policy"]
        self.assertEqual(text, AWS_S3_POLICY)
        self.assertEqual(self.kms.list_key_policies(KeyId=key["KeyId"])["PolicyNames"],
                         ["default"])
        # The account may not change an AWS managed key's policy.
        self.assertAwsError("AccessDeniedException", self.kms.put_key_policy,
                            KeyId=key["KeyId"], Policy=policy(allow("*")),
                            message_contains="kms:PutKeyPolicy")
        self.assertEqual(self.kms.get_key_policy(KeyId=key["KeyId"])["Policy"], text)


class KeyPoliciesAcrossRestarts(harness.TrentdTestCase):

    def db(self):
        return sqlite3.connect(os.path.join(self.server.data_dir, "trent.db"))

    def restart(self, with_db_edit=None):
        self.assertEqual(self.server.stop(), 0)
        if with_db_edit:
            db = self.db()
            with db:
                db.execute(*with_db_edit)
            db.close()
        self.server.start()
        type(self).kms = self.server.client()

    def test_policies_survive_a_restart(self):
        put = self.new_key()["KeyId"]
        text = policy(allow(ROOT), indent=2)
        self.kms.put_key_policy(KeyId=put, Policy=text)
        created = self.new_key(Policy=READ_ONLY, BypassPolicyLockoutSafetyCheck=True)["KeyId"]
        default = self.new_key()["KeyId"]
        self.restart()
        self.assertEqual(self.kms.get_key_policy(KeyId=put)["Policy"], text)
        self.assertEqual(self.kms.get_key_policy(KeyId=created)["Policy"], READ_ONLY)
        self.assertEqual(self.kms.get_key_policy(KeyId=default)["Policy"], DEFAULT_POLICY)

    def test_statements_may_share_a_sid(self):
        # AWS KMS accepts a key policy whose statements share a Sid (IAM's identity policies
        # may not): the Terraform AWS provider's acceptance tests create and put such policies
        # (TestAccKMSKey_Policy_iamRole and its kind), and AWS's own policy of
        # aws/secretsmanager is one. Each statement counts: the first lets the root read the
        # key, the second alone lets it change the policy, so the lockout check passes.
        sid = "Enable IAM User Permissions"
        text = policy(allow(ROOT, ["kms:Describe*", "kms:Get*"], Sid=sid),
                      allow(ROOT, "kms:PutKeyPolicy", Sid=sid))
        created = self.new_key(Policy=text)["KeyId"]
        self.assertEqual(self.kms.get_key_policy(KeyId=created)["Policy"], text)
        put = self.new_key()["KeyId"]
        self.kms.put_key_policy(KeyId=put, PolicyName="default", Policy=text)
        self.assertEqual(self.kms.get_key_policy(KeyId=put)["Policy"], text)
        # Neither statement lets the root encrypt.
        self.assertAwsError("AccessDeniedException", self.kms.encrypt, KeyId=put, Plaintext=b"x")

    def test_aws_managed_key_policies_survive_a_restart(self):
        # aws/secretsmanager's policy, as AWS writes it, names two statements alike; a caller
        # may send it too.
        key = self.kms.describe_key(KeyId="alias/aws/secretsmanager")["KeyMetadata"]["KeyId"]
        text = self.kms.get_key_policy(KeyId=key)["Policy"]
        sids = [st["Sid"] for st in json.loads(text)["Statement"]]
        self.assertEqual(len(sids), 3)
        self.assertEqual(sids[0], sids[1])
        self.assertNotEqual(self.new_key(Policy=text, BypassPolicyLockoutSafetyCheck=True)["KeyId"],
                            key)
        self.restart()
        self.assertEqual(self.kms.get_key_policy(KeyId=key)["Policy"], text)
        self.assertNotIn("its stored key policy is not valid", self.server.stderr())

    def test_a_key_stored_without_a_policy_gets_the_default(self):
        # Keys made before trent kept a policy for every key have an empty one in storage.
        key = self.new_key()["KeyId"]
        self.restart(("UPDATE keys SET policy = '' WHERE key_id = ?", (key,)))
        self.assertEqual(self.kms.get_key_policy(KeyId=key)["Policy"], DEFAULT_POLICY)

    def test_a_stored_policy_that_is_not_valid_gets_the_default(self):
        # CreateKey once took any JSON object as a policy.
        key = self.new_key()["KeyId"]
        self.restart(("UPDATE keys SET policy = '{\"not\": \"a policy\"}' WHERE key_id = ?",
                      (key,)))
        self.assertEqual(self.kms.get_key_policy(KeyId=key)["Policy"], DEFAULT_POLICY)
        self.assertIn(f"key {key}: its stored key policy is not valid", self.server.stderr())
        # The key still works, and a new policy can be put.
        self.kms.encrypt(KeyId=key, Plaintext=b"x")
        self.kms.put_key_policy(KeyId=key, Policy=READ_ONLY, BypassPolicyLockoutSafetyCheck=True)
        self.assertEqual(self.kms.get_key_policy(KeyId=key)["Policy"], READ_ONLY)


if __name__ == "__main__":
    harness.main()
