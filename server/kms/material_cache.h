// Key versions unwrapped in the HSM, at most `capacity` at a time.
//
// Each unwrapped version is a session object in the module (about 10 KB in SoftHSM), so keeping
// every version ever used grows without bound. The cache holds a fixed array of slots; a
// version records its slot in KeyVersion::cache_slot. A hit pins the slot with one
// compare-and-swap on the slot's state word (and unpins with one atomic subtract), so the
// handle cannot be destroyed while an Encrypt or Decrypt uses it. A miss unwraps again, taking
// a slot chosen by CLOCK (second chance: a slot used since the hand last passed is skipped
// once); pinned slots are never taken. When every slot is pinned, the material is unwrapped
// for that one request and destroyed when its pin is released.
//
// Thread-safe. Misses are serialised on one mutex: they spend their time in the HSM, which
// serialises its calls anyway.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "common/status.h"
#include "hsm/hsm.h"
#include "server/kms/key.h"

namespace trent::kms {

class MaterialCache {
  struct Slot;

 public:
  // About 10 KB each in SoftHSM: 10,000 keep at most ~100 MB of key material in the module,
  // and hold the whole working set of any test or CI run seen so far, so that only instances
  // with more keys in use than that pay for unwrapping again (tens of µs per miss).
  static constexpr size_t kDefaultCapacity = 10'000;

  // `hsm` must outlive the cache. `capacity` >= 1.
  MaterialCache(hsm::Hsm& hsm, size_t capacity);
  // Destroys every cached handle. No pin may outlive the cache.
  ~MaterialCache();
  MaterialCache(const MaterialCache&) = delete;
  MaterialCache& operator=(const MaterialCache&) = delete;

  // A handle that stays valid (is not evicted nor destroyed) while the Pin lives.
  class Pin {
   public:
    Pin(Pin&& other) noexcept
        : cache_(other.cache_), slot_(other.slot_), handle_(other.handle_) {
      other.cache_ = nullptr;
    }
    Pin& operator=(Pin&&) = delete;
    ~Pin();
    hsm::KeyHandle handle() const { return handle_; }

   private:
    friend class MaterialCache;
    Pin(MaterialCache* cache, Slot* slot, hsm::KeyHandle handle)
        : cache_(cache), slot_(slot), handle_(handle) {}
    MaterialCache* cache_;  // null once moved from
    Slot* slot_;            // null: unwrapped for this pin alone, destroyed with it
    hsm::KeyHandle handle_;
  };

  // The version's material in the HSM, unwrapped on a miss. kNotFound once the version has
  // been forgotten (its key deleted).
  Result<Pin> Acquire(const std::shared_ptr<const KeyVersion>& version);

  // For a deleted key: destroys the version's handle (waiting for its pins to be released)
  // and refuses to unwrap it again. Must be called before the version is destroyed if it was
  // ever acquired.
  Status Forget(const KeyVersion& version);

  size_t capacity() const { return capacity_; }

  // Acquisitions served from the cache, and those that unwrapped the material (for the metrics).
  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
  };
  Stats stats() const {
    return {hits_.load(std::memory_order_relaxed), misses_.load(std::memory_order_relaxed)};
  }

 private:
  // Slot::state: the phase in the low two bits, a "used since the hand passed" bit, and the
  // number of pins above them.
  static constexpr uint64_t kFree = 0, kLoaded = 1, kBusy = 2, kPhaseMask = 3;
  static constexpr uint64_t kReferenced = 4;
  static constexpr uint64_t kOnePin = 8;

  struct Slot {
    std::atomic<uint64_t> state{kFree};
    // Written only while the phase is kBusy (under miss_mu_), read by holders of a pin.
    hsm::KeyHandle handle = 0;
    std::shared_ptr<const KeyVersion> version;
  };

  // KeyVersion::cache_slot: 0 when not cached, kForgotten after Forget, else slot index + 1.
  static constexpr uint32_t kForgotten = UINT32_MAX;

  // Pins `slot` if it holds `version`.
  static bool TryPin(Slot& slot, const KeyVersion& version);
  void Unpin(Pin& pin);
  // A slot moved to kBusy for reuse (its old material destroyed), or null when all are pinned.
  // Requires miss_mu_.
  Result<Slot*> TakeSlot();
  // Destroys a kBusy slot's material and detaches it from its version. Requires miss_mu_.
  Status Empty(Slot& slot);

  hsm::Hsm& hsm_;
  const size_t capacity_;
  std::unique_ptr<Slot[]> slots_;
  std::mutex miss_mu_;
  size_t hand_ = 0;  // the CLOCK hand; guarded by miss_mu_
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
};

}  // namespace trent::kms
