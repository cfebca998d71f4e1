// One handler per KMS operation (one file each), registered in dispatcher.cpp.
// Input: the request decoded and validated against the service model (blobs hold raw bytes).
#pragma once

#include <functional>

#include <boost/json.hpp>

#include "common/status.h"
#include "server/ops/call.h"

namespace trent::ops {

using Input = boost::json::object;
using Output = boost::json::object;
using Handler = Result<Output> (*)(const Call&, const Input&, Services&);

// The second form of an operation that waits for a durable write: it starts the write and
// returns without waiting. Once the write is done it calls `finish`, exactly once and from any
// thread, with the rest of the operation, which the dispatcher runs on one of the frontend's
// threads. The Call and the Input stay valid until then. It returns false, having changed
// nothing and without ever calling `finish`, for a request that would take its thread long
// before the write (e.g. an RSA key pair to make): the blocking form serves that one.
using Finish = std::function<void(std::function<Result<Output>()> rest)>;
using LaterHandler = bool (*)(const Call&, const Input&, Services&, Finish);

// What the handler of an operation that changes one key returns instead of an Output: the
// change, in the parts the dispatcher runs around the key store's write, so that it can serve
// the operation with or without waiting for the write (KeyStore::Update or UpdateThen): the key
// and the edit, then the answer made from the key as the edit left it (none: an empty Output).
// Both run after the handler has returned, possibly on other threads: they may use the Call and
// the Input, but must own everything else they use.
struct KeyChange {
  using Answer = std::function<Result<Output>(const kms::KeyPtr& changed)>;
  kms::KeyPtr key;
  kms::KeyEdit edit;
  Answer answer = nullptr;  // none: an empty Output
};

// The same for an operation that changes one alias of the caller's account and region; its
// answer is empty. `name` may point into the Input.
struct AliasChange {
  kms::KeyStore::AliasOp op;
  std::string_view name;
  kms::KeyPtr target;  // null for kDelete
};

Result<Output> CreateKey(const Call&, const Input&, Services&);
bool CreateKeyLater(const Call&, const Input&, Services&, Finish);
Result<Output> DescribeKey(const Call&, const Input&, Services&);
Result<Output> ListKeys(const Call&, const Input&, Services&);
Result<KeyChange> EnableKey(const Call&, const Input&, Services&);
Result<KeyChange> DisableKey(const Call&, const Input&, Services&);
Result<KeyChange> ScheduleKeyDeletion(const Call&, const Input&, Services&);
Result<KeyChange> CancelKeyDeletion(const Call&, const Input&, Services&);
Result<Output> Encrypt(const Call&, const Input&, Services&);
Result<Output> Decrypt(const Call&, const Input&, Services&);
Result<Output> ReEncrypt(const Call&, const Input&, Services&);
Result<Output> GenerateDataKey(const Call&, const Input&, Services&);
Result<Output> GenerateDataKeyWithoutPlaintext(const Call&, const Input&, Services&);
Result<Output> GenerateDataKeyPair(const Call&, const Input&, Services&);
Result<Output> GenerateDataKeyPairWithoutPlaintext(const Call&, const Input&, Services&);
Result<Output> GenerateRandom(const Call&, const Input&, Services&);
Result<AliasChange> CreateAlias(const Call&, const Input&, Services&);
Result<AliasChange> UpdateAlias(const Call&, const Input&, Services&);
Result<AliasChange> DeleteAlias(const Call&, const Input&, Services&);
Result<Output> ListAliases(const Call&, const Input&, Services&);
Result<KeyChange> EnableKeyRotation(const Call&, const Input&, Services&);
Result<KeyChange> DisableKeyRotation(const Call&, const Input&, Services&);
Result<Output> GetKeyRotationStatus(const Call&, const Input&, Services&);
Result<Output> RotateKeyOnDemand(const Call&, const Input&, Services&);
Result<Output> ListKeyRotations(const Call&, const Input&, Services&);
Result<KeyChange> TagResource(const Call&, const Input&, Services&);
Result<KeyChange> UntagResource(const Call&, const Input&, Services&);
Result<Output> ListResourceTags(const Call&, const Input&, Services&);
Result<KeyChange> UpdateKeyDescription(const Call&, const Input&, Services&);
Result<Output> GetKeyLastUsage(const Call&, const Input&, Services&);
Result<Output> GenerateMac(const Call&, const Input&, Services&);
Result<Output> VerifyMac(const Call&, const Input&, Services&);
Result<Output> DeriveSharedSecret(const Call&, const Input&, Services&);
Result<Output> Sign(const Call&, const Input&, Services&);
Result<Output> Verify(const Call&, const Input&, Services&);
Result<Output> GetPublicKey(const Call&, const Input&, Services&);
Result<Output> GetKeyPolicy(const Call&, const Input&, Services&);
Result<KeyChange> PutKeyPolicy(const Call&, const Input&, Services&);
Result<Output> ListKeyPolicies(const Call&, const Input&, Services&);
Result<KeyChange> CreateGrant(const Call&, const Input&, Services&);
Result<Output> ListGrants(const Call&, const Input&, Services&);
Result<Output> ListRetirableGrants(const Call&, const Input&, Services&);
Result<KeyChange> RetireGrant(const Call&, const Input&, Services&);
Result<KeyChange> RevokeGrant(const Call&, const Input&, Services&);

}  // namespace trent::ops
