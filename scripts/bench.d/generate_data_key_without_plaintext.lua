-- GenerateDataKeyWithoutPlaintext: a 256-bit data key under the benchmark key.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
kms_request("GenerateDataKeyWithoutPlaintext", string.format(
  '{"KeyId":"%s","KeySpec":"AES_256"}', env("BENCH_KEY_ID")))
