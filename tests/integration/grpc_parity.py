"""Every operation trent implements (the routes of server/ops/dispatcher.cpp), over gRPC
(trentd --grpc-listen) and over HTTP (AWS JSON 1.1), with the answers compared: the same members
and values, except what differs by nature (new ids, fresh ciphertexts and random bytes), which is
checked another way (a ciphertext made over one protocol is decrypted over the other); and the
same AWS error type and message for bad requests. It all runs twice: with a gRPC client in Python
(grpcio) and with the one in C++ (trentctl kms, which prints the AWS JSON answer or the AWS
error)."""

import base64
import json
import os
import subprocess
import uuid

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

import grpc_kms
import harness

ROLE = "arn:aws:iam::111122223333:role/parity"
CONTEXT = {"purpose": "parity"}
PLAINTEXT = base64.b64encode(b"the same secret over both protocols").decode()
MESSAGE = base64.b64encode(b"a message to sign").decode()


def without_empty(value):
    """The answer without empty lists and maps: AWS JSON may send an empty list where a
    protobuf message cannot tell an empty repeated field from an absent one."""
    if isinstance(value, dict):
        return {k: without_empty(v) for k, v in value.items() if v not in ([], {})}
    if isinstance(value, list):
        return [without_empty(v) for v in value]
    return value


def masked(value, members):
    """`value` with the values of `members` (anywhere in it) replaced by a mark: their presence
    is still compared, not their values."""
    if isinstance(value, dict):
        return {k: "<masked>" if k in members else masked(v, members) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v, members) for v in value]
    return value


def replaced(value, replacements):
    """`value` with every string in `replacements` (old -> new) replaced inside its strings."""
    if isinstance(value, dict):
        return {k: replaced(v, replacements) for k, v in value.items()}
    if isinstance(value, list):
        return [replaced(v, replacements) for v in value]
    if isinstance(value, str):
        for old, new in replacements.items():
            value = value.replace(old, new)
    return value


class GrpcParity(harness.TrentdTestCase):
    """gRPC through Python's grpcio."""
    grpc = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.covered = set()
        cls.rpc = grpc_kms.Kms(cls.server.grpc_target)
        cls.addClassCleanup(cls.rpc.close)
        cls.key = cls.new_key_id()
        cls.rsa_key = cls.new_key_id(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
        cls.hmac_key = cls.new_key_id(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
        cls.ecdh_key = cls.new_key_id(KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT")

    @classmethod
    def tearDownClass(cls):
        missing = harness.implemented_operations() - cls.covered
        super().tearDownClass()
        if missing:
            raise AssertionError(f"operations not compared over gRPC and HTTP: {sorted(missing)}")

    @classmethod
    def new_key_id(cls, **request):
        status, answer, _ = cls.server.kms_call("CreateKey", request)
        assert status == 200, answer
        return answer["KeyMetadata"]["KeyId"]

    # --- the two protocols ---

    def http(self, operation, request):
        """("ok", answer) or ("error", type, message) over HTTP."""
        status, answer, _ = self.server.kms_call(operation, request)
        if status == 200:
            return ("ok", answer)
        return ("error", answer["__type"], answer.get("message", ""))

    def grpc(self, operation, request):
        """("ok", answer) or ("error", type, message) over gRPC."""
        try:
            return ("ok", self.rpc.call(operation, request))
        except grpc_kms.AwsError as e:
            return ("error", e.type, e.message)

    def both(self, operation, http_request, grpc_request=None):
        """The answers of both protocols; each must succeed. grpc_request defaults to
        http_request (operations that change state get one resource per protocol)."""
        self.covered.add(operation)
        over_http = self.http(operation, http_request)
        over_grpc = self.grpc(operation, http_request if grpc_request is None else grpc_request)
        self.assertEqual(over_http[0], "ok", f"{operation} over HTTP: {over_http}")
        self.assertEqual(over_grpc[0], "ok", f"{operation} over gRPC: {over_grpc}")
        return without_empty(over_http[1]), without_empty(over_grpc[1])

    def assertSame(self, operation, http_request, grpc_request=None, differ=(), replace=None,
                   mask=()):
        """Both answers equal, once the members in `differ` (present on both, values not
        compared) are left out, the members in `mask` masked anywhere in the answers, and
        `replace` (gRPC string -> HTTP string) is applied to gRPC's."""
        over_http, over_grpc = self.both(operation, http_request, grpc_request)
        over_grpc = masked(replaced(over_grpc, replace or {}), mask)
        over_http = masked(over_http, mask)
        for member in differ:
            self.assertIn(member, over_http, f"{operation}: {member} missing over HTTP")
            self.assertIn(member, over_grpc, f"{operation}: {member} missing over gRPC")
            del over_http[member], over_grpc[member]
        self.assertEqual(over_http, over_grpc, operation)
        return over_http

    def pair_of_keys(self, **request):
        """Two new keys alike, one for each protocol; and the replacements that make the gRPC
        key's answers read as the HTTP key's."""
        a, b = self.new_key_id(**request), self.new_key_id(**request)
        return a, b, {b: a}

    # --- the same resource over both ---

    def test_reads_of_one_key(self):
        self.assertSame("DescribeKey", {"KeyId": self.key})
        self.assertSame("GetKeyPolicy", {"KeyId": self.key, "PolicyName": "default"})
        self.assertSame("GetKeyRotationStatus", {"KeyId": self.key})
        self.assertSame("ListKeyPolicies", {"KeyId": self.key})
        self.assertSame("ListKeyRotations", {"KeyId": self.key})
        self.assertSame("ListResourceTags", {"KeyId": self.key})
        self.assertSame("GetPublicKey", {"KeyId": self.rsa_key})
        self.assertSame("GetKeyLastUsage", {"KeyId": self.key})

    def test_lists(self):
        self.assertSame("ListKeys", {})
        self.assertSame("ListAliases", {})
        self.assertSame("ListKeys", {"Limit": 2})

    def test_deterministic_crypto(self):
        self.assertSame("GenerateMac", {"KeyId": self.hmac_key, "Message": MESSAGE,
                                        "MacAlgorithm": "HMAC_SHA_256"})
        mac = self.server.kms_call("GenerateMac", {"KeyId": self.hmac_key, "Message": MESSAGE,
                                                   "MacAlgorithm": "HMAC_SHA_256"})[1]["Mac"]
        self.assertSame("VerifyMac", {"KeyId": self.hmac_key, "Message": MESSAGE, "Mac": mac,
                                      "MacAlgorithm": "HMAC_SHA_256"})
        # RSASSA-PKCS1-v1_5 signatures are deterministic.
        sign = {"KeyId": self.rsa_key, "Message": MESSAGE,
                "SigningAlgorithm": "RSASSA_PKCS1_V1_5_SHA_256"}
        signed = self.assertSame("Sign", sign)
        self.assertSame("Verify", dict(sign, Signature=signed["Signature"]))
        peer = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        self.assertSame("DeriveSharedSecret", {"KeyId": self.ecdh_key,
                                               "KeyAgreementAlgorithm": "ECDH",
                                               "PublicKey": base64.b64encode(peer).decode()})

    def test_ciphertexts_cross_protocols(self):
        encrypt = {"KeyId": self.key, "Plaintext": PLAINTEXT, "EncryptionContext": CONTEXT}
        over_http, over_grpc = self.both("Encrypt", encrypt)
        blobs = over_http.pop("CiphertextBlob"), over_grpc.pop("CiphertextBlob")
        self.assertEqual(over_http, over_grpc)
        over_http["CiphertextBlob"], over_grpc["CiphertextBlob"] = blobs
        # Each protocol decrypts what the other encrypted.
        decrypted = self.assertSame(
            "Decrypt", {"CiphertextBlob": over_grpc["CiphertextBlob"], "EncryptionContext": CONTEXT},
            {"CiphertextBlob": over_http["CiphertextBlob"], "EncryptionContext": CONTEXT})
        self.assertEqual(decrypted["Plaintext"], PLAINTEXT)
        reencrypt = self.assertSame(
            "ReEncrypt", {"CiphertextBlob": over_grpc["CiphertextBlob"],
                          "SourceEncryptionContext": CONTEXT, "DestinationKeyId": self.key},
            {"CiphertextBlob": over_http["CiphertextBlob"], "SourceEncryptionContext": CONTEXT,
             "DestinationKeyId": self.key}, differ=("CiphertextBlob",))
        self.assertEqual(reencrypt["KeyId"], reencrypt["SourceKeyId"])

    def test_data_keys(self):
        request = {"KeyId": self.key, "KeySpec": "AES_256", "EncryptionContext": CONTEXT}
        over_http, over_grpc = self.both("GenerateDataKey", request)
        self.assertEqual(over_http.keys(), over_grpc.keys())
        self.assertEqual(over_http["KeyId"], over_grpc["KeyId"])
        for made, plaintext in ((over_http, over_http["Plaintext"]),
                                (over_grpc, over_grpc["Plaintext"])):
            for decrypt in (self.http, self.grpc):
                answer = decrypt("Decrypt", {"CiphertextBlob": made["CiphertextBlob"],
                                             "EncryptionContext": CONTEXT})
                self.assertEqual(answer[0], "ok", answer)
                self.assertEqual(answer[1]["Plaintext"], plaintext)
        self.assertSame("GenerateDataKeyWithoutPlaintext", request, differ=("CiphertextBlob",))
        pair = {"KeyId": self.key, "KeyPairSpec": "ECC_NIST_P256", "EncryptionContext": CONTEXT}
        self.assertSame("GenerateDataKeyPair", pair,
                        differ=("PrivateKeyCiphertextBlob", "PrivateKeyPlaintext", "PublicKey"))
        self.assertSame("GenerateDataKeyPairWithoutPlaintext", pair,
                        differ=("PrivateKeyCiphertextBlob", "PublicKey"))
        over_http, over_grpc = self.both("GenerateRandom", {"NumberOfBytes": 48})
        self.assertEqual(len(base64.b64decode(over_http["Plaintext"])), 48)
        self.assertEqual(len(base64.b64decode(over_grpc["Plaintext"])), 48)
        self.assertEqual(over_http.keys(), over_grpc.keys())

    # --- state changes: one resource per protocol ---

    def test_create_key(self):
        request = {"Description": "parity", "KeySpec": "ECC_NIST_P384", "KeyUsage": "SIGN_VERIFY",
                   "Tags": [{"TagKey": "team", "TagValue": "parity"}]}
        over_http, over_grpc = self.both("CreateKey", request)
        meta_http, meta_grpc = over_http["KeyMetadata"], over_grpc["KeyMetadata"]
        for member in ("KeyId", "Arn", "CreationDate"):
            self.assertIn(member, meta_grpc)
            del meta_http[member], meta_grpc[member]
        self.assertEqual(over_http, over_grpc)

    def test_key_state_changes(self):
        a, b, same = self.pair_of_keys()
        for operation, extra in (("DisableKey", {}), ("EnableKey", {}),
                                 ("EnableKeyRotation", {"RotationPeriodInDays": 90}),
                                 ("DisableKeyRotation", {}),
                                 ("UpdateKeyDescription", {"Description": "changed"}),
                                 ("TagResource", {"Tags": [{"TagKey": "k", "TagValue": "v"}]}),
                                 ("UntagResource", {"TagKeys": ["k"]}),
                                 ("PutKeyPolicy", {"PolicyName": "default", "Policy": self.policy()}),
                                 ("RotateKeyOnDemand", {}),
                                 ("ScheduleKeyDeletion", {"PendingWindowInDays": 7}),
                                 ("CancelKeyDeletion", {})):
            over_http, over_grpc = self.both(operation, dict(extra, KeyId=a), dict(extra, KeyId=b))
            over_grpc = replaced(over_grpc, same)
            if operation == "ScheduleKeyDeletion":
                # Both seven days from the call, a moment apart.
                self.assertAlmostEqual(over_http.pop("DeletionDate"),
                                       over_grpc.pop("DeletionDate"), delta=5)
            self.assertEqual(over_http, over_grpc, operation)
        # What both calls left: the same state.
        http_meta = self.server.kms_call("DescribeKey", {"KeyId": a})[1]["KeyMetadata"]
        described = self.grpc("DescribeKey", {"KeyId": b})
        self.assertEqual(described[0], "ok", described)
        grpc_meta = replaced(described[1]["KeyMetadata"], same)
        mask = ("CreationDate", "CurrentKeyMaterialId")
        self.assertEqual(masked(without_empty(http_meta), mask),
                         masked(without_empty(grpc_meta), mask))

    def policy(self):
        return ('{"Version":"2012-10-17","Statement":[{"Sid":"root","Effect":"Allow",'
                '"Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*",'
                '"Resource":"*"}]}')

    def test_aliases(self):
        a, b, _ = self.pair_of_keys()
        self.assertSame("CreateAlias", {"AliasName": "alias/parity-http", "TargetKeyId": a},
                        {"AliasName": "alias/parity-grpc", "TargetKeyId": b})
        self.assertSame("UpdateAlias", {"AliasName": "alias/parity-http", "TargetKeyId": b},
                        {"AliasName": "alias/parity-grpc", "TargetKeyId": a})
        self.assertSame("ListAliases", {"KeyId": b}, {"KeyId": a},
                        replace={"alias/parity-grpc": "alias/parity-http", a: b},
                        mask=("CreationDate", "LastUpdatedDate"))
        self.assertSame("DeleteAlias", {"AliasName": "alias/parity-http"},
                        {"AliasName": "alias/parity-grpc"})

    def test_grants(self):
        a, b, same = self.pair_of_keys()
        grant = {"GranteePrincipal": ROLE, "RetiringPrincipal": ROLE,
                 "Operations": ["Encrypt", "Decrypt"], "Name": "parity"}
        http_grants, grpc_grants = [], []
        for _ in range(3):
            over_http, over_grpc = self.both("CreateGrant", dict(grant, KeyId=a),
                                             dict(grant, KeyId=b))
            self.assertEqual(sorted(over_http), sorted(over_grpc))
            http_grants.append(over_http)
            grpc_grants.append(over_grpc)
            grant["Name"] += "-again"
        same.update({g["GrantId"]: h["GrantId"] for g, h in zip(grpc_grants, http_grants)})
        self.assertSame("ListGrants", {"KeyId": a}, {"KeyId": b}, replace=same,
                        mask=("CreationDate",))
        over_http, over_grpc = self.both("ListRetirableGrants", {"RetiringPrincipal": ROLE})
        self.assertEqual(len(over_http["Grants"]), len(over_grpc["Grants"]))
        self.assertSame("RetireGrant", {"GrantToken": http_grants[0]["GrantToken"]},
                        {"GrantToken": grpc_grants[0]["GrantToken"]})
        self.assertSame("RetireGrant", {"KeyId": a, "GrantId": http_grants[1]["GrantId"]},
                        {"KeyId": b, "GrantId": grpc_grants[1]["GrantId"]})
        self.assertSame("RevokeGrant", {"KeyId": a, "GrantId": http_grants[2]["GrantId"]},
                        {"KeyId": b, "GrantId": grpc_grants[2]["GrantId"]})
        self.assertSame("ListGrants", {"KeyId": a}, {"KeyId": b})

    # --- errors ---

    def assertSameError(self, operation, request, error_type):
        self.covered.add(operation)
        over_http = self.http(operation, request)
        over_grpc = self.grpc(operation, request)
        self.assertEqual(over_http[:2], ("error", error_type), f"{operation} over HTTP")
        self.assertEqual(over_grpc, over_http, f"{operation} {request}")

    def test_errors(self):
        disabled = self.new_key_id()
        self.server.kms_call("DisableKey", {"KeyId": disabled})
        missing = str(uuid.uuid4())
        self.assertSameError("Encrypt", {"Plaintext": PLAINTEXT}, "ValidationException")
        self.assertSameError("CreateKey", {"KeySpec": "NOT_A_SPEC"}, "ValidationException")
        self.assertSameError("CreateKey", {"Description": "x" * 8193}, "ValidationException")
        self.assertSameError("GenerateRandom", {"NumberOfBytes": 0}, "ValidationException")
        self.assertSameError("DescribeKey", {"KeyId": missing}, "NotFoundException")
        self.assertSameError("DescribeKey", {"KeyId": "alias/none"}, "NotFoundException")
        self.assertSameError("Encrypt", {"KeyId": disabled, "Plaintext": PLAINTEXT},
                             "DisabledException")
        self.assertSameError("Decrypt", {"CiphertextBlob": base64.b64encode(b"\x01" * 80).decode()},
                             "InvalidCiphertextException")
        self.assertSameError("Sign", {"KeyId": self.key, "Message": MESSAGE,
                                      "SigningAlgorithm": "ECDSA_SHA_256"},
                             "InvalidKeyUsageException")
        self.assertSameError("CreateAlias", {"AliasName": "alias/aws/reserved",
                                             "TargetKeyId": self.key}, "NotAuthorizedException")
        self.assertSameError("CreateCustomKeyStore", {"CustomKeyStoreName": "parity"},
                             "UnsupportedOperationException")


class GrpcParityTrentctl(GrpcParity):
    """gRPC through trentctl, the C++ client: `trentctl kms <Operation> '<AWS JSON>'`."""

    def grpc(self, operation, request):
        proc = subprocess.run([os.environ["TRENTCTL"], "--server", self.server.grpc_target,
                               "--json", "kms", operation, json.dumps(request)],
                              capture_output=True, text=True, timeout=60)
        if proc.returncode == 0:
            return ("ok", json.loads(proc.stdout))
        # An AWS error: exit 1 and "<type>: <message>" on stderr.
        self.assertEqual(proc.returncode, 1, f"trentctl kms {operation}: {proc.stderr}")
        error_type, _, message = proc.stderr.rstrip("\n").partition(": ")
        return ("error", error_type, message)


if __name__ == "__main__":
    harness.main()
