-- GenerateDataKeyPair: an ECC_NIST_P256 pair under the benchmark's symmetric key.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
kms_request("GenerateDataKeyPair", string.format(
  '{"KeyId":"%s","KeyPairSpec":"ECC_NIST_P256"}', env("BENCH_KEY_ID")))
