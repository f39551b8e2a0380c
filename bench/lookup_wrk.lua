-- wrk script of bench/lookup.py: PDQ lookups of hashes picked at random from a file of known
-- hashes (one a line). Its arguments: the file, then the hashes a request (1: single lookups,
-- GET /api/lookup; more: batches, POST /api/lookup with a JSON body):
--
--     wrk ... -H "Authorization: Bearer <token>" -s bench/lookup_wrk.lua <url> -- <file> <n>
--
-- Every answer whose status is not 200 is counted; at the end the script prints
-- "non-200 responses: N (first status S)", which lookup.py reads and fails on.

local threads = {}
-- Batch bodies made up front; a request picks one at random.
local BODIES = 64

function setup(thread)
   threads[#threads + 1] = thread
   thread:set("thread_number", #threads)
end

function init(args)
   local path, size = args[1], tonumber(args[2] or "1")
   if path == nil or size == nil or size < 1 then
      error("lookup_wrk.lua: give the file of hashes and the hashes a request after wrk's --")
   end
   local hashes = {}
   for hash in io.lines(path) do
      if hash ~= "" then
         hashes[#hashes + 1] = hash
      end
   end
   if #hashes == 0 then
      error("lookup_wrk.lua: no hashes in " .. path)
   end
   math.randomseed(os.time() + thread_number)
   -- Formatted once here: wrk.format for every request would cost the client more CPU.
   lookups = {}
   if size == 1 then
      for _, hash in ipairs(hashes) do
         lookups[#lookups + 1] = wrk.format("GET", "/api/lookup?signal_type=pdq&hash=" .. hash)
      end
   else
      -- Headers given to wrk.format replace wrk's own (the token from -H): both are needed.
      local headers = { ["Content-Type"] = "application/json" }
      for name, value in pairs(wrk.headers) do
         headers[name] = value
      end
      for _ = 1, BODIES do
         local picked = {}
         for i = 1, size do
            picked[i] = '"' .. hashes[math.random(#hashes)] .. '"'
         end
         local body = '{"signal_type":"pdq","hashes":[' .. table.concat(picked, ",") .. "]}"
         lookups[#lookups + 1] = wrk.format("POST", "/api/lookup", headers, body)
      end
   end
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
