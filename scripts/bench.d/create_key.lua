-- CreateKey: a symmetric encryption key with a description, as long as the run lasts.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
kms_request("CreateKey", '{"Description":"scripts/bench"}')
