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

 private:
  Services& services_;
};

}  // namespace trent::ops
