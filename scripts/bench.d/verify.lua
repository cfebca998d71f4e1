-- Verify: the ECDSA_SHA_256 signature of BENCH_MESSAGE made at setup, with its ECC_NIST_P256 key.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
kms_request("Verify", string.format(
  '{"KeyId":"%s","Message":"%s","Signature":"%s","SigningAlgorithm":"ECDSA_SHA_256"}',
  env("BENCH_ECC_KEY_ID"), env("BENCH_MESSAGE"), env("BENCH_ECC_SIGNATURE")))
