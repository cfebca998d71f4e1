// trentd answers getpid() itself, from the process id asked of the kernel once.
//
// SoftHSM asks getpid() at every PKCS#11 call (to notice that it runs in a forked child), so an
// Encrypt asked it twice; where a system call traps to a hypervisor (this machine: about 4 µs
// of CPU each, README "How keys are kept") that was about a fifth of an Encrypt's CPU. The
// module is a library inside trentd and resolves getpid from the process, as it does malloc:
// this definition, which the link exports (CMakeLists.txt), is the one it finds. glibc's own
// calls are internal and unchanged.
//
// A forked child forgets the value (pthread_atfork) and asks the kernel again. trentd itself
// never forks; it only executes itself again (server/huge_page_heap), which starts afresh.
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

namespace {

std::atomic<pid_t> cached_pid{0};

void ForgetInChild() { cached_pid.store(0, std::memory_order_relaxed); }

const int fork_handler_registered = pthread_atfork(nullptr, nullptr, ForgetInChild);

}  // namespace

extern "C" pid_t getpid() noexcept {
  pid_t pid = cached_pid.load(std::memory_order_relaxed);
  if (pid == 0) {
    pid = static_cast<pid_t>(syscall(SYS_getpid));
    cached_pid.store(pid, std::memory_order_relaxed);
  }
  return pid;
}
