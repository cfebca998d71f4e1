// trentctl kms <Operation> '<request JSON>': any operation of trent.v1.KeyManagementService,
// with the request and the answer as AWS JSON documents.
#pragma once

#include <string>

#include "tools/trentctl/rpc.h"

namespace trent::ctl {

// Sends `request_json` (an AWS JSON request: blobs base64, timestamps epoch seconds) as the
// request of `operation`, prints the answer as an AWS JSON document on stdout; returns the
// exit code.
int RunKms(const Options& options, const std::string& operation, const std::string& request_json);

}  // namespace trent::ctl
