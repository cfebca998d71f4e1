-- ListKeys: the first page (scripts/bench runs it while the benchmark key is the only one).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
kms_request("ListKeys", '{}')
