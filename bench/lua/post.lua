-- POST one JSON body to one path again and again (`-- PATH BODY`): a flood of one request.
dofile("bench/lua/report.lua")

function init(args)
  wrk.method = "POST"
  wrk.path = args[1]
  wrk.body = args[2]
  wrk.headers["Content-Type"] = "application/json"
end
