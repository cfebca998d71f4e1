// What each lock guards, written so that clang checks it (-Wthread-safety) and other
// compilers read it as documentation: the attribute macros expand to nothing elsewhere.
//
// libstdc++'s mutexes carry no annotations, so the checked code locks these thin wrappers.
#pragma once

#include <mutex>
#include <shared_mutex>

#if defined(__clang__)
#define TRENT_THREAD_ATTRIBUTE(x) __attribute__((x))
#else
#define TRENT_THREAD_ATTRIBUTE(x)
#endif

#define CAPABILITY(x) TRENT_THREAD_ATTRIBUTE(capability(x))
#define SCOPED_CAPABILITY TRENT_THREAD_ATTRIBUTE(scoped_lockable)
#define GUARDED_BY(x) TRENT_THREAD_ATTRIBUTE(guarded_by(x))
#define PT_GUARDED_BY(x) TRENT_THREAD_ATTRIBUTE(pt_guarded_by(x))
#define REQUIRES(...) TRENT_THREAD_ATTRIBUTE(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) TRENT_THREAD_ATTRIBUTE(requires_shared_capability(__VA_ARGS__))
#define EXCLUDES(...) TRENT_THREAD_ATTRIBUTE(locks_excluded(__VA_ARGS__))
#define ACQUIRE(...) TRENT_THREAD_ATTRIBUTE(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) TRENT_THREAD_ATTRIBUTE(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) TRENT_THREAD_ATTRIBUTE(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) TRENT_THREAD_ATTRIBUTE(release_shared_capability(__VA_ARGS__))
// For a lambda run with a lock held that the analysis cannot see (a condition variable's predicate).
#define NO_THREAD_SAFETY_ANALYSIS TRENT_THREAD_ATTRIBUTE(no_thread_safety_analysis)

namespace trent {

// std::mutex, annotated.
class CAPABILITY("mutex") Mutex {
 public:
  void lock() ACQUIRE() { mu_.lock(); }
  void unlock() RELEASE() { mu_.unlock(); }

 private:
  std::mutex mu_;
};

// std::shared_mutex, annotated.
class CAPABILITY("shared_mutex") SharedMutex {
 public:
  void lock() ACQUIRE() { mu_.lock(); }
  void unlock() RELEASE() { mu_.unlock(); }
  void lock_shared() ACQUIRE_SHARED() { mu_.lock_shared(); }
  void unlock_shared() RELEASE_SHARED() { mu_.unlock_shared(); }

 private:
  std::shared_mutex mu_;
};

// Holds `mu` for its scope.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~MutexLock() RELEASE() { mu_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

// Holds `mu` exclusively for its scope.
class SCOPED_CAPABILITY WriterLock {
 public:
  explicit WriterLock(SharedMutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~WriterLock() RELEASE() { mu_.unlock(); }
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

 private:
  SharedMutex& mu_;
};

// Holds `mu` shared for its scope.
class SCOPED_CAPABILITY ReaderLock {
 public:
  explicit ReaderLock(SharedMutex& mu) ACQUIRE_SHARED(mu) : mu_(mu) { mu_.lock_shared(); }
  ~ReaderLock() RELEASE() { mu_.unlock_shared(); }
  ReaderLock(const ReaderLock&) = delete;
  ReaderLock& operator=(const ReaderLock&) = delete;

 private:
  SharedMutex& mu_;
};

}  // namespace trent
