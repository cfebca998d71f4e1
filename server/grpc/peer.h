// The caller's address as the gRPC frontend sees it.
#pragma once

#include <string>

namespace trent::grpcfront {

// The peer's IP address from gRPC's "ipv4:127.0.0.1:5000" / "ipv6:[::1]:5000" form.
std::string PeerIp(const std::string& peer);

}  // namespace trent::grpcfront
