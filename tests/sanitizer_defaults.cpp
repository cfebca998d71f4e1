// Default options of the sanitizers, linked into every executable of a sanitizer build
// (TRENT_SANITIZE, see CMakeLists.txt), so trentd and the tests behave the same whether ctest or
// a person runs them. ASAN_OPTIONS, UBSAN_OPTIONS, TSAN_OPTIONS and LSAN_OPTIONS in the
// environment still add to or override them (the integration harness adds log_path).
// The runtimes call these weak hooks before main.
//
// No default LeakSanitizer suppressions are needed: the uninstrumented libraries (SoftHSM, p11-kit,
// Boost.JSON, spdlog) leak nothing once trent finalizes them, except SoftHSM 2.6.1 signing with
// Ed25519 keys, which the tests that do it suppress (tests/softhsm_eddsa.supp). Should one start to, define
// __lsan_default_suppressions() here with one commented `leak:<library>` line per leak, and never
// suppress trent's own code: a leak there is a bug to fix.

#ifdef TRENT_LLVM_SYMBOLIZER
#define TRENT_SYMBOLIZER_OPTION ":external_symbolizer_path=" TRENT_LLVM_SYMBOLIZER
#else
#define TRENT_SYMBOLIZER_OPTION ""
#endif

extern "C" {

const char* __asan_default_options() {
  // Stop at the first error (the default, said here so no one turns it off unknowingly), and
  // checks ASan leaves off by default that cost little here.
  return "halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:"
         "check_initialization_order=1:strict_init_order=1:strict_string_checks=1"
         TRENT_SYMBOLIZER_OPTION;
}

const char* __ubsan_default_options() {
  // The build makes every check fatal (-fno-sanitize-recover=all); show where it happened.
  return "halt_on_error=1:print_stacktrace=1" TRENT_SYMBOLIZER_OPTION;
}

const char* __tsan_default_options() {
  // A race fails the run at exit (exit code 66); every race is reported, not only the first.
  // second_deadlock_stack: both stacks of a lock-order inversion.
  return "halt_on_error=0:second_deadlock_stack=1" TRENT_SYMBOLIZER_OPTION;
}

}  // extern "C"
