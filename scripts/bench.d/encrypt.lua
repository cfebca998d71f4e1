-- Encrypt: a 32-byte plaintext with an encryption context.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
kms_request("Encrypt", string.format(
  '{"KeyId":"%s","Plaintext":"%s","EncryptionContext":%s}',
  env("BENCH_KEY_ID"), env("BENCH_PLAINTEXT"), env("BENCH_CONTEXT")))
