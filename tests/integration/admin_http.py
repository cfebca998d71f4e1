"""The admin API over HTTP (POST /_trent/v1/<Method>, protobuf's JSON mapping of
proto/trent/v1/admin.proto) against a real trentd: Reset isolates accounts and regions and lasts
across a restart, ListKeyStates shows a key's whole state but its material, Health,
StreamRecords, the errors, and who may call it (loopback clients only, unless
--admin-allow-remote)."""

import base64
import socket
import unittest

import harness

ALICE = {"access_key_id": "AKIAALICE0000000000", "secret_access_key": "alice-secret",
         "account_id": "111111111111", "arn": "arn:aws:iam::111111111111:user/alice"}
BOB = {"access_key_id": "AKIABOB000000000000", "secret_access_key": "bob-secret",
       "account_id": "222222222222", "arn": "arn:aws:iam::222222222222:user/bob"}
REGIONS = ("us-east-1", "eu-west-1")
GRANTEE = "arn:aws:iam::111111111111:user/carol"


class AdminTestCase(harness.TrentdTestCase):
    identities = [ALICE, BOB]

    def setUp(self):
        # Each test starts from no keys at all: what Reset is for.
        status, _ = self.server.admin("Reset")
        self.assertEqual(status, 200)

    def kms_as(self, who, region):
        return self.server.client(region=region, access_key=who["access_key_id"],
                                  secret=who["secret_access_key"], session_token=None)

    def ok(self, method, body=None):
        status, answer = self.server.admin(method, body)
        self.assertEqual(status, 200, answer)
        return answer

    def key_states(self, **scope):
        return self.ok("ListKeyStates", scope)["keys"]


class Reset(AdminTestCase):

    def populate(self):
        """In each account and region: a customer key with an alias and a grant, and the AWS
        managed key of alias/aws/s3. Returns {(account, region): (client, key ARN, managed ARN)}."""
        made = {}
        for who in (ALICE, BOB):
            for region in REGIONS:
                kms = self.kms_as(who, region)
                key = self.new_key(kms, Description=f"{who['account_id']} {region}")
                kms.create_alias(AliasName="alias/app", TargetKeyId=key["KeyId"])
                kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=GRANTEE,
                                 Operations=["Encrypt"])
                # Its first use creates the AWS managed key (whose policy lets services, not
                # users, encrypt with it; DescribeKey is the account's).
                managed = kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
                self.assertEqual(managed["KeyManager"], "AWS")
                made[(who["account_id"], region)] = (kms, key["Arn"], managed["Arn"])
        return made

    def assert_gone(self, kms, key_arn, managed_arn):
        for arn in (key_arn, managed_arn):
            self.assertAwsError("NotFoundException", kms.describe_key, KeyId=arn)
        self.assertAwsError("NotFoundException", kms.list_grants, KeyId=key_arn)
        self.assertEqual(kms.list_keys()["Keys"], [])
        aliases = {a["AliasName"]: a for a in kms.list_aliases()["Aliases"]}
        self.assertNotIn("alias/app", aliases)
        # The predefined alias is listed again without a key, as before its first use.
        self.assertNotIn("TargetKeyId", aliases["alias/aws/s3"])

    def assert_intact(self, kms, key_arn, managed_arn):
        self.assertEqual(kms.describe_key(KeyId=key_arn)["KeyMetadata"]["KeyState"], "Enabled")
        self.assertEqual(kms.describe_key(KeyId="alias/app")["KeyMetadata"]["Arn"], key_arn)
        self.assertEqual(kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["Arn"], managed_arn)
        self.assertEqual(len(kms.list_grants(KeyId=key_arn)["Grants"]), 1)

    def test_one_account_and_region(self):
        made = self.populate()
        blob = made[(ALICE["account_id"], "us-east-1")][0].encrypt(
            KeyId="alias/app", Plaintext=b"secret")["CiphertextBlob"]
        answer = self.ok("Reset", {"account": ALICE["account_id"], "region": "us-east-1"})
        self.assertEqual(answer, {"keysDeleted": "2"})
        doomed = (ALICE["account_id"], "us-east-1")
        self.assert_gone(*made[doomed])
        kms = made[doomed][0]
        self.assertAwsError("InvalidCiphertextException", kms.decrypt, CiphertextBlob=blob)
        for scope, (kms, key_arn, managed_arn) in made.items():
            if scope != doomed:
                with self.subTest(scope=scope):
                    self.assert_intact(kms, key_arn, managed_arn)
        self.assertEqual(self.key_states(account=ALICE["account_id"], region="us-east-1"), [])
        self.assertEqual(len(self.key_states()), 6)

        # Durable: a restart on the same data dir does not bring anything back.
        self.server.stop()
        self.server.start()
        made = {scope: (self.kms_as(ALICE if scope[0] == ALICE["account_id"] else BOB, scope[1]),
                        key_arn, managed_arn)
                for scope, (_, key_arn, managed_arn) in made.items()}
        self.assert_gone(*made[doomed])
        for scope, (kms, key_arn, managed_arn) in made.items():
            if scope != doomed:
                with self.subTest(scope=scope, restarted=True):
                    self.assert_intact(kms, key_arn, managed_arn)

        # The account and region work as new: an alias of the old name, a new managed key.
        kms = made[doomed][0]
        key = self.new_key(kms)
        kms.create_alias(AliasName="alias/app", TargetKeyId=key["KeyId"])
        self.assertNotEqual(kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["Arn"],
                            made[doomed][2])

        self.assertEqual(self.ok("Reset"), {"keysDeleted": "8"})
        self.assertEqual(self.key_states(), [])
        self.assertEqual(self.ok("Health")["keyCount"], "0")
        for scope, (kms, key_arn, managed_arn) in made.items():
            with self.subTest(scope=scope, everything=True):
                self.assertAwsError("NotFoundException", kms.describe_key, KeyId=key_arn)

    def test_one_filter_alone(self):
        made = self.populate()
        self.assertEqual(self.ok("Reset", {"region": "eu-west-1"}), {"keysDeleted": "4"})
        for who in (ALICE, BOB):
            self.assert_gone(*made[(who["account_id"], "eu-west-1")])
            self.assert_intact(*made[(who["account_id"], "us-east-1")])
        self.assertEqual(self.ok("Reset", {"account": BOB["account_id"]}), {"keysDeleted": "2"})
        self.assert_gone(*made[(BOB["account_id"], "us-east-1")])
        self.assert_intact(*made[(ALICE["account_id"], "us-east-1")])
        self.assertEqual({k["account"] for k in self.key_states()}, {ALICE["account_id"]})

    def test_every_state(self):
        kms = self.kms_as(ALICE, "us-east-1")
        disabled = self.new_key(kms)
        kms.disable_key(KeyId=disabled["KeyId"])
        pending = self.new_key(kms)
        kms.schedule_key_deletion(KeyId=pending["KeyId"], PendingWindowInDays=7)
        signing = self.new_key(kms, KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
        self.assertEqual(self.ok("Reset", {"account": ALICE["account_id"]}),
                         {"keysDeleted": "3"})
        for key in (disabled, pending, signing):
            self.assertAwsError("NotFoundException", kms.describe_key, KeyId=key["KeyId"])

    def test_bad_filters(self):
        for body in ({"account": "1234"}, {"account": ""}, {"region": ""},
                     {"region": "US East"}):
            with self.subTest(body=body):
                status, answer = self.server.admin("Reset", body)
                self.assertEqual((status, answer["__type"]), (400, "ValidationException"))
                status, answer = self.server.admin("ListKeyStates", body)
                self.assertEqual((status, answer["__type"]), (400, "ValidationException"))


class ListKeyStates(AdminTestCase):

    def test_full_state_without_material(self):
        kms = self.kms_as(ALICE, "us-east-1")
        key = self.new_key(kms, Description="the one", Tags=[{"TagKey": "team", "TagValue": "a"}])
        kms.create_alias(AliasName="alias/one", TargetKeyId=key["KeyId"])
        kms.create_alias(AliasName="alias/also-one", TargetKeyId=key["KeyId"])
        grant = kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=GRANTEE, Name="g1",
                                 RetiringPrincipal=ALICE["arn"], Operations=["Encrypt", "Decrypt"],
                                 Constraints={"EncryptionContextSubset": {"dept": "it"}})
        # By hand: older botocore knows neither RotationPeriodInDays nor RotateKeyOnDemand.
        harness.call_by_hand(kms, "EnableKeyRotation", KeyId=key["KeyId"], RotationPeriodInDays=90)
        harness.call_by_hand(kms, "RotateKeyOnDemand", KeyId=key["KeyId"])
        encrypted = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"hi",
                                EncryptionContext={"dept": "it"})
        request_id = encrypted["ResponseMetadata"]["RequestId"]
        pending = self.new_key(kms)
        kms.schedule_key_deletion(KeyId=pending["KeyId"], PendingWindowInDays=7)
        signing = self.new_key(kms, KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
        other_region = self.new_key(self.kms_as(ALICE, "eu-west-1"))

        states = self.key_states(account=ALICE["account_id"], region="us-east-1")
        self.assertEqual([s["keyId"] for s in states],
                         [key["KeyId"], pending["KeyId"], signing["KeyId"]])
        self.assertEqual([s["keyId"] for s in self.key_states(region="eu-west-1")],
                         [other_region["KeyId"]])
        # Every member there is (the optional ones where set), and none with key material.
        always = {"keyId", "arn", "account", "region", "state", "keySpec", "keyUsage", "origin",
                  "keyManager", "multiRegion", "description", "creationDate", "versions", "tags",
                  "aliases", "policy", "grants"}
        self.assertEqual(set(states[0]), always | {"rotationPeriodDays", "nextRotationDate",
                                                   "lastUsage"})
        self.assertEqual(set(states[1]), always | {"deletionDate", "pendingWindowDays"})
        self.assertEqual(set(states[2]), always)

        state = states[0]
        metadata = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        self.assertEqual(
            {k: state[k] for k in ("arn", "account", "region", "state", "keySpec", "keyUsage",
                                   "origin", "keyManager", "multiRegion", "description",
                                   "rotationPeriodDays")},
            {"arn": key["Arn"], "account": ALICE["account_id"], "region": "us-east-1",
             "state": "Enabled", "keySpec": "SYMMETRIC_DEFAULT", "keyUsage": "ENCRYPT_DECRYPT",
             "origin": "AWS_KMS", "keyManager": "CUSTOMER", "multiRegion": False,
             "description": "the one", "rotationPeriodDays": 90})
        self.assertAlmostEqual(harness.parse_timestamp(state["creationDate"]),
                               metadata["CreationDate"].timestamp(), delta=0.001)
        status = harness.call_by_hand(kms, "GetKeyRotationStatus", KeyId=key["KeyId"])
        self.assertAlmostEqual(harness.parse_timestamp(state["nextRotationDate"]),
                               status["NextRotationDate"], delta=0.001)
        for absent in ("deletionDate", "pendingWindowDays", "onDemandRotationStartDate"):
            self.assertNotIn(absent, state)
        self.assertEqual(state["tags"], [{"key": "team", "value": "a"}])
        self.assertEqual([a["name"] for a in state["aliases"]], ["alias/also-one", "alias/one"])
        self.assertTrue(state["aliases"][1]["arn"].endswith(":alias/one"))
        self.assertEqual(state["policy"],
                         kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])

        # Two versions: the first material, then the on-demand rotation; no material in them.
        versions = state["versions"]
        self.assertEqual([v["rotationType"] for v in versions], ["", "ON_DEMAND"])
        for v in versions:
            self.assertEqual(set(v), {"versionId", "keyMaterialId", "creationDate",
                                      "rotationType", "publicKey"})
            self.assertRegex(v["versionId"], r"^[0-9a-f]{32}$")
            self.assertRegex(v["keyMaterialId"], r"^[0-9a-f]{64}$")
            self.assertEqual(v["publicKey"], "")
        self.assertNotEqual(versions[0]["keyMaterialId"], versions[1]["keyMaterialId"])

        [g] = state["grants"]
        self.assertEqual(
            {k: g[k] for k in ("grantId", "name", "granteePrincipal", "retiringPrincipal",
                               "issuingAccount", "operations", "encryptionContextSubset",
                               "encryptionContextEquals")},
            {"grantId": grant["GrantId"], "name": "g1", "granteePrincipal": GRANTEE,
             "retiringPrincipal": ALICE["arn"],
             "issuingAccount": f"arn:aws:iam::{ALICE['account_id']}:root",
             "operations": ["Encrypt", "Decrypt"], "encryptionContextSubset": {"dept": "it"},
             "encryptionContextEquals": {}})
        self.assertEqual(state["lastUsage"]["operation"], "Encrypt")
        self.assertEqual(state["lastUsage"]["requestId"], request_id)

        pending_state = states[1]
        self.assertEqual((pending_state["state"], pending_state["pendingWindowDays"]),
                         ("PendingDeletion", 7))
        self.assertIn("deletionDate", pending_state)
        self.assertNotIn("lastUsage", pending_state)

        # A key pair's public key is no secret: it is there, as GetPublicKey gives it.
        public = kms.get_public_key(KeyId=signing["KeyId"])["PublicKey"]
        self.assertEqual(base64.b64decode(states[2]["versions"][0]["publicKey"]), public)


class Api(AdminTestCase):

    def test_health(self):
        self.new_key(self.kms_as(BOB, "eu-west-1"))
        for body in (None, "", "{}"):
            with self.subTest(body=body):
                health = self.ok("Health", body)
                self.assertEqual(set(health), {"status", "version", "hsm", "keyCount",
                                               "testClock"})
                self.assertEqual(health["status"], "SERVING")
                self.assertRegex(health["version"], r"^\d+\.\d+\.\d+$")
                self.assertIn("SoftHSM", health["hsm"])
                self.assertEqual((health["keyCount"], health["testClock"]), ("1", False))

    def test_stream_records(self):
        # Until the frontends publish records the list may be empty; its shape is fixed.
        records = self.ok("StreamRecords")["records"]
        self.assertIsInstance(records, list)
        self.assertIsInstance(self.ok("StreamRecords", {"limit": 5})["records"], list)
        status, answer = self.server.admin("StreamRecords", {"follow": True})
        self.assertEqual((status, answer["__type"]), (400, "ValidationException"))
        self.assertIn("gRPC", answer["message"])
        status, answer = self.server.admin("StreamRecords", {"limit": -1})
        self.assertEqual((status, answer["__type"]), (400, "ValidationException"))

    def test_errors(self):
        status, answer = self.server.admin("NoSuchMethod")
        self.assertEqual((status, answer["__type"]), (404, "UnknownOperationException"))
        status, answer = self.server.admin("../v2/Health")
        self.assertEqual(status, 404)
        for body in ("{", "not json", "[]", '{"nope": 1}', '{"account": 12}'):
            with self.subTest(body=body):
                status, answer = self.server.admin("Reset", body)
                self.assertEqual((status, answer["__type"]), (400, "SerializationException"))
        status, _ = self.server.admin("Health", http_method="GET")
        self.assertEqual(status, 405)


def non_loopback_address():
    """An IPv4 address of this machine that is not a loopback one, or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: no packet is sent by a UDP connect
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


class RemoteClients(unittest.TestCase):
    """trentd on 0.0.0.0, called from the machine's own non-loopback address."""

    def serve(self, *args):
        address = non_loopback_address()
        if address is None:
            self.skipTest("this machine has no non-loopback IPv4 address")
        server = harness.Trentd(args)
        self.addCleanup(server.close)
        server.start(listen="0.0.0.0:0")
        return server, address

    def test_refused_unless_allowed(self):
        server, address = self.serve()
        for method in ("Health", "Reset", "NoSuchMethod"):
            with self.subTest(method=method):
                status, answer = server.admin(method, host=address)
                self.assertEqual((status, answer["__type"]), (403, "AccessDeniedException"))
                self.assertIn(address, answer["message"])
        self.assertEqual(server.admin("Health")[0], 200)  # from 127.0.0.1
        # The KMS API is not the admin API's business: remote clients use it as before.
        kms = server.client(endpoint=f"http://{address}:{server.port}")
        self.assertEqual(kms.list_keys()["Keys"], [])

    def test_allowed_with_the_flag(self):
        server, address = self.serve("--admin-allow-remote")
        status, health = server.admin("Health", host=address)
        self.assertEqual((status, health["status"]), (200, "SERVING"))


if __name__ == "__main__":
    harness.main()
