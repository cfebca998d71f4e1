// The call metadata that names the caller of trentd's gRPC APIs; shared by the gRPC frontend and
// its clients (trentctl), so it includes nothing.
#pragma once

namespace trent::grpcfront {

// Metadata a gRPC caller sends to say who it is (gRPC requests carry no SigV4 signature):
// the access key id of one of --credentials-file's identities, and the region of the request.
// With --auth strict the identity's secret (and session token, for temporary credentials) must
// come too; without it, an unknown or absent access key is the default account's root.
inline constexpr char kAccessKeyIdHeader[] = "trent-access-key-id";
inline constexpr char kSecretAccessKeyHeader[] = "trent-secret-access-key";
inline constexpr char kSessionTokenHeader[] = "trent-session-token";
inline constexpr char kRegionHeader[] = "trent-region";
// gRPC's own: the client library and version.
inline constexpr char kUserAgentHeader[] = "user-agent";

}  // namespace trent::grpcfront
