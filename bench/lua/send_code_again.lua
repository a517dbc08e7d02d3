-- POST send-code to one phone again and again: after the first, every answer is a refusal
-- (429 resend_too_soon, then too_many_codes), what a flood of one number meets.
dofile("bench/lua/report.lua")

wrk.method = "POST"
wrk.path = "/api/v1/auth/send-code/"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"phone": "+79270000001"}'
