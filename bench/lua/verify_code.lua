-- POST verify-code with right codes issued beforehand by the bench (`-- FILE THREADS [PATH]`):
-- thread i takes every THREADS-th line "phone code" of FILE, starting at line i; PATH: the
-- API's verify-code by default.
dofile("bench/lua/report.lua")

local threads = 0
function setup(thread)
  register(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end

local pairs_ = {}
local next_pair = 0
local path = "/api/v1/auth/verify-code/"
function init(args)
  local stride, line_number = tonumber(args[2]), 0
  path = args[3] or path
  for line in io.lines(args[1]) do
    if line_number % stride == thread_id then
      local phone, code = line:match("(%S+) (%S+)")
      table.insert(pairs_, '{"phone": "' .. phone .. '", "code": "' .. code .. '"}')
    end
    line_number = line_number + 1
  end
end

function request()
  next_pair = next_pair % #pairs_ + 1  -- past the end, codes repeat and answer 400
  return wrk.format("POST", path, {["Content-Type"] = "application/json"},
    pairs_[next_pair])
end
