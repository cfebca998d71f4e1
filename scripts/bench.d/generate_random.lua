-- GenerateRandom: 32 bytes.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
kms_request("GenerateRandom", '{"NumberOfBytes":32}')
