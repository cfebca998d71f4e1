-- Sign: BENCH_MESSAGE (RAW) with an ECC_NIST_P256 key, ECDSA_SHA_256.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
kms_request("Sign", string.format(
  '{"KeyId":"%s","Message":"%s","SigningAlgorithm":"ECDSA_SHA_256"}',
  env("BENCH_ECC_KEY_ID"), env("BENCH_MESSAGE")))
