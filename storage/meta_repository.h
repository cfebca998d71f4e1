// Facts trentd keeps about itself beside the keys, in the same database. Today one: the domain
// key check, which ties the database to the HSM domain wrapping key its keys are wrapped under,
// so that a start against the wrong token is refused instead of silently using a new key.
//
// Used at startup only; not thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/bytes.h"
#include "common/status.h"

namespace trent::storage {

class MetaRepository {
 public:
  // Opens (creating if needed) the database at `path` and runs every pending migration.
  static Result<std::unique_ptr<MetaRepository>> Open(const std::string& path);
  virtual ~MetaRepository() = default;

  // The domain key check recorded on the first start, if one was recorded.
  virtual Result<std::optional<Bytes>> DomainKeyCheck() = 0;
  // Records the check, durably. Recorded once: fails if one is already recorded.
  virtual Status RecordDomainKeyCheck(const Bytes& check) = 0;

  // The wrapped material of some stored key version, if the database holds any. A database
  // written before checks were recorded is tied to its domain key by this instead.
  virtual Result<std::optional<Bytes>> SomeWrappedKeyMaterial() = 0;
};

}  // namespace trent::storage
