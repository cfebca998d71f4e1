-- CreateKey exactly BENCH_CREATE_COUNT times, split over BENCH_CREATE_THREADS wrk threads.
-- Each thread's first request is a GenerateRandom: before the run wrk asks the first thread
-- for one request to check it and never sends it, so that one must not count as a CreateKey.
-- Once a thread has sent its share it keeps its connections busy with GenerateRandom (wrk
-- cannot leave a connection idle) until every CreateKey it sent is answered; then it creates
-- the file <thread index> in BENCH_DONE_DIR and stops. wrk itself runs until its duration
-- ends or it gets SIGINT, which scripts/bench-scale sends once every thread is done.
-- The first error response also ends the thread (the shell script fails on it).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

function init(args)
  local total = tonumber(env("BENCH_CREATE_COUNT"))
  local threads = tonumber(env("BENCH_CREATE_THREADS"))
  share = math.floor(total / threads) + ((thread_index < total % threads) and 1 or 0)
  made, sent, created, finished = 0, 0, 0, false
  create = kms_format(kms_headers("CreateKey"), '{"Description":"scripts/bench-scale"}')
  filler = kms_format(kms_headers("GenerateRandom"), '{"NumberOfBytes":1}')
end

function request()
  made = made + 1
  if made > 1 and sent < share then
    sent = sent + 1
    return create
  end
  return filler
end

local function finish()
  if finished then return end
  finished = true
  assert(io.open(env("BENCH_DONE_DIR") .. "/" .. thread_index, "w")):close()
  wrk.thread:stop()
end

function response(status, headers, body)
  if status ~= 200 then
    io.stderr:write(string.format("HTTP %d: %s\n", status, body:sub(1, 300)))
    finish()
  elseif body:find('"KeyMetadata"', 1, true) then
    created = created + 1
    if created == share then finish() end
  end
end
