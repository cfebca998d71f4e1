#include "server/admin/access.h"

#include <arpa/inet.h>

#include <cstdint>
#include <cstring>
#include <string>

namespace trent::admin {
namespace {

constexpr uint8_t kLoopbackNet = 127;  // 127.0.0.0/8

}  // namespace

bool IsLoopback(std::string_view ip) {
  const std::string text(ip);  // inet_pton needs a terminated string
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    uint8_t first = 0;
    std::memcpy(&first, &v4.s_addr, 1);  // network order: the first byte is the first octet
    return first == kLoopbackNet;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == kLoopbackNet;
  }
  return false;
}

bool AdminAllowed(std::string_view peer_ip, bool allow_remote) {
  return allow_remote || IsLoopback(peer_ip);
}

Status AdminRefused(std::string_view peer_ip) {
  return {ErrorCode::kAccessDenied,
          "The admin API answers loopback clients only, and " +
              (peer_ip.empty() ? std::string("this client's address is unknown")
                               : std::string(peer_ip) + " is not one") +
              " (trentd --admin-allow-remote serves every client)."};
}

}  // namespace trent::admin
