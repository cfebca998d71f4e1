-- ReEncrypt: the Decrypt ciphertext again under the same key and encryption context.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
kms_request("ReEncrypt", string.format(
  '{"CiphertextBlob":"%s","SourceEncryptionContext":%s,"DestinationKeyId":"%s","DestinationEncryptionContext":%s}',
  env("BENCH_CIPHERTEXT"), env("BENCH_CONTEXT"), env("BENCH_KEY_ID"), env("BENCH_CONTEXT")))
