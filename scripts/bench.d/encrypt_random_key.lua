-- Encrypt (as encrypt.lua) under a key chosen at random for each request from the key ids
-- in BENCH_KEY_FILE, one per line, all of the same length. The file is kept as one string
-- (a million ids take 37 MB per thread rather than a table of a million strings).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

function init(args)
  local file = assert(io.open(env("BENCH_KEY_FILE"), "rb"))
  ids = file:read("*a")
  file:close()
  line = ids:find("\n", 1, true) or error("scripts/bench: no key id in BENCH_KEY_FILE")
  count = #ids / line
  assert(count == math.floor(count), "scripts/bench: the key ids in BENCH_KEY_FILE differ in length")
  math.randomseed(os.time() * 16 + thread_index)
  headers = kms_headers("Encrypt")
  suffix = string.format('","Plaintext":"%s","EncryptionContext":%s}',
                         env("BENCH_PLAINTEXT"), env("BENCH_CONTEXT"))
end

function request()
  local start = math.random(0, count - 1) * line
  return kms_format(headers, '{"KeyId":"' .. ids:sub(start + 1, start + line - 1) .. suffix)
end
