// Which operations the dispatcher marks as blocking (those that wait for a durable write, and
// those that compute for long: key pair generation), and which it serves later without blocking.
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
                                "GetKeyPolicy", "NoSuchOperation", ""}) {
    INFO(operation);
    CHECK_FALSE(Dispatcher::Blocks(operation));
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
