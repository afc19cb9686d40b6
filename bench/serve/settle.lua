-- settle.lua — wrk script of bench/bench_serve.sh: every request is one 2207 settlement of a
-- registered visit with uploaded fee lines, each visit of the pool settled once.
--
-- The pool is the file written by tools/bench_seed_visits, one visit a line:
--   mdtrt_id psn_no insutype acct_used_flag sign_no medfee fulamt overlmt preselfpay inscp
-- wrk threads are separate Lua states, so the lines are dealt round-robin: thread k (0-based)
-- takes lines k+1, k+1+T, k+1+2T, ... No visit is sent twice and every msgid is new.
-- When a thread's share runs out it stops its own event loop (wrk.thread:stop()) and sends
-- nothing more; done() reports it ("exhausted"), and the rate of that run is then a lower bound.
--
-- response() counts replies with infcode 0 (ok) and the others (bad), and forgets the visit of
-- each settlement reply; what is left in `pending` was sent and not answered when wrk stopped
-- (in flight). done() writes the sums and each thread's count of visits taken ("sent_t TID N":
-- its first N lines, so the script can hand the rest to the next run) to BENCH_RESULT, and the
-- bodies of the unanswered requests, one a line, to BENCH_RESULT.pending: the benchmark sends
-- them again after the run (the same msgid and body: answered from the record if the first one
-- was applied, applied now if not), so that every settlement row in the database is matched by
-- an acknowledgement.
--
-- Environment: BENCH_VISITS (pool file), BENCH_THREADS (wrk -t), BENCH_RUN (tag of this run,
-- part of every msgid), BENCH_FIX (institution code), BENCH_AREA (area code), BENCH_RESULT.

local threads = {}
local n_threads = 0

function setup(thread)
   thread:set("tid", n_threads)
   n_threads = n_threads + 1
   table.insert(threads, thread)
end

local visits, nv, next_i = {}, 0, 1
local fix, area, run, inf_time
local req_head -- the request line and headers up to the Content-Length value (init)
local body_fmt = '{"infno":"2207","msgid":"%s","mdtrtarea_admvs":"%s","insuplc_admdvs":"%s",'
   .. '"recer_sys_code":"YBXT","infver":"V1.0","opter_type":"1","opter":"1001","opter_name":"bench",'
   .. '"inf_time":"%s","fixmedins_code":"%s","fixmedins_name":"bench","sign_no":"%s",'
   .. '"input":{"data":{"psn_no":"%s","mdtrt_id":"%s","insutype":"%s","acct_used_flag":"%s",'
   .. '"medfee_sumamt":%s,"fulamt_ownpay_amt":%s,"overlmt_selfpay":%s,"preselfpay_amt":%s,"inscp_scp_amt":%s}}}'
local verified = false

function init(args)
   local T = tonumber(os.getenv("BENCH_THREADS"))
   local path = os.getenv("BENCH_VISITS")
   fix, area, run = os.getenv("BENCH_FIX"), os.getenv("BENCH_AREA") or "360100", os.getenv("BENCH_RUN")
   assert(T and path and fix and run, "settle.lua: BENCH_THREADS, BENCH_VISITS, BENCH_FIX and BENCH_RUN must be set")
   inf_time = os.date("%Y-%m-%d %H:%M:%S")
   req_head = "POST " .. wrk.path .. " HTTP/1.1\r\nHost: " .. wrk.headers["Host"]
      .. "\r\nContent-Type: application/json\r\nContent-Length: "
   local n = 0
   for line in io.lines(path) do
      if n % T == tid then
         nv = nv + 1
         visits[nv] = line
      end
      n = n + 1
   end
   -- read by done() through thread:get
   sent, ok, bad, exhausted = 0, 0, 0, 0
   pending, errsample = {}, {}
end

function request()
   -- wrk calls request() once on thread 0 before the run only to check the request's syntax;
   -- that one is never sent, so it must not take a visit
   if not verified and tid == 0 then
      verified = true
      return wrk.format("GET", "/healthz")
   end
   local line = visits[next_i]
   if not line then
      exhausted = 1
      wrk.thread:stop()
      return ""   -- an empty write: this connection sends nothing more
   end
   next_i = next_i + 1
   local m, p, it, fl, sg, a1, a2, a3, a4, a5 =
      line:match("^(%S+) (%S+) (%S+) (%S+) (%S+) (%S+) (%S+) (%S+) (%S+) (%S+)$")
   sent = sent + 1
   local msgid = string.format("%sW%s%d%09d", fix, run, tid, sent)
   local body = string.format(body_fmt, msgid, area, area, inf_time, fix, sg, p, m, it, fl, a1, a2, a3, a4, a5)
   pending[m] = body
   -- what wrk.format("POST", nil, headers, body) makes, without its table walk: the client's CPU is
   -- the server's competitor on this machine
   return req_head .. #body .. "\r\n\r\n" .. body
end

function response(status, hdrs, body)
   -- the visit's id is the first value of setlinfo (a plain search, no pattern over the reply)
   local at = body:find('"setlinfo":{"mdtrt_id":"', 1, true)
   if at then
      local e = body:find('"', at + 24, true)
      if e then pending[body:sub(at + 24, e - 1)] = nil end
   end
   if status == 200 and body:find('{"infcode":0,', 1, true) == 1 then
      ok = ok + 1
   else
      bad = bad + 1
      if #errsample < 3 then
         errsample[#errsample + 1] = "HTTP " .. status .. " " .. (body:match('"err_msg":"([^"]*)"') or body:sub(1, 200))
      end
   end
end

function done(summary, latency, requests)
   local out = assert(io.open(os.getenv("BENCH_RESULT"), "w"))
   local pend = assert(io.open(os.getenv("BENCH_RESULT") .. ".pending", "w"))
   local s = { sent = 0, ok = 0, bad = 0, exhausted = 0, pending = 0 }
   local errs = {}
   for _, t in ipairs(threads) do
      for _, k in ipairs({ "sent", "ok", "bad", "exhausted" }) do s[k] = s[k] + t:get(k) end
      out:write(string.format("sent_t %d %d\n", t:get("tid"), t:get("sent")))
      for _, b in pairs(t:get("pending")) do
         pend:write(b, "\n")
         s.pending = s.pending + 1
      end
      for _, e in ipairs(t:get("errsample")) do errs[#errs + 1] = e end
   end
   pend:close()
   local e = summary.errors
   out:write(string.format("sent %d\nok %d\nbad %d\nexhausted %d\npending %d\n", s.sent, s.ok, s.bad, s.exhausted, s.pending))
   out:write(string.format("requests %d\nduration_us %d\np50_us %d\np99_us %d\n", summary.requests, summary.duration,
      latency:percentile(50), latency:percentile(99)))
   out:write(string.format("sock_errors %d\n", e.connect + e.read + e.write + e.timeout))
   for _, m in ipairs(errs) do out:write("error ", (m:gsub("\n", " ")), "\n") end
   out:close()
end
