-- POST send-code, each request with a phone no other request of the run uses.
dofile("bench/lua/report.lua")

local threads = 0
function setup(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end

local sent = 0
function request()
  sent = sent + 1
  local phone = string.format("+7926%d%06d", thread_id, sent)
  return wrk.format("POST", "/api/v1/auth/send-code/", {["Content-Type"] = "application/json"},
    '{"phone": "' .. phone .. '"}')
end
