#include "server/kms/material_cache.h"

#include <spdlog/spdlog.h>

#include <thread>
#include <utility>

namespace trent::kms {

MaterialCache::MaterialCache(hsm::Hsm& hsm, size_t capacity)
    : hsm_(hsm), capacity_(capacity), slots_(std::make_unique<Slot[]>(capacity)) {}

MaterialCache::~MaterialCache() {
  for (size_t i = 0; i < capacity_; ++i) {
    Slot& slot = slots_[i];
    if ((slot.state.load() & kPhaseMask) != kLoaded) continue;
    slot.version->cache_slot.store(0);
    if (Status destroyed = hsm_.DestroyKey(slot.handle); !destroyed.ok()) {
      spdlog::warn("destroying a cached key version: {}", destroyed.message());
    }
  }
}

MaterialCache::Pin::~Pin() {
  if (cache_) cache_->Unpin(*this);
}

bool MaterialCache::TryPin(Slot& slot, const KeyVersion& version) {
  uint64_t state = slot.state.load(std::memory_order_relaxed);
  do {
    if ((state & kPhaseMask) != kLoaded) return false;
  } while (!slot.state.compare_exchange_weak(state, (state + kOnePin) | kReferenced,
                                             std::memory_order_acquire,
                                             std::memory_order_relaxed));
  // The slot may have been refilled with another version since `version` named it.
  if (slot.version.get() == &version) return true;
  slot.state.fetch_sub(kOnePin, std::memory_order_release);
  return false;
}

void MaterialCache::Unpin(Pin& pin) {
  if (pin.slot_) {
    pin.slot_->state.fetch_sub(kOnePin, std::memory_order_release);
  } else if (Status destroyed = hsm_.DestroyKey(pin.handle_); !destroyed.ok()) {
    spdlog::warn("destroying an uncached key version: {}", destroyed.message());
  }
}

Result<MaterialCache::Pin> MaterialCache::Acquire(
    const std::shared_ptr<const KeyVersion>& version) {
  uint32_t at = version->cache_slot.load(std::memory_order_acquire);
  if (at != 0 && at != kForgotten && TryPin(slots_[at - 1], *version)) {
    hits_.fetch_add(1, std::memory_order_relaxed);
    return Pin(this, &slots_[at - 1], slots_[at - 1].handle);
  }

  std::unique_lock lock(miss_mu_);
  // cache_slot changes only under miss_mu_: another miss may have loaded it meanwhile.
  at = version->cache_slot.load(std::memory_order_relaxed);
  if (at == kForgotten) return NotFoundError("the key version was deleted");
  if (at != 0 && TryPin(slots_[at - 1], *version)) {
    hits_.fetch_add(1, std::memory_order_relaxed);
    return Pin(this, &slots_[at - 1], slots_[at - 1].handle);
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  TRY(Slot* slot, TakeSlot());
  if (!slot) {
    lock.unlock();
    TRY(hsm::KeyHandle handle, hsm_.UnwrapKey(version->stored()));
    return Pin(this, nullptr, handle);
  }
  auto handle = hsm_.UnwrapKey(version->stored());
  if (!handle.ok()) {
    slot->state.store(kFree, std::memory_order_relaxed);
    return handle.status();
  }
  slot->handle = *handle;
  slot->version = version;
  slot->state.store(kLoaded | kReferenced | kOnePin, std::memory_order_release);
  version->cache_slot.store(static_cast<uint32_t>(slot - slots_.get()) + 1,
                            std::memory_order_release);
  return Pin(this, slot, *handle);
}

Result<MaterialCache::Slot*> MaterialCache::TakeSlot() {
  // Two turns of the hand clear every "referenced" bit, so an unpinned slot is found unless
  // requests keep using every slot meanwhile.
  for (size_t step = 0; step < 2 * capacity_; ++step) {
    Slot& slot = slots_[hand_];
    hand_ = (hand_ + 1) % capacity_;
    uint64_t state = slot.state.load(std::memory_order_relaxed);
    if (state == kFree) {
      // Free slots are only ever taken under miss_mu_, which we hold.
      slot.state.store(kBusy, std::memory_order_relaxed);
      return &slot;
    }
    if ((state & kPhaseMask) != kLoaded || state >= kOnePin) continue;
    if (state & kReferenced) {
      slot.state.compare_exchange_strong(state, state & ~kReferenced, std::memory_order_relaxed);
      continue;
    }
    if (!slot.state.compare_exchange_strong(state, kBusy, std::memory_order_acquire)) continue;
    if (Status emptied = Empty(slot); !emptied.ok()) {
      slot.state.store(kFree, std::memory_order_relaxed);
      return emptied;
    }
    return &slot;
  }
  return nullptr;
}

Status MaterialCache::Empty(Slot& slot) {
  slot.version->cache_slot.store(0, std::memory_order_relaxed);
  slot.version.reset();
  return hsm_.DestroyKey(std::exchange(slot.handle, 0));
}

Status MaterialCache::Forget(const KeyVersion& version) {
  std::lock_guard lock(miss_mu_);
  const uint32_t at = version.cache_slot.load(std::memory_order_relaxed);
  Status emptied = Status::Ok();
  if (at != 0 && at != kForgotten) {
    Slot& slot = slots_[at - 1];
    // Requests pinning the slot hold it for one HSM operation: wait for them to finish.
    uint64_t state = slot.state.load(std::memory_order_relaxed);
    while (state >= kOnePin ||
           !slot.state.compare_exchange_weak(state, kBusy, std::memory_order_acquire,
                                             std::memory_order_relaxed)) {
      if (state >= kOnePin) {
        std::this_thread::yield();
        state = slot.state.load(std::memory_order_relaxed);
      }
    }
    emptied = Empty(slot);
    slot.state.store(kFree, std::memory_order_release);
  }
  version.cache_slot.store(kForgotten, std::memory_order_relaxed);
  return emptied;
}

}  // namespace trent::kms
