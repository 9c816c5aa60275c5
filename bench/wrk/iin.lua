-- Valid Kazakhstan IINs for the load test, one per number k: born 1985-01-01 plus k // 10000 days,
-- serial k % 10000; nil when no check digit exists for that serial (the caller takes the next k).
-- The check digit is bastau.rules.iin_check_digit; tests/test_bench_tools.py compares the two.
local FIRST = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
local SECOND = {3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2}

function iin_check_digit(first_eleven)
  for _, weights in ipairs({FIRST, SECOND}) do
    local sum = 0
    for i = 1, 11 do
      sum = sum + tonumber(first_eleven:sub(i, i)) * weights[i]
    end
    if sum % 11 ~= 10 then
      return sum % 11
    end
  end
  return nil
end

function iin_for(k)
  local born = os.date("*t", os.time({year = 1985, month = 1, day = 1 + math.floor(k / 10000), hour = 12}))
  local sex_digit = 3 + k % 2  -- born in the 1900s: 3 male, 4 female
  local first = string.format("%02d%02d%02d%d%04d", born.year % 100, born.month, born.day, sex_digit, k % 10000)
  local check = iin_check_digit(first)
  return check and (first .. check) or nil
end
