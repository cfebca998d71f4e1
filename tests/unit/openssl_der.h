// What unit tests share to compare trent's keys with OpenSSL's: a key's public half as DER
// SubjectPublicKeyInfo, and its private key as unencrypted DER PKCS#8 (as Hsm::ImportKey takes it).
#pragma once

#include <catch.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>

#include "common/bytes.h"
#include "common/openssl_ptr.h"

namespace trent::testing {

inline Bytes Spki(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(key, &der);
  REQUIRE(n > 0);
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

inline SecretBytes Pkcs8(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  openssl::Pkcs8Ptr p8(EVP_PKEY2PKCS8(key));
  REQUIRE(p8);
  const int n = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &der);
  REQUIRE(n > 0);
  SecretBytes out(static_cast<size_t>(n));
  std::copy(der, der + n, out.data());
  OPENSSL_clear_free(der, static_cast<size_t>(n));
  return out;
}

}  // namespace trent::testing
