#include "server/grpc/peer.h"

#include <string_view>

namespace trent::grpcfront {

std::string PeerIp(const std::string& peer) {
  std::string_view p = peer;
  if (p.starts_with("ipv4:")) {
    p.remove_prefix(5);
    return std::string(p.substr(0, p.rfind(':')));
  }
  if (p.starts_with("ipv6:[")) {
    p.remove_prefix(6);
    return std::string(p.substr(0, p.find(']')));
  }
  return std::string(p);
}

}  // namespace trent::grpcfront
