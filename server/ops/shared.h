// The steps every operation shares: reading the decoded input, resolving a key, checking that
// it may be used, authorizing, and writing common output members.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "policy/grant.h"
#include "server/kms/ciphertext.h"
#include "server/kms/key.h"
#include "server/ops/handlers.h"

namespace trent::ops {

// Input members (absent or JSON null -> nullopt). Blob members hold raw bytes.
std::optional<std::string_view> GetString(const Input& in, std::string_view name);
std::optional<int64_t> GetInt(const Input& in, std::string_view name);
bool GetBool(const Input& in, std::string_view name);   // absent -> false
kms::EncryptionContext GetContext(const Input& in, std::string_view name);

// The grant a CreateGrant request asks for, as far as its Operations and Constraints (pairs
// sorted by key) go, unchecked: what authorization compares with a parent grant, and what the
// handler checks and completes.
policy::Grant RequestedGrant(const Input& in);

void PutBlob(Output& out, std::string_view name, std::string_view bytes);
// The request's Tags member (CreateKey, TagResource), checked against AWS's tag rules
// (kms::CheckTags); empty when absent.
Result<std::vector<kms::Tag>> ReadTags(const Input& in);

// How many entries a List* page holds: the request's Limit, else the operation's default, and
// never more than the largest page AWS returns for it (the model's Limit range is shared by
// operations whose documented pages are smaller).
struct PageLimits {
  int64_t default_size;
  int64_t max_size;
};
size_t PageSize(const Input& in, PageLimits limits);

// A paging marker that trent made from a position (a number >= 0); 0 when absent.
// InvalidMarkerException when it is not one. AWS's text for a marker it cannot read is not
// recorded anywhere public: this one is trent's.
Result<int64_t> ParseMarker(std::optional<std::string_view> marker);

// AWS timestamps on the wire: seconds since the epoch, with milliseconds.
double ToEpochSeconds(int64_t millis);

// "1 validation error detected: Value null at '<member>' ...: Member must not be null", for
// members the model leaves optional but the operation needs.
Status MissingMember(std::string_view member);

// Finds the key named by a key id, key ARN, alias name or alias ARN in the caller's account
// and region (a key of another account by its key ARN), and authorizes the caller's action on
// it (ops/authorize.h): the request's own action (call.action), or `action` where an operation
// acts on two keys in two ways (ReEncrypt's kms:ReEncryptFrom and kms:ReEncryptTo). A
// predefined "alias/aws/<service>" without a key yet gets its AWS managed key, created now.
// NotFoundException as AWS words it when there is none; AccessDeniedException when the
// caller may not.
Result<kms::KeyPtr> ResolveKey(const Call& call, std::string_view key_ref, Services& s);
Result<kms::KeyPtr> ResolveKey(const Call& call, std::string_view key_ref, Services& s,
                               std::string_view action);
// The same for the operations that take only a key id or key ARN (the key-management
// operations: EnableKey, ScheduleKeyDeletion, EnableKeyRotation, TagResource, ...): an alias
// name or alias ARN is refused there, as AWS refuses it.
Result<kms::KeyPtr> ResolveKeyIdOnly(const Call& call, std::string_view key_ref, Services& s);
// The caller may perform its action on the key alias `name` of its account and region points
// to now (DeleteAlias, and UpdateAlias on the alias's current key, as AWS requires); nothing
// to authorize when there is no such alias (the operation then answers NotFoundException).
Status AuthorizeAliasTarget(const Call& call, std::string_view name, Services& s);
// Finds a key id or key ARN without authorizing: only for operations that use a key id as a
// filter and are authorized from the operation table (ListAliases's KeyId), or by a rule of
// their own (RetireGrant: the grant says who may retire it).
Result<kms::KeyPtr> FindKeyIdOnlyUnauthorized(const Call& call, std::string_view key_ref,
                                              Services& s);

// The key may be used now by `operation` (e.g. "Sign"), which needs keys of `usage` (e.g.
// kms::kSignVerify): its usage (InvalidKeyUsageException naming the operation, as AWS words
// it; checked first, as AWS does), then its state (DisabledException,
// KMSInvalidStateException).
Status RequireUsage(const kms::Key& key, std::string_view usage, std::string_view operation);
// RequireUsage for ENCRYPT_DECRYPT.
Status RequireEncryptDecrypt(const kms::Key& key, std::string_view operation);
// InvalidKeyUsageException "Algorithm <algorithm> is incompatible with key spec <spec>.", as
// AWS answers an algorithm the key does not offer.
Status IncompatibleAlgorithm(const kms::Key& key, std::string_view algorithm);
// `algorithm` is one of `offered` (e.g. kms::SigningAlgorithmsOf(spec, usage)), else
// IncompatibleAlgorithm.
Status RequireAlgorithm(const kms::Key& key, std::span<const std::string_view> offered,
                        std::string_view algorithm);

// Members trent refuses wherever they appear (UnsupportedOperationException,
// CustomKeyStoreNotFoundException): Nitro Enclaves attestation, custom key stores.
Status RefuseRecipient(const Input& in);
Status RefuseCustomKeyStore(const Input& in);

// Finds the key the request's CiphertextBlob was made with, and authorizes `action` on it.
// When the request also names a key in `key_member` (Decrypt's KeyId, ReEncrypt's
// SourceKeyId), it must be that key: IncorrectKeyException otherwise.
Result<kms::LocatedCiphertext> LocateCiphertext(const Call& call, const Input& in,
                                                std::string_view key_member,
                                                std::string_view action, Services& s);

// EnableKey and DisableKey: resolve (and authorize), and apply `change` (decided on the key as it is
// when the change commits, see KeyStore::Update).
Result<KeyChange> ChangeKeyState(const Call& call, const Input& in, Services& s,
                                 Status (*change)(kms::Key&));

// Every token of the request's GrantTokens member (the operations that have one: CreateGrant,
// Encrypt, Decrypt, DescribeKey, Sign, ...) is one trent made (kms::ParseGrantToken), else
// InvalidGrantTokenException. The dispatcher checks it for every operation, before its handler.
Status CheckGrantTokens(const Input& in);

// DryRunOperationException when the request asked for a dry run (call after authorizing).
Status CheckDryRun(const Input& in);

// Sets `member` to the list of `algorithms`, unless there are none (then AWS omits it).
void PutAlgorithms(Output& out, std::string_view member,
                   std::span<const std::string_view> algorithms);

// KeySpec, and the deprecated CustomerMasterKeySpec when it has the key's spec among its values.
void PutKeySpec(Output& out, const kms::Key& key);

// The KeyMetadata structure DescribeKey, CreateKey and others return.
Output KeyMetadata(const kms::Key& key);

}  // namespace trent::ops
