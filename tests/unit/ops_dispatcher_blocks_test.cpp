// Which operations the dispatcher marks as blocking: those that wait for a durable write.
#include <catch.hpp>

#include "server/ops/dispatcher.h"

using trent::ops::Dispatcher;

TEST_CASE("dispatcher: the operations that write block, the others do not") {
  for (const char* operation : {"CreateKey", "EnableKey", "DisableKey", "ScheduleKeyDeletion",
                                "CancelKeyDeletion"}) {
    INFO(operation);
    CHECK(Dispatcher::Blocks(operation));
  }
  for (const char* operation : {"Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey",
                                "GenerateDataKeyWithoutPlaintext", "GenerateRandom",
                                "DescribeKey", "ListKeys", "CreateGrant", "NoSuchOperation", ""}) {
    INFO(operation);
    CHECK_FALSE(Dispatcher::Blocks(operation));
  }
}
