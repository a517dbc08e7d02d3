-- POST send-code, each request with a phone no other request uses (`-- RUN [PATH]`; RUN, a
-- digit: the warm-up and the measurement are two runs; PATH: the API's send-code by default).
dofile("bench/lua/report.lua")

local run, path = 0, "/api/v1/auth/send-code/"
function init(args)
  run = tonumber(args[1] or 0)
  path = args[2] or path
end

local threads = 0
function setup(thread)
  register(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end

local sent = 0
function request()
  sent = sent + 1
  local phone = string.format("+7926%d%d%05d", run, thread_id, sent)
  return wrk.format("POST", path, {["Content-Type"] = "application/json"},
    '{"phone": "' .. phone .. '"}')
end
