-- Decrypt: the ciphertext scripts/bench made with Encrypt (no KeyId, as SDKs
-- usually call it), with the same encryption context.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
kms_request("Decrypt", string.format(
  '{"CiphertextBlob":"%s","EncryptionContext":%s}',
  env("BENCH_CIPHERTEXT"), env("BENCH_CONTEXT")))
