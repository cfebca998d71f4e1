// Which operations the dispatcher marks as blocking (those that wait for a durable write, and
// those that compute for very long: key pair generation), which as computing (asymmetric
// operations in the HSM), and which it serves later without blocking.
#include <catch.hpp>

#include "server/ops/dispatcher.h"

using trent::ops::Dispatcher;

TEST_CASE("dispatcher: the operations that write or compute for long block, the others do not") {
  for (const char* operation : {"CreateKey", "EnableKey", "DisableKey", "ScheduleKeyDeletion",
                                "CancelKeyDeletion", "GenerateDataKeyPair",
                                "GenerateDataKeyPairWithoutPlaintext", "CreateGrant",
                                "RetireGrant", "RevokeGrant"}) {
    INFO(operation);
    CHECK(Dispatcher::Blocks(operation));
  }
  for (const char* operation : {"Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey",
                                "GenerateDataKeyWithoutPlaintext", "GenerateRandom",
                                "DescribeKey", "ListKeys", "ListGrants", "ListRetirableGrants",
                                "GetKeyPolicy", "Sign", "Verify", "DeriveSharedSecret",
                                "NoSuchOperation", ""}) {
    INFO(operation);
    CHECK_FALSE(Dispatcher::Blocks(operation));
  }
}

TEST_CASE("dispatcher: Sign, Verify and DeriveSharedSecret compute; nothing else does") {
  for (const char* operation : {"Sign", "Verify", "DeriveSharedSecret"}) {
    INFO(operation);
    CHECK(Dispatcher::Computes(operation));
  }
  for (const char* operation : {"Encrypt", "Decrypt", "GenerateMac", "VerifyMac", "CreateKey",
                                "GenerateDataKeyPair", "GetPublicKey", "NoSuchOperation", ""}) {
    INFO(operation);
    CHECK_FALSE(Dispatcher::Computes(operation));
  }
}

TEST_CASE("dispatcher: CreateKey is served later, without blocking; nothing else is yet") {
  CHECK(Dispatcher::Defers("CreateKey"));
  for (const char* operation : {"EnableKey", "CreateGrant", "GenerateDataKeyPair", "Encrypt",
                                "DescribeKey", "NoSuchOperation", ""}) {
    INFO(operation);
    CHECK_FALSE(Dispatcher::Defers(operation));
  }
}
