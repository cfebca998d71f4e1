"""Who may do what, with boto3 and several identities from a credentials file: the default key
policy, key policies that allow or deny a principal, explicit denies, each condition family,
identity policies, cross-account use by key ARN, grants with and without constraints, and AWS
managed keys. Every refusal is AccessDeniedException in AWS's words."""

import json
import os
import tempfile
import unittest

import boto3
from botocore.config import Config

import harness

ACCOUNT = "111122223333"     # trentd's default account
OTHER = "444455556666"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"
CAROL = f"arn:aws:iam::{OTHER}:user/carol"
DAVE = f"arn:aws:iam::{ACCOUNT}:user/dave"

DAVE_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ListKeys"],
         "Resource": "*"},
        {"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"},
    ],
})

CREDENTIALS = f"""identities:
  - access_key_id: AKIAALICE0000000000
    secret_access_key: alice-secret
    account_id: "{ACCOUNT}"
    arn: {ALICE}
  - access_key_id: AKIABOB00000000000
    secret_access_key: bob-secret
    account_id: "{ACCOUNT}"
    arn: {BOB}
  - access_key_id: AKIACAROL0000000000
    secret_access_key: carol-secret
    account_id: "{OTHER}"
    arn: {CAROL}
  - access_key_id: AKIADAVE00000000000
    secret_access_key: dave-secret
    account_id: "{ACCOUNT}"
    arn: {DAVE}
    policies:
      - '{DAVE_POLICY}'
"""


def statement(effect, principal, actions, condition=None, sid=None):
    s = {"Effect": effect, "Principal": {"AWS": principal}, "Action": actions, "Resource": "*"}
    if condition:
        s["Condition"] = condition
    if sid:
        s["Sid"] = sid
    return s


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


# The root keeps the right to manage the key in every policy below, so that it passes the
# lockout safety check; the actions under test are never among these.
ADMIN = statement("Allow", ROOT, ["kms:PutKeyPolicy", "kms:GetKeyPolicy", "kms:DescribeKey",
                                  "kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant", "kms:CreateAlias",
                                  "kms:ScheduleKeyDeletion"])


def denied_message(principal, action, resource, why="no resource-based policy"):
    if why.startswith("explicit"):
        kind = "a resource-based" if "resource" in why else "an identity-based"
        return (f"User: {principal} is not authorized to perform: {action} on resource: "
                f"{resource} with an explicit deny in {kind} policy")
    return (f"User: {principal} is not authorized to perform: {action} on resource: {resource} "
            f"because {why} allows the {action} action")


class Access(harness.TrentdTestCase):

    @classmethod
    def setUpClass(cls):
        cls.files = tempfile.mkdtemp(prefix="trent-access-")
        path = os.path.join(cls.files, "credentials.yaml")
        with open(path, "w") as f:
            f.write(CREDENTIALS)
        cls.trentd_args = ("--credentials-file", path)
        super().setUpClass()
        cls.alice = cls.as_identity("AKIAALICE0000000000", "alice-secret")
        cls.bob = cls.as_identity("AKIABOB00000000000", "bob-secret")
        cls.carol = cls.as_identity("AKIACAROL0000000000", "carol-secret")
        cls.dave = cls.as_identity("AKIADAVE00000000000", "dave-secret")

    @classmethod
    def as_identity(cls, access_key_id, secret, region="us-east-1"):
        cfg = Config(parameter_validation=False, retries={"max_attempts": 1, "mode": "standard"})
        return boto3.session.Session(
            aws_access_key_id=access_key_id, aws_secret_access_key=secret, region_name=region,
        ).client("kms", endpoint_url=cls.server.endpoint, config=cfg)

    def key_with(self, *statements, **kwargs):
        return self.new_key(Policy=policy(ADMIN, *statements), **kwargs)

    def assertDenied(self, fn, principal, action, resource, why="no resource-based policy",
                     **kwargs):
        self.assertAwsError("AccessDeniedException", fn,
                            message=denied_message(principal, action, resource, why), **kwargs)

    # -- the default key policy --------------------------------------------------------------

    def test_default_policy_delegates_to_the_account(self):
        key = self.new_key()
        blob = self.alice.encrypt(KeyId=key["KeyId"], Plaintext=b"hi")["CiphertextBlob"]
        self.assertEqual(self.bob.decrypt(CiphertextBlob=blob)["Plaintext"], b"hi")
        # A key alice creates is in her account, and its default policy names that root.
        mine = self.new_key(self.alice)
        self.assertEqual(mine["AWSAccountId"], ACCOUNT)
        text = json.loads(self.alice.get_key_policy(KeyId=mine["KeyId"],
                                                    PolicyName="default")["Policy"])
        self.assertEqual(text["Statement"][0]["Principal"], {"AWS": ROOT})

    # -- allow, missing allow, explicit deny -------------------------------------------------

    def test_policy_naming_a_user_allows_only_that_user(self):
        key = self.key_with(statement("Allow", BOB, ["kms:Encrypt", "kms:Decrypt"]))
        blob = self.bob.encrypt(KeyId=key["KeyId"], Plaintext=b"b")["CiphertextBlob"]
        self.assertDenied(self.alice.encrypt, ALICE, "kms:Encrypt", key["Arn"],
                          KeyId=key["KeyId"], Plaintext=b"a")
        self.assertDenied(self.alice.decrypt, ALICE, "kms:Decrypt", key["Arn"],
                          CiphertextBlob=blob)
        # Actions not listed are refused to bob too.
        self.assertDenied(self.bob.generate_data_key, BOB, "kms:GenerateDataKey", key["Arn"],
                          KeyId=key["KeyId"], KeySpec="AES_256")
        # The root is allowed what ADMIN lists, and nothing else.
        self.kms.describe_key(KeyId=key["KeyId"])
        self.assertDenied(self.kms.encrypt, ROOT, "kms:Encrypt", key["Arn"],
                          KeyId=key["KeyId"], Plaintext=b"r")

    def test_explicit_deny_wins(self):
        key = self.key_with(statement("Allow", ROOT, "kms:*"),
                            statement("Deny", ALICE, "kms:Decrypt"))
        blob = self.alice.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
        self.assertDenied(self.alice.decrypt, ALICE, "kms:Decrypt", key["Arn"],
                          why="explicit deny in a resource-based policy", CiphertextBlob=blob)
        self.assertEqual(self.bob.decrypt(CiphertextBlob=blob)["Plaintext"], b"x")

    def test_wildcard_actions_and_not_action(self):
        key = self.key_with({"Effect": "Allow", "Principal": {"AWS": ALICE},
                             "NotAction": ["kms:Decrypt", "kms:ReEncrypt*"], "Resource": "*"},
                            statement("Allow", BOB, "kms:Gen*"))
        blob = self.alice.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
        self.assertDenied(self.alice.decrypt, ALICE, "kms:Decrypt", key["Arn"], CiphertextBlob=blob)
        self.bob.generate_data_key(KeyId=key["KeyId"], KeySpec="AES_256")
        self.bob.generate_data_key_without_plaintext(KeyId=key["KeyId"], KeySpec="AES_256")
        self.assertDenied(self.bob.encrypt, BOB, "kms:Encrypt", key["Arn"], KeyId=key["KeyId"],
                          Plaintext=b"x")

    def test_authorization_comes_before_key_state(self):
        key = self.key_with(statement("Allow", BOB, "kms:*"))
        self.kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
        self.assertDenied(self.alice.encrypt, ALICE, "kms:Encrypt", key["Arn"],
                          KeyId=key["KeyId"], Plaintext=b"x")
        self.assertAwsError("KMSInvalidStateException", self.bob.encrypt, KeyId=key["KeyId"],
                            Plaintext=b"x")

    # -- conditions ----------------------------------------------------------------------------

    def test_encryption_context_conditions(self):
        key = self.key_with(
            statement("Allow", ALICE, ["kms:Encrypt", "kms:Decrypt"],
                      {"StringEquals": {"kms:EncryptionContext:purpose": "test"}}),
            statement("Allow", BOB, "kms:Encrypt",
                      {"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["a", "b"]},
                       "Null": {"kms:EncryptionContextKeys": "false"}}))
        kid = key["KeyId"]
        blob = self.alice.encrypt(KeyId=kid, Plaintext=b"x",
                                  EncryptionContext={"purpose": "test"})["CiphertextBlob"]
        self.alice.decrypt(CiphertextBlob=blob, EncryptionContext={"purpose": "test"})
        self.assertDenied(self.alice.encrypt, ALICE, "kms:Encrypt", key["Arn"], KeyId=kid,
                          Plaintext=b"x", EncryptionContext={"purpose": "Test"})
        self.assertDenied(self.alice.encrypt, ALICE, "kms:Encrypt", key["Arn"], KeyId=kid,
                          Plaintext=b"x")
        self.bob.encrypt(KeyId=kid, Plaintext=b"x", EncryptionContext={"a": "1"})
        self.bob.encrypt(KeyId=kid, Plaintext=b"x", EncryptionContext={"a": "1", "b": "2"})
        self.assertDenied(self.bob.encrypt, BOB, "kms:Encrypt", key["Arn"], KeyId=kid,
                          Plaintext=b"x", EncryptionContext={"a": "1", "c": "3"})
        # Null "false" requires a context: ForAllValues alone would allow none.
        self.assertDenied(self.bob.encrypt, BOB, "kms:Encrypt", key["Arn"], KeyId=kid,
                          Plaintext=b"x")

    def test_string_like_arn_and_principal_conditions(self):
        key = self.key_with(
            statement("Allow", "*", "kms:Encrypt",
                      {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:user/a*"},
                       "StringEquals": {"kms:CallerAccount": ACCOUNT}}))
        self.alice.encrypt(KeyId=key["KeyId"], Plaintext=b"x")
        self.assertDenied(self.bob.encrypt, BOB, "kms:Encrypt", key["Arn"], KeyId=key["KeyId"],
                          Plaintext=b"x")

    def test_date_numeric_bool_and_ip_conditions(self):
        key = self.key_with(
            statement("Allow", ALICE, "kms:Encrypt",
                      {"DateGreaterThan": {"aws:CurrentTime": "2001-01-01T00:00:00Z"},
                       "IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}),
            statement("Allow", ALICE, "kms:GenerateDataKey",
                      {"DateLessThan": {"aws:CurrentTime": "2001-01-01T00:00:00Z"}}),
            statement("Allow", BOB, "kms:Encrypt",
                      {"NotIpAddress": {"aws:SourceIp": "127.0.0.0/8"}}),
            statement("Allow", BOB, "kms:GenerateDataKey",
                      {"NumericLessThanEquals": {"aws:EpochTime": "4102444800"},
                       "Bool": {"kms:GrantIsForAWSResource": "true"}}))
        kid = key["KeyId"]
        self.alice.encrypt(KeyId=kid, Plaintext=b"x")
        self.assertDenied(self.alice.generate_data_key, ALICE, "kms:GenerateDataKey", key["Arn"],
                          KeyId=kid, KeySpec="AES_256")
        self.assertDenied(self.bob.encrypt, BOB, "kms:Encrypt", key["Arn"], KeyId=kid,
                          Plaintext=b"x")
        # Bool on a key the request does not have: the condition does not match.
        self.assertDenied(self.bob.generate_data_key, BOB, "kms:GenerateDataKey", key["Arn"],
                          KeyId=kid, KeySpec="AES_256")

    def test_if_exists_and_request_alias(self):
        alias = "alias/access-" + os.urandom(4).hex()
        key = self.key_with(
            statement("Allow", ALICE, "kms:Encrypt",
                      {"StringEqualsIfExists": {"kms:RequestAlias": alias}}),
            statement("Allow", BOB, "kms:Encrypt",
                      {"StringEquals": {"kms:RequestAlias": alias}}))
        self.kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
        self.alice.encrypt(KeyId=key["KeyId"], Plaintext=b"x")    # no alias: IfExists passes
        self.alice.encrypt(KeyId=alias, Plaintext=b"x")
        self.bob.encrypt(KeyId=alias, Plaintext=b"x")
        self.assertDenied(self.bob.encrypt, BOB, "kms:Encrypt", key["Arn"], KeyId=key["KeyId"],
                          Plaintext=b"x")

    def test_key_property_and_tag_conditions(self):
        key = self.key_with(
            statement("Allow", ALICE, "kms:Encrypt",
                      {"StringEquals": {"kms:KeySpec": "SYMMETRIC_DEFAULT",
                                        "kms:KeyOrigin": "AWS_KMS",
                                        "aws:ResourceTag/team": "blue"}}),
            Tags=[{"TagKey": "team", "TagValue": "blue"}])
        self.alice.encrypt(KeyId=key["KeyId"], Plaintext=b"x")
        other = self.key_with(
            statement("Allow", ALICE, "kms:Encrypt",
                      {"StringEquals": {"aws:ResourceTag/team": "blue"}}),
            Tags=[{"TagKey": "team", "TagValue": "red"}])
        self.assertDenied(self.alice.encrypt, ALICE, "kms:Encrypt", other["Arn"],
                          KeyId=other["KeyId"], Plaintext=b"x")

    # -- identity policies ---------------------------------------------------------------------

    def test_identity_policies(self):
        key = self.new_key()
        blob = self.dave.encrypt(KeyId=key["KeyId"], Plaintext=b"d")["CiphertextBlob"]
        self.assertDenied(self.dave.decrypt, DAVE, "kms:Decrypt", key["Arn"],
                          why="explicit deny in an identity-based policy", CiphertextBlob=blob)
        self.assertDenied(self.dave.describe_key, DAVE, "kms:DescribeKey", key["Arn"],
                          why="no identity-based policy", KeyId=key["KeyId"])
        # Operations on no key: identity policies alone decide, on resource "*".
        self.dave.list_keys()
        self.assertDenied(self.dave.create_key, DAVE, "kms:CreateKey", "*",
                          why="no identity-based policy")

    # -- cross-account -------------------------------------------------------------------------

    def test_cross_account_needs_the_key_policy_and_the_arn(self):
        key = self.new_key()
        self.assertDenied(self.carol.encrypt, CAROL, "kms:Encrypt", key["Arn"],
                          KeyId=key["Arn"], Plaintext=b"c")
        shared = self.key_with(statement("Allow", f"arn:aws:iam::{OTHER}:root",
                                         ["kms:Encrypt", "kms:Decrypt"]))
        blob = self.carol.encrypt(KeyId=shared["Arn"], Plaintext=b"c")["CiphertextBlob"]
        self.assertEqual(self.carol.decrypt(CiphertextBlob=blob, KeyId=shared["Arn"])["Plaintext"],
                         b"c")
        # By key id alone the key is looked for in carol's own account.
        self.assertAwsError("NotFoundException", self.carol.encrypt, KeyId=shared["KeyId"],
                            Plaintext=b"c")
        self.assertDenied(self.carol.generate_data_key, CAROL, "kms:GenerateDataKey",
                          shared["Arn"], KeyId=shared["Arn"], KeySpec="AES_256")

    # -- grants -------------------------------------------------------------------------------

    def test_grants_give_exactly_their_operations(self):
        key = self.key_with(statement("Allow", ALICE, "kms:*"))
        self.assertDenied(self.bob.encrypt, BOB, "kms:Encrypt", key["Arn"], KeyId=key["KeyId"],
                          Plaintext=b"x")
        grant = self.alice.create_grant(KeyId=key["KeyId"], GranteePrincipal=BOB,
                                        Operations=["Encrypt"])
        blob = self.bob.encrypt(KeyId=key["KeyId"], Plaintext=b"x",
                                GrantTokens=[grant["GrantToken"]])["CiphertextBlob"]
        self.bob.encrypt(KeyId=key["KeyId"], Plaintext=b"x")
        self.assertDenied(self.bob.decrypt, BOB, "kms:Decrypt", key["Arn"], CiphertextBlob=blob)
        self.alice.revoke_grant(KeyId=key["KeyId"], GrantId=grant["GrantId"])
        self.assertDenied(self.bob.encrypt, BOB, "kms:Encrypt", key["Arn"], KeyId=key["KeyId"],
                          Plaintext=b"x")

    def test_grant_constraints(self):
        key = self.key_with(statement("Allow", ALICE, "kms:*"))
        kid = key["KeyId"]
        self.alice.create_grant(KeyId=kid, GranteePrincipal=BOB, Operations=["Encrypt"],
                                Constraints={"EncryptionContextEquals": {"app": "one"}})
        self.alice.create_grant(KeyId=kid, GranteePrincipal=BOB, Operations=["GenerateDataKey"],
                                Constraints={"EncryptionContextSubset": {"app": "two"}})
        self.bob.encrypt(KeyId=kid, Plaintext=b"x", EncryptionContext={"app": "one"})
        self.assertDenied(self.bob.encrypt, BOB, "kms:Encrypt", key["Arn"], KeyId=kid,
                          Plaintext=b"x", EncryptionContext={"app": "one", "more": "1"})
        self.assertDenied(self.bob.encrypt, BOB, "kms:Encrypt", key["Arn"], KeyId=kid,
                          Plaintext=b"x")
        self.bob.generate_data_key(KeyId=kid, KeySpec="AES_256",
                                   EncryptionContext={"app": "two", "more": "1"})
        self.assertDenied(self.bob.generate_data_key, BOB, "kms:GenerateDataKey", key["Arn"],
                          KeyId=kid, KeySpec="AES_256", EncryptionContext={"app": "One"})

    def test_retired_grant_no_longer_allows(self):
        key = self.key_with(statement("Allow", ALICE, "kms:*"))
        grant = self.alice.create_grant(KeyId=key["KeyId"], GranteePrincipal=BOB,
                                        Operations=["Encrypt", "RetireGrant"])
        self.bob.encrypt(KeyId=key["KeyId"], Plaintext=b"x")
        self.bob.retire_grant(GrantToken=grant["GrantToken"])
        self.assertDenied(self.bob.encrypt, BOB, "kms:Encrypt", key["Arn"], KeyId=key["KeyId"],
                          Plaintext=b"x")

    def test_grants_made_through_a_grant_stay_within_it(self):
        # KMS Developer Guide, "Granting CreateGrant permission": a grantee that may create
        # grants only through a grant can give some or all of its operations, under constraints
        # as strict as its own or stricter. Anything wider is not allowed by the grant.
        erin = f"arn:aws:iam::{ACCOUNT}:user/erin"
        # Here only alice may create grants through the key policy.
        admin = statement("Allow", ROOT, ["kms:PutKeyPolicy", "kms:GetKeyPolicy",
                                          "kms:DescribeKey", "kms:ListGrants"])
        key = self.new_key(Policy=policy(admin, statement("Allow", ALICE, "kms:*")))
        kid, arn = key["KeyId"], key["Arn"]
        self.assertDenied(self.bob.create_grant, BOB, "kms:CreateGrant", arn, KeyId=kid,
                          GranteePrincipal=erin, Operations=["Decrypt"])
        self.alice.create_grant(KeyId=kid, GranteePrincipal=BOB,
                                Operations=["GenerateDataKey", "Decrypt", "CreateGrant"],
                                Constraints={"EncryptionContextSubset": {"Department": "IT"}})

        def child(operations, constraints=None):
            kwargs = {"Constraints": constraints} if constraints is not None else {}
            return self.bob.create_grant(KeyId=kid, GranteePrincipal=erin,
                                         Operations=operations, **kwargs)

        within = [
            (["Decrypt", "CreateGrant"], {"EncryptionContextSubset": {"Department": "IT"}}),
            (["Decrypt"], {"EncryptionContextSubset": {"Department": "IT", "Purpose": "Test"}}),
            (["GenerateDataKey"], {"EncryptionContextSubset": {"DEPARTMENT": "IT"}}),
            (["Decrypt"], {"EncryptionContextEquals": {"Department": "IT", "Purpose": "Test"}}),
        ]
        for operations, constraints in within:
            with self.subTest(operations=operations, constraints=constraints):
                self.assertEqual(len(child(operations, constraints)["GrantId"]), 64)
        beyond = [
            (["Decrypt", "Encrypt"], {"EncryptionContextSubset": {"Department": "IT"}}),
            (["Decrypt"], None),
            (["Decrypt"], {"EncryptionContextSubset": {"Purpose": "Test"}}),
            (["Decrypt"], {"EncryptionContextSubset": {"Department": "it"}}),
            (["Decrypt"], {"EncryptionContextEquals": {"Purpose": "Test"}}),
        ]
        for operations, constraints in beyond:
            with self.subTest(operations=operations, constraints=constraints):
                self.assertDenied(child, BOB, "kms:CreateGrant", arn,
                                  operations=operations, constraints=constraints)
        # Nothing refused was stored: the parent and the four children.
        grants = self.alice.list_grants(KeyId=kid)["Grants"]
        self.assertEqual(len(grants), 1 + len(within))

        # Under an EncryptionContextEquals, only the same pairs (keys in any case).
        key = self.new_key(Policy=policy(admin, statement("Allow", ALICE, "kms:*")))
        kid, arn = key["KeyId"], key["Arn"]
        self.alice.create_grant(KeyId=kid, GranteePrincipal=BOB,
                                Operations=["Decrypt", "CreateGrant"],
                                Constraints={"EncryptionContextEquals": {"Department": "IT"}})
        child(["Decrypt"], {"EncryptionContextEquals": {"department": "IT"}})
        for constraints in ({"EncryptionContextEquals": {"Department": "IT", "Purpose": "Test"}},
                            {"EncryptionContextSubset": {"Department": "IT"}}):
            with self.subTest(constraints=constraints):
                self.assertDenied(child, BOB, "kms:CreateGrant", arn,
                                  operations=["Decrypt"], constraints=constraints)

        # Whoever may create grants through the key policy is not limited so.
        self.alice.create_grant(KeyId=kid, GranteePrincipal=erin, Operations=["Encrypt"])

    # -- AWS managed keys ---------------------------------------------------------------------

    def test_aws_managed_keys_are_not_for_direct_use(self):
        md = self.alice.describe_key(KeyId="alias/aws/lambda")["KeyMetadata"]
        self.assertEqual(md["KeyManager"], "AWS")
        self.assertDenied(self.alice.encrypt, ALICE, "kms:Encrypt", md["Arn"],
                          KeyId="alias/aws/lambda", Plaintext=b"x")


if __name__ == "__main__":
    harness.main()
