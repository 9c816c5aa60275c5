-- Requests from a file, in turn: one per line, "METHOD<tab>PATH<tab>COOKIE<tab>BODY" (COOKIE and BODY may
-- be empty). load.py writes it: signed-in sessions, status look-ups with their CSRF tokens, attendance saves.
dofile("bench/wrk/report.lua")

local requests, next_one = {}, 1

function init(args)
  for line in io.lines(args[1]) do
    local method, path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = with_defaults({})
    if cookie ~= "" then headers["Cookie"] = cookie end
    if method == "POST" then headers["Content-Type"] = "application/x-www-form-urlencoded" end
    table.insert(requests, wrk.format(method, path, headers, body ~= "" and body or nil))
  end
  -- each thread starts on its own share of the list (args[2]: wrk's number of threads), so that two threads do
  -- not send the same prepared journey at once
  local threads = tonumber(args[2]) or 1
  next_one = 1 + math.floor(id * #requests / threads) % #requests
end

function request()
  local chosen = requests[next_one]
  next_one = next_one % #requests + 1
  return chosen
end
