// Who may call the admin API: loopback peers, unless remote ones are allowed.
#include <catch.hpp>

#include "server/admin/access.h"

using namespace trent;
using namespace trent::admin;

TEST_CASE("loopback addresses are IPv4 127/8, ::1 and 127/8 mapped into IPv6") {
  for (const char* ip : {"127.0.0.1", "127.255.255.254", "127.1.2.3", "::1", "0:0:0:0:0:0:0:1",
                         "::ffff:127.0.0.1", "::FFFF:127.9.9.9"}) {
    INFO(ip);
    CHECK(IsLoopback(ip));
  }
  for (const char* ip : {"", "10.0.0.1", "128.0.0.1", "126.255.255.255", "0.0.0.0", "::",
                         "::2", "::ffff:10.0.0.1", "::127.0.0.1", "fe80::1", "localhost",
                         "127.0.0.1:80", "[::1]", " 127.0.0.1", "127.0.0.1x", "2001:db8::1"}) {
    INFO(ip);
    CHECK_FALSE(IsLoopback(ip));
  }
}

TEST_CASE("AdminAllowed: loopback only, every peer with allow_remote") {
  CHECK(AdminAllowed("127.0.0.1", false));
  CHECK(AdminAllowed("::1", false));
  CHECK_FALSE(AdminAllowed("192.168.1.20", false));
  CHECK_FALSE(AdminAllowed("", false));
  CHECK(AdminAllowed("192.168.1.20", true));
  CHECK(AdminAllowed("2001:db8::1", true));
}

TEST_CASE("the refusal is AccessDeniedException naming the peer and the flag") {
  Status refused = AdminRefused("10.1.2.3");
  CHECK(refused.code() == ErrorCode::kAccessDenied);
  CHECK(refused.message().find("10.1.2.3") != std::string::npos);
  CHECK(refused.message().find("--admin-allow-remote") != std::string::npos);
}
