// Which operations the dispatcher marks as blocking (those that wait for a durable write), which
// as computing (asymmetric operations, key pair generation), and which it serves later without
// blocking.
#include <catch.hpp>

#include "server/ops/dispatcher.h"

using trent::ops::Dispatcher;

TEST_CASE("dispatcher: the operations that write block, the others do not") {
  for (const char* operation : {"CreateKey", "EnableKey", "DisableKey", "ScheduleKeyDeletion",
                                "CancelKeyDeletion", "CreateGrant", "RetireGrant", "RevokeGrant"}) {
    INFO(operation);
    CHECK(Dispatcher::Blocks(operation));
  }
  for (const char* operation : {"Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey",
                                "GenerateDataKeyWithoutPlaintext", "GenerateRandom",
                                "DescribeKey", "ListKeys", "ListGrants", "ListRetirableGrants",
                                "GetKeyPolicy", "Sign", "Verify", "DeriveSharedSecret",
                                "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext",
                                "NoSuchOperation", ""}) {
    INFO(operation);
    CHECK_FALSE(Dispatcher::Blocks(operation));
  }
}

TEST_CASE("dispatcher: Sign, Verify, DeriveSharedSecret and key pairs compute; nothing else does") {
  for (const char* operation : {"Sign", "Verify", "DeriveSharedSecret", "GenerateDataKeyPair",
                                "GenerateDataKeyPairWithoutPlaintext"}) {
    INFO(operation);
    CHECK(Dispatcher::Computes(operation));
  }
  for (const char* operation : {"Encrypt", "Decrypt", "GenerateMac", "VerifyMac", "CreateKey",
                                "GetPublicKey", "NoSuchOperation", ""}) {
    INFO(operation);
    CHECK_FALSE(Dispatcher::Computes(operation));
  }
}

TEST_CASE("dispatcher: CreateKey and the changes to one key or alias are served later") {
  for (const char* operation :
       {"CreateKey", "EnableKey", "DisableKey", "ScheduleKeyDeletion", "CancelKeyDeletion",
        "EnableKeyRotation", "DisableKeyRotation", "TagResource", "UntagResource",
        "UpdateKeyDescription", "PutKeyPolicy", "CreateGrant", "RetireGrant", "RevokeGrant",
        "CreateAlias", "UpdateAlias", "DeleteAlias"}) {
    INFO(operation);
    CHECK(Dispatcher::Defers(operation));
    CHECK(Dispatcher::Blocks(operation));  // the blocking form serves the other frontends
  }
  // RotateKeyOnDemand has the blocking form only: it makes the new version in the HSM first.
  for (const char* operation : {"RotateKeyOnDemand", "GenerateDataKeyPair", "Encrypt",
                                "DescribeKey", "NoSuchOperation", ""}) {
    INFO(operation);
    CHECK_FALSE(Dispatcher::Defers(operation));
  }
}
