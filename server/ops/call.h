// What every operation handler receives besides its input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "policy/policy.h"
#include "server/kms/key_crypto.h"
#include "server/kms/key_store.h"
#include "server/kms/last_usage.h"

namespace boost::json {
class object;
}

namespace trent::ops {

// The caller and circumstances of one request. Views into the request: valid for the call.
struct Call {
  std::string_view action;         // the operation as policies name it: "kms:Encrypt"
  const boost::json::object* input = nullptr;  // the decoded request, for policy conditions
  std::string_view account;        // the caller's account
  std::string_view principal_arn;  // the caller: a user, role or assumed-role ARN, or the
                                   // account's root "arn:aws:iam::<account>:root"
  std::string_view region;
  std::string_view access_key_id;  // as presented (verified only with --auth strict)
  std::string_view request_id;
  std::string_view source_ip;
  int64_t now_ms = 0;              // the request's time, from the server's clock
  // The caller's identity policies; null when none are on record (then they allow everything).
  const std::vector<policy::DocumentPtr>* identity_policies = nullptr;
  // Set by the authorize step (ops/authorize.h); the dispatcher refuses an answer of an
  // operation on a key that was never authorized.
  mutable bool authorized = false;
  // The keys the request acted on (ARNs), for its record: each key authorization was asked for
  // (allowed or not), and the key CreateKey made.
  mutable std::vector<std::string> key_arns = {};
};

// The long-lived parts handlers act through.
struct Services {
  kms::KeyStore& keys;
  kms::KeyCrypto& crypto;
  kms::UsageTracker& usage;
  const Clock& clock;
  std::string default_account;
  // The default account's root principal: the caller when no identity is known.
  std::string default_root_arn = policy::AccountRootArn(default_account);
};

}  // namespace trent::ops
