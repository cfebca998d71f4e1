// Routes a decoded request to its operation handler: decode -> validate -> handler -> encode.
#pragma once

#include <string_view>

#include "server/ops/api.h"
#include "server/ops/call.h"

namespace trent::ops {

class Dispatcher {
 public:
  explicit Dispatcher(Services& services) : services_(services) {}
  ApiResponse Dispatch(const RequestMeta& meta, std::string_view body) const;
  // True when `operation` may block its thread (it waits for a durable write, or computes for
  // long), so that a frontend runs it away from the threads that serve everyone else.
  static bool Blocks(std::string_view operation);

 private:
  Services& services_;
};

}  // namespace trent::ops
