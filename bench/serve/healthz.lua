-- healthz.lua — wrk script of bench/bench_serve.sh for GET /healthz: wrk's own static request
-- (no request() or response() here, so nothing runs in Lua per request); done() writes the same
-- summary lines as settle.lua to BENCH_RESULT. Non-2xx replies count as errors ("bad").

function done(summary, latency, requests)
   local out = assert(io.open(os.getenv("BENCH_RESULT"), "w"))
   local e = summary.errors
   out:write(string.format("ok %d\nbad %d\n", summary.requests - e.status, e.status))
   out:write(string.format("requests %d\nduration_us %d\np50_us %d\np99_us %d\n", summary.requests, summary.duration,
      latency:percentile(50), latency:percentile(99)))
   out:write(string.format("sock_errors %d\n", e.connect + e.read + e.write + e.timeout))
   out:close()
end
