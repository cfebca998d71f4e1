// Who may call the admin API, over either frontend: loopback peers only, unless trentd runs with
// --admin-allow-remote.
#pragma once

#include <string_view>

#include "common/status.h"

namespace trent::admin {

// Whether `ip` (an IPv4 or IPv6 address in text, as the transport gives it) is a loopback
// address: 127.0.0.0/8, ::1, or 127.x.x.x mapped into IPv6 (::ffff:127.x.x.x).
bool IsLoopback(std::string_view ip);

// Whether a peer at `peer_ip` may call the admin API.
bool AdminAllowed(std::string_view peer_ip, bool allow_remote);

// The refusal of a peer that may not (AccessDeniedException).
Status AdminRefused(std::string_view peer_ip);

}  // namespace trent::admin
