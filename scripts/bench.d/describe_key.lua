-- DescribeKey: the benchmark key by key id.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
kms_request("DescribeKey", string.format('{"KeyId":"%s"}', env("BENCH_KEY_ID")))
