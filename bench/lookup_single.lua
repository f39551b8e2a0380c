-- wrk script of bench/lookup.py: single PDQ lookups (GET /api/lookup), each for a hash picked
-- at random from a file of known hashes, one a line, whose path is the script's argument:
--
--     wrk ... -H "Authorization: Bearer <token>" -s bench/lookup_single.lua <url> -- <file>
--
-- Every answer whose status is not 200 is counted; at the end the script prints
-- "non-200 responses: N (first status S)", which lookup.py reads and fails on.

local threads = {}

function setup(thread)
   threads[#threads + 1] = thread
   thread:set("thread_number", #threads)
end

function init(args)
   local path = args[1]
   if path == nil then
      error("lookup_single.lua: give the file of hashes after wrk's --")
   end
   -- Formatted once here: wrk.format for every request would cost the client more CPU.
   lookups = {}
   for hash in io.lines(path) do
      if hash ~= "" then
         lookups[#lookups + 1] = wrk.format("GET", "/api/lookup?signal_type=pdq&hash=" .. hash)
      end
   end
   if #lookups == 0 then
      error("lookup_single.lua: no hashes in " .. path)
   end
   math.randomseed(os.time() + thread_number)
   failures = 0
   first_failure = 0
end

function request()
   return lookups[math.random(#lookups)]
end

function response(status, headers, body)
   if status ~= 200 then
      failures = failures + 1
      if first_failure == 0 then
         first_failure = status
      end
   end
end

function done(summary, latency, requests)
   local total, first = 0, 0
   for _, thread in ipairs(threads) do
      total = total + thread:get("failures")
      if first == 0 then
         first = thread:get("first_failure")
      end
   end
   io.write(string.format("non-200 responses: %d (first status %d)\n", total, first))
end
