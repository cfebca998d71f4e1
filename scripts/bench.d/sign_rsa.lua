-- Sign: BENCH_MESSAGE (RAW) with an RSA_2048 key, RSASSA_PSS_SHA_256.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
kms_request("Sign", string.format(
  '{"KeyId":"%s","Message":"%s","SigningAlgorithm":"RSASSA_PSS_SHA_256"}',
  env("BENCH_RSA_KEY_ID"), env("BENCH_MESSAGE")))
