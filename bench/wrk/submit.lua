-- Applicants, each with a new valid IIN, walk the application: open the form (GET /apply: a new session and
-- its CSRF token), send it (POST /apply), confirm it (POST /apply/submit: the application is created).
-- The Set-Cookie of each answer says whose journey it was, so 25 connections of a thread can interleave.
-- init's args: the url-encoded fields every applicant sends the same (names, region, district, ...), and the
-- first IIN number of this run (each run of wrk in one database takes its own block of numbers).
dofile("bench/wrk/report.lua")
dofile("bench/wrk/iin.lua")

local fields, first, counter = "", 0, 0
local to_fill, to_submit, tokens = {}, {}, {}
done_ok, failed = 0, 0

local function form_headers(cookie)
  return with_defaults({["Cookie"] = "bastau_session=" .. cookie,
                        ["Content-Type"] = "application/x-www-form-urlencoded"})
end

local function next_iin()
  local iin
  repeat
    iin = iin_for(first + counter * 64 + id)  -- 64 > wrk's threads: the threads never make the same IIN
    counter = counter + 1
  until iin
  return iin
end

local function urlencode(text)
  return (text:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  fields, first = args[1], tonumber(args[2])
end

function request()
  local cookie = table.remove(to_submit)
  if cookie then
    return wrk.format("POST", "/apply/submit", form_headers(cookie), "csrf_token=" .. urlencode(tokens[cookie]))
  end
  cookie = table.remove(to_fill)
  if cookie then
    local body = fields .. "&iin=" .. next_iin() .. "&csrf_token=" .. urlencode(tokens[cookie])
    return wrk.format("POST", "/apply", form_headers(cookie), body)
  end
  return wrk.format("GET", "/apply", {})  -- not compressed: the script reads the CSRF token from it
end

function response(status, headers, body)
  local cookie = (headers["Set-Cookie"] or ""):match("bastau_session=([^;]+)")
  local location = headers["Location"] or ""
  if cookie and status == 200 then
    tokens[cookie] = body:match('name="csrf_token"[^>]-value="([^"]+)"')
    if tokens[cookie] then
      table.insert(to_fill, cookie)
      return
    end
  elseif cookie and status == 302 and location:find("/apply/check", 1, true) then
    table.insert(to_submit, cookie)
    return
  elseif status == 302 and location:find("/apply/done", 1, true) then
    done_ok = done_ok + 1
    if cookie then tokens[cookie] = nil end
    return
  end
  failed = failed + 1
  if cookie then tokens[cookie] = nil end
end
