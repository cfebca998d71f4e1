"""trent.v1.Admin/ApplySeed over gRPC: the same seeding as --seed and POST /_trent/v1/ApplySeed
(tests/integration/seed.py covers the formats): a seed applied, applied again (nothing new), and
a bad one refused with the AWS error in the gRPC status, nothing applied (also when the
refused entry comes after a good one)."""

import grpc

import grpc_kms  # sets up the modules protoc made of proto/
import harness
from trent.v1 import admin_pb2

KEY_ID = "5d1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b"
SEED = f"""
Keys:
  Symmetric:
    Aes:
      - Metadata:
          KeyId: {KEY_ID}
          Description: seeded over gRPC
        BackingKeys:
          - 34743777217A25432A46294A404E635266556A586E3272357538782F413F4428
Aliases:
  - AliasName: alias/grpc-seeded
    TargetKeyId: {KEY_ID}
"""


class GrpcApplySeed(harness.TrentdTestCase):
    grpc = True

    def apply(self, text):
        channel = grpc.insecure_channel(self.server.grpc_target)
        self.addCleanup(channel.close)
        call = channel.unary_unary("/trent.v1.Admin/ApplySeed",
                                   request_serializer=lambda m: m.SerializeToString(),
                                   response_deserializer=admin_pb2.ApplySeedResponse.FromString)
        try:
            return call(admin_pb2.ApplySeedRequest(yaml=text), timeout=30)
        except grpc.RpcError as e:
            raise grpc_kms.error_of(e) from None

    def test_apply_then_again(self):
        first = self.apply(SEED)
        self.assertEqual((first.keys_created, first.keys_existing, first.aliases_created,
                          first.aliases_existing), (1, 0, 1, 0))
        described = self.kms.describe_key(KeyId="alias/grpc-seeded")["KeyMetadata"]
        self.assertEqual((described["KeyId"], described["Description"]),
                         (KEY_ID, "seeded over gRPC"))
        again = self.apply(SEED)
        self.assertEqual((again.keys_created, again.keys_existing, again.aliases_created,
                          again.aliases_existing), (0, 1, 0, 1))

    def test_bad_seed_refused(self):
        bad = SEED.replace("34743777217A25432A46294A404E635266556A586E3272357538782F413F4428",
                           "not-hex").replace(KEY_ID, "0e1d2c3b-4a59-4867-9a8b-7c6d5e4f3a2b")
        with self.assertRaises(grpc_kms.AwsError) as cm:
            self.apply(bad)
        self.assertEqual(cm.exception.code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(cm.exception.type, "ValidationException")
        self.assertIn("Keys.Symmetric.Aes[0]: BackingKeys[0]", cm.exception.message)
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError):
            self.kms.describe_key(KeyId="0e1d2c3b-4a59-4867-9a8b-7c6d5e4f3a2b")

    def test_seed_refused_late_creates_nothing(self):
        other = "6e2b3c4d-5e6f-4a70-8b8c-9d0e1f2a3b4c"
        bad = SEED.replace(KEY_ID, other, 1).replace("alias/grpc-seeded", "alias/grpc-late").replace(
            f"TargetKeyId: {KEY_ID}", "TargetKeyId: 11111111-2222-4333-8444-555555555555")
        with self.assertRaises(grpc_kms.AwsError) as cm:
            self.apply(bad)
        self.assertEqual(cm.exception.type, "ValidationException")
        self.assertEqual(cm.exception.message,
                         "Aliases[0]: TargetKeyId 11111111-2222-4333-8444-555555555555 is no key "
                         "of account 111122223333 in us-east-1")
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError):
            self.kms.describe_key(KeyId=other)


if __name__ == "__main__":
    harness.main()
