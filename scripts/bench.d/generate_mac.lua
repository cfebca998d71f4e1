-- GenerateMac: BENCH_MESSAGE with an HMAC_256 key, HMAC_SHA_256.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
kms_request("GenerateMac", string.format(
  '{"KeyId":"%s","Message":"%s","MacAlgorithm":"HMAC_SHA_256"}',
  env("BENCH_HMAC_KEY_ID"), env("BENCH_MESSAGE")))
