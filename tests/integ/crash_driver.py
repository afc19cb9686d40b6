#!/usr/bin/env python3
"""crash_driver.py — kill `yibao serve` with SIGKILL under load, many times, and check what survives.

Each round starts the server on a private database, runs THREADS clients doing outpatient flows
(2201 register, 2204 upload, 2207 settle) for few persons (so that settlements of one person race
each other), kills the server with SIGKILL at a random moment (every third round: stops it with
SIGTERM, which must answer every request it took and exit 0), restarts it and checks:
  - every acknowledged settlement is there exactly once, with the amounts that were acknowledged;
  - a settlement whose reply was lost is either wholly there or not at all: sending the same 2207
    again (same msgid, same body) answers infcode 0, with the recorded reply or as a new settlement;
    after SIGTERM, none that went unanswered is there (the server answers all it applied);
  - the store's identities: accumulators = the sum of the recorded deltas, one settlement per msgid,
    fund rows sum to each settlement's fund total, and `yibao verify-log` holds.
After the rounds, every surviving settlement is replayed in commit (setl_id) order into a fresh
database through a fresh server: each gives the same amounts, and the accumulators end equal.

  crash_driver.py YIBAO WORKDIR ROUNDS SEED [THREADS]

Prints one line per check failure and ends with "N passed, M failed".
"""
import http.client
import json
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ybtest  # noqa: E402

Y, WORK, ROUNDS, SEED = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
THREADS = int(sys.argv[5]) if len(sys.argv) > 5 else 6
GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden")
FIX = "H36010000001"
PERSONS = [("P390A", "390"), ("P310C", "310")]
LINES = [("A", "1", "80.00"), ("B", "2", "15.50"), ("C", "1", "30.00"), ("D", "3", "95.00")]

CHECKS = ybtest.Checks()
ok, bad = CHECKS.ok, CHECKS.bad


def setup(db):
    env = dict(os.environ, YIBAO_DB=db)
    env.pop("YIBAO_KEY_FILE", None)
    inst = os.path.join(WORK, "inst.csv")
    with open(inst, "w", encoding="utf-8") as f:
        f.write("fixmedins_code,fixmedins_name,hosp_lv,admdvs,begndate,enddate\n%s,示例三甲医院,03,360100,2020-01-01,\n" % FIX)
    for args in (["init"], ["load", "policy", "data/demo/policy.json"],
                 ["load", "catalog", os.path.join(GOLDEN, "catalog_small.csv")],
                 ["load", "persons", os.path.join(GOLDEN, "persons_small.csv")], ["load", "institutions", inst]):
        subprocess.run([Y] + args, env=env, check=True, stdout=subprocess.DEVNULL)


def Server(db):
    return ybtest.Server(Y, db, os.path.join(WORK, "server.log"), threads=4)


def Client(port, tag):
    return ybtest.Client(port, FIX, tag, fix_name="示例", inf_time="2025-06-01 09:00:00", opter="1001")


def register_and_upload(cl, psn, insutype, rnd):
    r = cl.call("2201", {"data": {"psn_no": psn, "insutype": insutype, "begntime": "2025-06-01 08:00:00",
                                  "mdtrt_cert_type": "02", "mdtrt_cert_no": "x", "ipt_otp_no": "OP%d" % rnd.randrange(10**9)}})
    if r["infcode"] != 0:
        raise RuntimeError("2201: " + r.get("err_msg", ""))
    m = r["output"]["data"]["mdtrt_id"]
    fees = []
    for i, (code, cnt, pric) in enumerate(rnd.sample(LINES, rnd.randint(1, len(LINES)))):
        amt = "%.2f" % (float(cnt) * float(pric))
        fees.append({"feedetl_sn": str(i + 1), "mdtrt_id": m, "psn_no": psn, "chrg_bchno": "B1",
                     "fee_ocur_time": "2025-06-01 09:00:00", "med_list_codg": code, "cnt": cnt, "pric": pric,
                     "det_item_fee_sumamt": amt})
    r = cl.call("2204", {"feedetail": fees})
    if r["infcode"] != 0:
        raise RuntimeError("2204: " + r.get("err_msg", ""))
    return m, fees


AMOUNTS = ("medfee_sumamt", "fund_pay_sumamt", "hifp_pay", "psn_part_amt", "acct_pay", "psn_cash_pay")


def setl_amounts(reply):
    s = reply["output"]["setlinfo"]
    return tuple("%.2f" % float(s[k]) for k in AMOUNTS)


def worker(port, tid, rnd, flows, lock):
    cl = Client(port, "T%02dR%06d" % (tid, rnd.randrange(10**6)))
    try:
        cl.signin()
        while True:
            psn, insutype = rnd.choice(PERSONS)
            m, fees = register_and_upload(cl, psn, insutype, rnd)
            msgid, body = cl.body("2207", {"data": {"psn_no": psn, "mdtrt_id": m, "insutype": insutype,
                                                    "acct_used_flag": "1" if rnd.random() < 0.5 else "0"}})
            flow = {"psn": psn, "insutype": insutype, "fees": fees, "msgid": msgid, "body": body, "state": "sent"}
            with lock:
                flows.append(flow)
            r = cl.send(body)
            if r["infcode"] != 0:
                flow["state"] = "refused"
                flow["err"] = r.get("err_msg", "")
                continue
            flow["state"] = "acked"
            flow["setl_id"] = r["output"]["setlinfo"]["setl_id"]
            flow["amounts"] = setl_amounts(r)
    except (OSError, http.client.HTTPException, ValueError, KeyError, RuntimeError):
        return  # the server is gone: whatever was in flight stays "sent"


def db_rows(db, sql, args=()):
    c = sqlite3.connect(db)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


def check_store(db, label):
    a = db_rows(db, "SELECT psn_no, insutype, year, key, value FROM accum WHERE value <> 0 ORDER BY 1,2,3,4")
    d = db_rows(db, "SELECT psn_no, insutype, year, key, sum(delta) FROM setl_deltas GROUP BY 1,2,3,4 "
                    "HAVING sum(delta) <> 0 ORDER BY 1,2,3,4")
    (ok() if a == d else bad("%s: accumulators differ from the sum of the recorded deltas" % label))
    n = db_rows(db, "SELECT count(*), count(DISTINCT msgid) FROM settlements WHERE msgid IS NOT NULL")[0]
    (ok() if n[0] == n[1] else bad("%s: %d settlements for %d msgids" % (label, n[0], n[1])))
    f = db_rows(db, "SELECT count(*) FROM settlements s WHERE fund_pay_sumamt <> "
                    "(SELECT ifnull(sum(fund_payamt), 0) FROM setl_funds f WHERE f.setl_id = s.setl_id)")[0][0]
    (ok() if f == 0 else bad("%s: %d settlements whose fund rows do not add up" % (label, f)))
    m = db_rows(db, "SELECT count(*) FROM settlements s WHERE msgid IS NOT NULL AND NOT EXISTS "
                    "(SELECT 1 FROM msg_log l WHERE l.msgid = s.msgid)")[0][0]
    (ok() if m == 0 else bad("%s: %d settlements without their recorded reply" % (label, m)))
    env = dict(os.environ)
    env.pop("YIBAO_KEY_FILE", None)
    v = subprocess.run([Y, "verify-log", "--db", db], env=env, capture_output=True, text=True)
    (ok() if v.returncode == 0 else bad("%s: verify-log: %s" % (label, v.stdout + v.stderr)))


def main():
    rnd = random.Random(SEED)
    db = os.path.join(WORK, "y.db")
    setup(db)
    flows, lock = [], threading.Lock()
    acked_total = lost_total = unanswered_graceful = 0
    for rd in range(ROUNDS):
        srv = Server(db)
        start = len(flows)
        ths = [threading.Thread(target=worker, args=(srv.port, t, random.Random(rnd.randrange(10**9)), flows, lock))
               for t in range(THREADS)]
        for t in ths:
            t.start()
        time.sleep(rnd.uniform(0.2, 1.2))
        graceful = rd % 3 == 2
        if graceful:
            rc = srv.stop()
            (ok() if rc == 0 else bad("round %d: server exit %s on SIGTERM under load" % (rd, rc)))
        else:
            srv.kill()
        for t in ths:
            t.join()
        mine = flows[start:]
        srv = Server(db)
        # acknowledged: there exactly once, with the acknowledged amounts
        for fl in mine:
            if fl["state"] != "acked":
                continue
            acked_total += 1
            row = db_rows(db, "SELECT " + ", ".join("printf('%.2f', " + k + " / 100.0)" for k in AMOUNTS) +
                          " FROM settlements WHERE setl_id=? AND msgid=?", (fl["setl_id"], fl["msgid"]))
            if len(row) == 1 and tuple(row[0]) == fl["amounts"]:
                ok()
            else:
                bad("round %d: acknowledged %s (%s) is %s" % (rd, fl["setl_id"], fl["msgid"], row))
        # lost in flight: all there or not at all; the same request again settles it once
        cl = Client(srv.port, "X%02d" % rd)
        for fl in mine:
            if fl["state"] != "sent":
                continue
            lost_total += 1
            unanswered_graceful += graceful
            before = db_rows(db, "SELECT count(*) FROM settlements WHERE msgid=?", (fl["msgid"],))[0][0]
            r = cl.send(fl["body"])
            after = db_rows(db, "SELECT count(*) FROM settlements WHERE msgid=?", (fl["msgid"],))[0][0]
            if r["infcode"] == 0 and after == 1 and before in ((0,) if graceful else (0, 1)):
                ok()
                fl["state"] = "acked"
                fl["setl_id"] = r["output"]["setlinfo"]["setl_id"]
                fl["amounts"] = setl_amounts(r)
            else:
                bad("round %d: in-flight %s: before %d after %d reply %s" % (rd, fl["msgid"], before, after, r.get("err_msg")))
        refused = [fl for fl in mine if fl["state"] == "refused"]
        for fl in refused:
            bad("round %d: a settlement was refused under load: %s" % (rd, fl.get("err")))
        check_store(db, "round %d" % rd)
        rc = srv.stop()
        (ok() if rc == 0 else bad("round %d: server exit %s after SIGTERM" % (rd, rc)))

    # replay every surviving settlement in commit order into a fresh database
    byid = {fl["msgid"]: fl for fl in flows if fl["state"] == "acked"}
    order = db_rows(db, "SELECT setl_id, msgid FROM settlements WHERE msgid IS NOT NULL AND refd_setl_flag=0 ORDER BY setl_id")
    rdb = os.path.join(WORK, "replay.db")
    setup(rdb)
    srv = Server(rdb)
    cl = Client(srv.port, "RP")
    cl.signin()
    rrnd = random.Random(0)
    same = 0
    for setl_id, msgid in order:
        fl = byid.get(msgid)
        if not fl:
            bad("settlement %s (%s) was never sent by a client" % (setl_id, msgid))
            continue
        r = cl.call("2201", {"data": {"psn_no": fl["psn"], "insutype": fl["insutype"], "begntime": "2025-06-01 08:00:00",
                                      "mdtrt_cert_type": "02", "mdtrt_cert_no": "x", "ipt_otp_no": "RP%d" % rrnd.randrange(10**9)}})
        m = r["output"]["data"]["mdtrt_id"]
        fees = [dict(f, mdtrt_id=m) for f in fl["fees"]]
        cl.call("2204", {"feedetail": fees})
        inp = json.loads(fl["body"])["input"]
        inp["data"]["mdtrt_id"] = m
        r = cl.call("2207", inp)
        if r["infcode"] == 0 and setl_amounts(r) == fl["amounts"]:
            same += 1
        else:
            bad("replay of %s gives %s, the store has %s" % (setl_id, r.get("err_msg") or setl_amounts(r), fl["amounts"]))
    srv.stop()
    (ok() if same == len(order) and same > 0 else bad("replayed %d of %d settlements the same" % (same, len(order))))
    q = "SELECT psn_no, insutype, year, key, value FROM accum WHERE value <> 0 ORDER BY 1,2,3,4"
    (ok() if db_rows(db, q) == db_rows(rdb, q) else bad("accumulators after the replay differ"))
    print("crash campaign: %d rounds, %d settlements acknowledged, %d in flight when stopped (%d of them on SIGTERM),"
          " %d in the store" % (ROUNDS, acked_total, lost_total, unanswered_graceful, len(order)))
    print(CHECKS.summary())
    sys.exit(1 if CHECKS.failed else 0)


if __name__ == "__main__":
    main()
