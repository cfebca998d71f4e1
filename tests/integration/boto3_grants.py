"""Grants with boto3: CreateGrant (operations each key supports, constraints, Name retries,
DryRun, key states), ListGrants (filters, paging), ListRetirableGrants, RetireGrant (by token,
by key and grant id), RevokeGrant, GrantTokens checked on every operation that has them, and
grants surviving a restart (kill -9 after the acknowledgement)."""

import base64
import re
import unittest

import harness

USER = "arn:aws:iam::111122223333:user/alice"
ROLE = "arn:aws:iam::111122223333:role/admin"
INVALID_TOKEN = "The request was rejected because the specified grant token is not valid."


class Grants(harness.TrentdTestCase):

    def grant(self, key_id, operations=("Encrypt", "Decrypt"), **kwargs):
        return self.kms.create_grant(KeyId=key_id, GranteePrincipal=USER,
                                     Operations=list(operations), **kwargs)

    def grants_of(self, key_id, **kwargs):
        return self.kms.list_grants(KeyId=key_id, **kwargs)

    def test_create_then_list_shows_every_member(self):
        key = self.new_key()
        answer = self.grant(key["KeyId"], ["Decrypt", "DescribeKey"], RetiringPrincipal=ROLE,
                            Name="my-grant",
                            Constraints={"EncryptionContextSubset": {"Department": "IT"}})
        self.assertRegex(answer["GrantId"], r"^[0-9a-f]{64}$")
        base64.b64decode(answer["GrantToken"], validate=True)
        listed = self.grants_of(key["KeyId"])
        self.assertFalse(listed["Truncated"])
        self.assertNotIn("NextMarker", listed)
        [entry] = listed["Grants"]
        self.assertEqual(entry["KeyId"], key["Arn"])
        self.assertEqual(entry["GrantId"], answer["GrantId"])
        self.assertEqual(entry["Name"], "my-grant")
        self.assertEqual(entry["GranteePrincipal"], USER)
        self.assertEqual(entry["RetiringPrincipal"], ROLE)
        self.assertEqual(entry["IssuingAccount"], f"arn:aws:iam::{key['AWSAccountId']}:root")
        self.assertEqual(entry["Operations"], ["Decrypt", "DescribeKey"])
        self.assertEqual(entry["Constraints"], {"EncryptionContextSubset": {"Department": "IT"}})
        self.assertIn("CreationDate", entry)

    def test_grant_without_name_or_retiring_principal(self):
        key = self.new_key()
        self.grant(key["Arn"], Constraints={"EncryptionContextEquals": {"a": "1", "b": "2"}})
        [entry] = self.grants_of(key["Arn"])["Grants"]
        self.assertEqual(entry["Name"], "")
        self.assertNotIn("RetiringPrincipal", entry)
        self.assertEqual(entry["Constraints"], {"EncryptionContextEquals": {"a": "1", "b": "2"}})

    def test_name_makes_retries_idempotent(self):
        key = self.new_key()
        first = self.grant(key["KeyId"], ["Decrypt", "Encrypt"], Name="retry")
        again = self.grant(key["KeyId"], ["Encrypt", "Decrypt"], Name="retry")
        self.assertEqual(again["GrantId"], first["GrantId"])
        self.assertNotEqual(again["GrantToken"], first["GrantToken"])
        # Other properties with the same name: a new grant.
        other = self.grant(key["KeyId"], ["Encrypt"], Name="retry")
        self.assertNotEqual(other["GrantId"], first["GrantId"])
        # Without a name every request makes a grant.
        a = self.grant(key["KeyId"])
        b = self.grant(key["KeyId"])
        self.assertNotEqual(a["GrantId"], b["GrantId"])
        self.assertEqual(len(self.grants_of(key["KeyId"])["Grants"]), 4)

    def test_filters_and_paging(self):
        key = self.new_key()
        ids = [self.grant(key["KeyId"])["GrantId"] for _ in range(5)]
        other = self.kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=ROLE,
                                      Operations=["Encrypt"])["GrantId"]
        seen, marker = [], None
        while True:
            page = self.grants_of(key["KeyId"], Limit=2, **({"Marker": marker} if marker else {}))
            self.assertLessEqual(len(page["Grants"]), 2)
            seen += [g["GrantId"] for g in page["Grants"]]
            if not page["Truncated"]:
                self.assertNotIn("NextMarker", page)
                break
            marker = page["NextMarker"]
        self.assertEqual(seen, ids + [other])
        by_grantee = self.grants_of(key["KeyId"], GranteePrincipal=ROLE)["Grants"]
        self.assertEqual([g["GrantId"] for g in by_grantee], [other])
        by_id = self.grants_of(key["KeyId"], GrantId=ids[2])["Grants"]
        self.assertEqual([g["GrantId"] for g in by_id], [ids[2]])
        self.assertEqual(self.grants_of(key["KeyId"], GrantId="f" * 64)["Grants"], [])
        self.assertAwsError("InvalidGrantIdException", self.grants_of, key["KeyId"],
                            GrantId="not-a-grant")
        self.assertAwsError("InvalidMarkerException", self.grants_of, key["KeyId"],
                            Marker="junk")

    def test_retire_by_token_and_by_ids(self):
        key = self.new_key()
        a = self.grant(key["KeyId"], RetiringPrincipal=ROLE)
        b = self.grant(key["KeyId"])
        self.kms.retire_grant(GrantToken=a["GrantToken"])
        self.kms.retire_grant(KeyId=key["Arn"], GrantId=b["GrantId"])
        self.assertEqual(self.grants_of(key["KeyId"])["Grants"], [])
        self.assertAwsError("NotFoundException", self.kms.retire_grant,
                            GrantToken=a["GrantToken"])
        self.assertAwsError("InvalidGrantTokenException", self.kms.retire_grant,
                            GrantToken="bm90IGEgdG9rZW4=", message=INVALID_TOKEN)
        self.assertAwsError("ValidationException", self.kms.retire_grant, GrantId=b["GrantId"])

    def test_revoke(self):
        key = self.new_key()
        a = self.grant(key["KeyId"])
        b = self.grant(key["KeyId"])
        self.kms.revoke_grant(KeyId=key["KeyId"], GrantId=a["GrantId"])
        self.assertEqual([g["GrantId"] for g in self.grants_of(key["KeyId"])["Grants"]],
                         [b["GrantId"]])
        self.assertAwsError("NotFoundException", self.kms.revoke_grant, KeyId=key["KeyId"],
                            GrantId=a["GrantId"], message_contains=a["GrantId"])
        self.assertAwsError("InvalidGrantIdException", self.kms.revoke_grant, KeyId=key["KeyId"],
                            GrantId="1234")
        self.assertAwsError("NotFoundException", self.kms.revoke_grant,
                            KeyId="alias/none", GrantId=b["GrantId"])

    def test_dry_run(self):
        def dry_run(operation, **params):  # by hand: older botocore does not know DryRun
            return harness.call_by_hand(self.kms, operation, DryRun=True, **params)

        key = self.new_key()
        self.assertAwsError("DryRunOperationException", dry_run, "CreateGrant",
                            KeyId=key["KeyId"], GranteePrincipal=USER, Operations=["Encrypt"])
        self.assertEqual(self.grants_of(key["KeyId"])["Grants"], [])
        g = self.grant(key["KeyId"])
        self.assertAwsError("DryRunOperationException", dry_run, "RevokeGrant",
                            KeyId=key["KeyId"], GrantId=g["GrantId"])
        self.assertAwsError("DryRunOperationException", dry_run, "RetireGrant",
                            GrantToken=g["GrantToken"])
        self.assertEqual(len(self.grants_of(key["KeyId"])["Grants"]), 1)

    def test_operations_the_key_does_not_support_are_refused(self):
        symmetric = self.new_key()
        signing = self.new_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
        hmac = self.new_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
        rsa = self.new_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")
        for key, op in [(symmetric, "Sign"), (symmetric, "GetPublicKey"),
                        (symmetric, "GenerateMac"), (signing, "Encrypt"),
                        (signing, "GenerateDataKey"), (hmac, "GetPublicKey"),
                        (rsa, "GenerateDataKey"), (rsa, "GenerateDataKeyPair")]:
            with self.subTest(spec=key["KeySpec"], op=op):
                self.assertAwsError("ValidationException", self.grant, key["KeyId"], [op],
                                    message_contains=op)
        self.grant(signing["KeyId"], ["Sign", "Verify", "GetPublicKey", "DescribeKey"])
        self.grant(hmac["KeyId"], ["GenerateMac", "VerifyMac", "RetireGrant"])
        self.grant(rsa["KeyId"], ["Encrypt", "Decrypt", "GetPublicKey"])
        # Recorded from AWS.
        self.assertAwsError("ValidationException", self.grant, symmetric["KeyId"],
                            ["CreateGrant"],
                            message="Grants must not contain only the CreateGrant operation.")
        self.assertAwsError("ValidationException", self.grant, symmetric["KeyId"], ["Bogus"],
                            message_contains="Member must satisfy enum value set")

    def test_constraints_rules(self):
        signing = self.new_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
        self.assertAwsError("ValidationException", self.grant, signing["KeyId"], ["Sign"],
                            Constraints={"EncryptionContextSubset": {"a": "b"}})
        key = self.new_key()
        nine = {f"k{i}": "v" for i in range(9)}
        self.assertAwsError("ValidationException", self.grant, key["KeyId"],
                            Constraints={"EncryptionContextEquals": nine})
        self.assertAwsError("ValidationException", self.grant, key["KeyId"],
                            Constraints={"EncryptionContextEquals": {"k": "v" * 400}})
        # AWS's text, as the Terraform AWS provider quotes it (grantConstraintsIsValid).
        self.assertAwsError("ValidationException", self.grant, key["KeyId"],
                            Constraints={"EncryptionContextEquals": {"a": "1"},
                                         "EncryptionContextSubset": {"b": "2"}},
                            message="More than one constraint supplied")
        eight = {f"k{i}": "v" for i in range(8)}
        self.grant(key["KeyId"], Constraints={"EncryptionContextSubset": eight})

    def test_key_states(self):
        key = self.new_key()
        g = self.grant(key["KeyId"])
        self.kms.disable_key(KeyId=key["KeyId"])
        self.assertAwsError("DisabledException", self.grant, key["KeyId"],
                            message=f"{key['Arn']} is disabled.")
        self.assertEqual(len(self.grants_of(key["KeyId"])["Grants"]), 1)
        self.kms.enable_key(KeyId=key["KeyId"])
        self.kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
        self.assertAwsError("KMSInvalidStateException", self.grant, key["KeyId"],
                            message=f"{key['Arn']} is pending deletion.")
        # Listing, revoking and retiring work in every state.
        self.assertEqual(len(self.grants_of(key["KeyId"])["Grants"]), 1)
        self.kms.revoke_grant(KeyId=key["KeyId"], GrantId=g["GrantId"])
        self.assertEqual(self.grants_of(key["KeyId"])["Grants"], [])

    def test_aliases_and_unknown_keys(self):
        key = self.new_key()
        self.kms.create_alias(AliasName="alias/grant-target", TargetKeyId=key["KeyId"])
        self.assertAwsError("NotFoundException", self.grant, "alias/grant-target")
        self.assertAwsError("NotFoundException", self.grant,
                            "11111111-2222-3333-4444-555555555555")
        self.assertAwsError("NotFoundException", self.grants_of,
                            "11111111-2222-3333-4444-555555555555")

    def test_list_retirable_grants(self):
        retiring = "arn:aws:iam::111122223333:role/retirer-" + self.id().rsplit(".", 1)[1]
        a, b = self.new_key(), self.new_key()
        ga = self.grant(a["KeyId"], RetiringPrincipal=retiring)["GrantId"]
        gb = self.grant(b["KeyId"], RetiringPrincipal=retiring)["GrantId"]
        self.grant(b["KeyId"], RetiringPrincipal=ROLE)
        listed = self.kms.list_retirable_grants(RetiringPrincipal=retiring)
        self.assertEqual(sorted(g["GrantId"] for g in listed["Grants"]), sorted([ga, gb]))
        page = self.kms.list_retirable_grants(RetiringPrincipal=retiring, Limit=1)
        self.assertTrue(page["Truncated"])
        rest = self.kms.list_retirable_grants(RetiringPrincipal=retiring,
                                              Marker=page["NextMarker"])
        self.assertEqual(sorted(g["GrantId"] for g in page["Grants"] + rest["Grants"]),
                         sorted([ga, gb]))

    def test_bad_grant_tokens_are_refused_everywhere(self):
        key = self.new_key()
        token = self.grant(key["KeyId"])["GrantToken"]
        # A token trent made is accepted by every operation that takes GrantTokens.
        self.kms.describe_key(KeyId=key["KeyId"], GrantTokens=[token])
        blob = self.kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x",
                                GrantTokens=[token])["CiphertextBlob"]
        self.kms.decrypt(CiphertextBlob=blob, GrantTokens=[token])
        for bad in ["not a token", base64.b64encode(b"\x01" + b"z" * 116).decode(), token[:-4]]:
            with self.subTest(token=bad):
                self.assertAwsError("InvalidGrantTokenException", self.kms.describe_key,
                                    KeyId=key["KeyId"], GrantTokens=[token, bad],
                                    message=INVALID_TOKEN)
                self.assertAwsError("InvalidGrantTokenException", self.kms.encrypt,
                                    KeyId=key["KeyId"], Plaintext=b"x", GrantTokens=[bad])
                self.assertAwsError("InvalidGrantTokenException", self.grant, key["KeyId"],
                                    GrantTokens=[bad])


class GrantsRestart(unittest.TestCase):

    def test_grants_survive_kill_and_deletion_takes_them(self):
        server = harness.Trentd(["--test-clock"])
        self.addCleanup(server.close)
        server.start()
        kms = server.client()
        key = kms.create_key()["KeyMetadata"]
        kept = kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=USER, Name="kept",
                                Operations=["Decrypt"], RetiringPrincipal=ROLE,
                                Constraints={"EncryptionContextEquals": {"K": "V"}})
        gone = kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=USER,
                                Operations=["Encrypt"])
        kms.revoke_grant(KeyId=key["KeyId"], GrantId=gone["GrantId"])
        before = kms.list_grants(KeyId=key["KeyId"])["Grants"]
        server.kill()
        server.start()
        kms = server.client()
        self.assertEqual(kms.list_grants(KeyId=key["KeyId"])["Grants"], before)
        self.assertEqual([g["GrantId"] for g in before], [kept["GrantId"]])
        # The token made before the restart still names the grant.
        kms.describe_key(KeyId=key["KeyId"], GrantTokens=[kept["GrantToken"]])
        again = kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=USER, Name="kept",
                                 Operations=["Decrypt"], RetiringPrincipal=ROLE,
                                 Constraints={"EncryptionContextEquals": {"K": "V"}})
        self.assertEqual(again["GrantId"], kept["GrantId"])
        self.assertEqual(len(kms.list_retirable_grants(RetiringPrincipal=ROLE)["Grants"]), 1)
        # A deleted key takes its grants with it, in storage too.
        kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
        server.advance_clock(8 * 86400)
        self.assertEqual(kms.list_retirable_grants(RetiringPrincipal=ROLE)["Grants"], [])
        server.stop()
        server.start()
        kms = server.client()
        self.assertEqual(kms.list_retirable_grants(RetiringPrincipal=ROLE)["Grants"], [])


if __name__ == "__main__":
    harness.main()
