#include <catch.hpp>
#include <dlfcn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

pid_t KernelPid() { return static_cast<pid_t>(syscall(SYS_getpid)); }

}  // namespace

TEST_CASE("getpid answers the kernel's process id") {
  CHECK(getpid() == KernelPid());
  CHECK(getpid() == KernelPid());  // the second answer, from the cached value
}

TEST_CASE("a library resolving getpid from the process finds trent's, not glibc's") {
  // What a loaded module (SoftHSM) binds its getpid calls to: the process's global scope.
  void* found = dlsym(RTLD_DEFAULT, "getpid");
  void* glibcs = dlsym(RTLD_NEXT, "getpid");
  REQUIRE(found != nullptr);
  REQUIRE(glibcs != nullptr);
  CHECK(found == reinterpret_cast<void*>(&getpid));
  CHECK(found != glibcs);
}

TEST_CASE("a forked child gets its own process id, not its parent's") {
  const pid_t parent = getpid();
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Exit codes: 0 right, 1 the parent's id, 2 any other wrong id.
    const pid_t mine = getpid();
    _exit(mine == KernelPid() ? 0 : mine == parent ? 1 : 2);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(getpid() == parent);
}
