-- wrk script of bench/tiles (and bench/features, bench/canvass). Cycles through the requests
-- listed in the file named by TILES_PATHS, one per line: a path to GET (/cameras/14/2638/6321),
-- or a path, a tab and a JSON body to POST. Each thread starts at its own place in the list,
-- sends TILES_AUTHORIZATION as the Authorization header when it is set, and at the end prints
-- one line that the bench scripts read:
--   TILES requests=N seconds=S rps=R p50_ms=A p99_ms=B bytes_per_request=C errors=E timeouts=T
-- bytes_per_request counts what was read from the socket (HTTP headers included); latencies are
-- those of answered requests. wrk sends no Accept-Encoding, so tiles come uncompressed.

local paths = {}
local bodies = {}
do
  local name = os.getenv("TILES_PATHS") or error("TILES_PATHS is not set")
  local file = io.open(name, "r") or error("cannot read " .. name)
  for line in file:lines() do
    if line ~= "" then
      local path, body = line:match("^([^\t]+)\t(.*)$")
      paths[#paths + 1] = path or line
      bodies[#paths] = body
    end
  end
  file:close()
  if #paths == 0 then error(name .. " lists no paths") end
end

local authorization = os.getenv("TILES_AUTHORIZATION")
if authorization and authorization ~= "" then
  wrk.headers["Authorization"] = authorization
end

local started = 0
function setup(thread)
  thread:set("id", started)
  started = started + 1
end

local next_index
function init(args)
  -- Spread the threads over the list (golden-ratio steps), so that they do not ask for the
  -- same tile at the same moment.
  next_index = math.floor(#paths * ((id * 0.6180339887) % 1))
end

function request()
  next_index = next_index % #paths + 1
  local body = bodies[next_index]
  if body then
    -- Headers given to wrk.format replace wrk.headers: carry them over.
    local headers = { ["Content-Type"] = "application/json" }
    for name, value in pairs(wrk.headers) do headers[name] = value end
    return wrk.format("POST", paths[next_index], headers, body)
  end
  return wrk.format(nil, paths[next_index])
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  local n = math.max(summary.requests, 1)
  io.write(string.format(
    "TILES requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f bytes_per_request=%d errors=%d timeouts=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    math.floor(summary.bytes / n + 0.5),
    e.connect + e.read + e.write + e.status, e.timeout))
end
