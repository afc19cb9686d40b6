#!/usr/bin/env python3
"""serve_audit.py — the audit rules inside online settlement (`yibao serve --rules DIR`).

The lines of tests/integ/settle_audit.sh, through the interface: with the national rules, 2207 of
visit V1 denies one unit of 住院诊查费 (YB18, twice on one day) and 阿帕他胺片 for a woman (YB09) —
settled as 全自费 and listed in output.audit_result with their lines — and visit V2's 糖化血红蛋白测定
9 days after V1's is denied by the 15-day cycle (YB18, cycle table), found in the person's stored history.
The store keeps each line as uploaded with the parts' amounts added up; 2208 then 2207 again gives
the same answer; 2206 shows the hits and writes nothing; a server without rules pays as before.

  serve_audit.py YIBAO WORKDIR      (prints "N passed, M failed")
"""
import json, os, sqlite3, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ybtest  # noqa: E402

Y, W = sys.argv[1], sys.argv[2]
CHECKS = ybtest.Checks()
check = CHECKS.check


POLICY = """{"admdvs":"360100","version":"t1","effective_from":"2025-01-01",
 "insutypes":{"310":{"account":true,"blocks":[{"name":"otp","med_types":["11","14"],
   "deductible":{"per":"year","by_class":{"1":"100","2":"100","3":"100"}},
   "ratio":{"1":"0.50","2":"0.50","3":"0.50"},"cap_group":"otp","annual_cap":{"all":"150"}},
  {"name":"ipt","med_types":["21"],"deductible":{"per":"year","by_class":{"1":"0","2":"0","3":"0"}},
   "ratio":{"1":"0.80","2":"0.80","3":"0.80"},"cap_group":"ipt","annual_cap":{"all":"100000"}}]}}}"""
CATALOG = """med_list_codg,name,list_type,chrgitm_lv,selfpay_prop,pric_uplmt_amt_lv1,pric_uplmt_amt_lv2,pric_uplmt_amt_lv3,begndate,enddate,admdvs
001102000050000,住院诊查费,201,01,,,,,2020-01-01,,
002503020030000,糖化血红蛋白测定,201,01,,,,,2020-01-01,,
XL02BBA326A001010102180,阿帕他胺片,101,01,,,,,2020-01-01,,
"""
PERSONS = """psn_no,certno,psn_name,gend,brdy,insutype,psn_type,cvlserv_flag,sp_psn_type,insu_admdvs,balc
P1,,测试丙,2,1980-01-01,310,1101,0,,360100,0
"""
INST = "fixmedins_code,fixmedins_name,hosp_lv,admdvs,begndate,enddate\nH1,示例医院,01,360100,2020-01-01,\n"


def setup(db):
    files = {"policy.json": POLICY, "catalog.csv": CATALOG, "persons.csv": PERSONS, "inst.csv": INST}
    for k, v in files.items():
        with open(os.path.join(W, k), "w", encoding="utf-8") as f:
            f.write(v)
    for args in (["init"], ["load", "policy", "policy.json"], ["load", "catalog", "catalog.csv"],
                 ["load", "persons", "persons.csv"], ["load", "institutions", "inst.csv"]):
        a = [args[0], "--db", db] + [os.path.join(W, x) if x.endswith((".json", ".csv")) else x for x in args[1:]]
        subprocess.run([Y] + a, check=True, stdout=subprocess.DEVNULL)


class Server:
    """The server (2 worker threads, with or without rules) and a signed-in client of institution H1."""

    def __init__(self, db, rules):
        self.srv = ybtest.Server(Y, db, os.path.join(W, "server.log"), threads=2, rules=rules)
        self.cl = ybtest.Client(self.srv.port, "H1", None, fix_name="示例医院", inf_time="2025-03-02 09:00:00",
                                opter="1").signin()

    def call(self, infno, inp):
        return self.cl.call(infno, inp)

    def stop(self):
        return self.srv.stop()


def visit(srv, begn, lines):
    r = srv.call("2201", {"data": {"psn_no": "P1", "insutype": "310", "begntime": begn, "med_type": "11", "ipt_otp_no": "O" + begn[:10]}})
    m = r["output"]["data"]["mdtrt_id"]
    fees = [{"feedetl_sn": sn, "mdtrt_id": m, "psn_no": "P1", "chrg_bchno": "B", "fee_ocur_time": t, "med_list_codg": code,
             "cnt": cnt, "pric": pric, "det_item_fee_sumamt": amt} for sn, t, code, cnt, pric, amt in lines]
    r = srv.call("2204", {"feedetail": fees})
    check("2204 " + begn, r["infcode"] == 0, r.get("err_msg"))
    return m


V1 = [("L1", "2025-03-02 09:00:00", "001102000050000", "2", "20", "40.00"),
      ("L2", "2025-03-02 10:00:00", "XL02BBA326A001010102180", "1", "100", "100.00"),
      ("L3", "2025-03-02 10:00:00", "002503020030000", "1", "30", "30.00")]
V2 = [("L4", "2025-03-10 09:30:00", "002503020030000", "1", "30", "30.00")]


def settle(srv, infno, m):
    return srv.call(infno, {"data": {"psn_no": "P1", "mdtrt_id": m, "insutype": "310", "acct_used_flag": "0", "medfee_sumamt": "170.00"
                                     if m.endswith("1") else None}})


def amt(r, k):
    return "%.2f" % float(r["output"]["setlinfo"][k])


# without rules: V1 pays 35.00 (170 - 100 deductible, 50 %)
dbp = os.path.join(W, "plain.db"); setup(dbp)
s = Server(dbp, None)
m1 = visit(s, "2025-03-02 08:00:00", V1)
r = s.call("2207", {"data": {"psn_no": "P1", "mdtrt_id": m1, "insutype": "310", "acct_used_flag": "0"}})
check("plain 2207", r["infcode"] == 0, r.get("err_msg"))
check("plain hifp", amt(r, "hifp_pay") == "35.00", amt(r, "hifp_pay"))
check("plain has no audit_result", "audit_result" not in r["output"])
check("plain server exit", s.stop() == 0)

# with the national rules
dba = os.path.join(W, "aud.db"); setup(dba)
s = Server(dba, "data/rules/nhsa")
m1 = visit(s, "2025-03-02 08:00:00", V1)
pre = s.call("2206", {"data": {"psn_no": "P1", "mdtrt_id": m1, "insutype": "310", "acct_used_flag": "0"}})
check("2206", pre["infcode"] == 0, pre.get("err_msg"))
check("2206 hits", pre["output"].get("audit_result", {}).get("hit_cnt") == 2, pre["output"].get("audit_result"))
n = sqlite3.connect(dba).execute("SELECT count(*) FROM settlements").fetchone()[0]
check("2206 wrote nothing", n == 0, n)
# the hospital declares the split of the fee upload (all in scope): only the total is checked
r = s.call("2207", {"data": {"psn_no": "P1", "mdtrt_id": m1, "insutype": "310", "acct_used_flag": "0", "medfee_sumamt": "170.00",
                             "fulamt_ownpay_amt": "0", "overlmt_selfpay": "0", "preselfpay_amt": "0", "inscp_scp_amt": "170.00"}})
check("2207 V1", r["infcode"] == 0, r.get("err_msg"))
if r["infcode"] == 0:
    check("V1 medfee", amt(r, "medfee_sumamt") == "170.00", amt(r, "medfee_sumamt"))
    check("V1 全自费 20 + 100", amt(r, "fulamt_ownpay_amt") == "120.00", amt(r, "fulamt_ownpay_amt"))
    check("V1 in scope 50 under the deductible", amt(r, "hifp_pay") == "0.00", amt(r, "hifp_pay"))
    a = r["output"]["audit_result"]
    check("V1 hit count", a["hit_cnt"] == 2 and a["deny_cnt"] == 2 and a["review_flag"] == "0", a)
    ids = sorted(h["rule_id"] for h in a["result"])
    check("V1 rules", ids == ["YB09", "YB18"], ids)
    y18 = [h for h in a["result"] if h["rule_id"] == "YB18"][0]
    check("YB18 amount", y18["vola_amt"] == 20.0, y18)
    check("YB18 names L1", any(d["rx_id"] == "L1" and d["vola_item_type"] == "1" for d in y18["judge_result_detail_dtos"]), y18)
    check("YB18 content", "住院诊查费" in y18["vola_cont"], y18["vola_cont"])
row = sqlite3.connect(dba).execute("SELECT cnt, det_item_fee_sumamt, fulamt_ownpay_amt, inscp_scp_amt FROM fee_lines WHERE feedetl_sn='L1'").fetchall()
check("L1 stored whole with its parts added", row == [(20000, 4000, 2000, 2000)], row)
n = sqlite3.connect(dba).execute("SELECT count(*) FROM fee_lines WHERE feedetl_sn LIKE '%-D'").fetchone()[0]
check("no -D rows stored", n == 0, n)
# cancel and settle again: the same lines, the same answer
setl = r["output"]["setlinfo"]["setl_id"] if r["infcode"] == 0 else ""
c = s.call("2208", {"data": {"psn_no": "P1", "mdtrt_id": m1, "setl_id": setl}})
check("2208", c["infcode"] == 0, c.get("err_msg"))
r2 = s.call("2207", {"data": {"psn_no": "P1", "mdtrt_id": m1, "insutype": "310", "acct_used_flag": "0"}})
check("2207 again", r2["infcode"] == 0 and amt(r2, "fulamt_ownpay_amt") == "120.00" and r2["output"]["audit_result"]["hit_cnt"] == 2,
      r2.get("err_msg") or r2["output"].get("audit_result"))
# V2: the cycle rule sees V1's line in the stored history
m2 = visit(s, "2025-03-10 09:00:00", V2)
r = s.call("2207", {"data": {"psn_no": "P1", "mdtrt_id": m2, "insutype": "310", "acct_used_flag": "0"}})
check("2207 V2", r["infcode"] == 0, r.get("err_msg"))
if r["infcode"] == 0:
    check("V2 all 全自费", amt(r, "fulamt_ownpay_amt") == "30.00" and amt(r, "hifp_pay") == "0.00", r["output"]["setlinfo"])
    a = r["output"]["audit_result"]
    check("V2 cycle hit", [h["rule_id"] for h in a["result"]] == ["YB18"] and "限定周期" in a["result"][0]["vola_evid"], a)
    refs = {(d["mdtrt_id"], d["rx_id"], d["vola_item_type"]) for d in a["result"][0]["judge_result_detail_dtos"]} if a["result"] else set()
    check("V2 hit names the earlier line", (m1, "L3", "2") in refs and (m2, "L4", "1") in refs, refs)
# 3101: the same lines as orders of two encounters of a patient not in the store; nothing is stored
def enc(mid, adm, lines):
    return {"mdtrt_id": mid, "medins_id": "H1", "medins_lv": "01", "med_type": "11", "insutype": "310", "adm_date": adm,
            "fsi_diagnose_dtos": [{"dise_codg": "E11.900", "maindise_flag": "1"}],
            "fsi_order_dtos": [{"rx_id": sn, "hilist_code": code, "cnt": cnt, "pric": pric, "sumamt": a, "drord_begn_date": t}
                               for sn, t, code, cnt, pric, a in lines]}
pat = {"patn_id": "X1", "gend": "2", "brdy": "1980-01-01", "poolarea": "360100",
       "fsi_encounter_dtos": [enc("E2", "2025-03-10 09:00:00", V2), enc("E1", "2025-03-02 08:00:00", V1)]}
before = sqlite3.connect(dba).execute("SELECT (SELECT count(*) FROM settlements), (SELECT count(*) FROM visits)").fetchone()
r = s.call("3101", {"data": {"patient_dtos": [pat], "rule_ids": "", "trig_scen": "1"}})
check("3101", r["infcode"] == 0, r.get("err_msg"))
res = r["output"]["result"] if r["infcode"] == 0 else []
check("3101 all encounters", sorted(h["rule_id"] for h in res) == ["YB09", "YB18", "YB18"], [h["rule_id"] for h in res])
check("3101 result fields", all(h["patn_id"] == "X1" and h["task_id"] and h["jr_id"] for h in res), res[:1])
pat["curr_mdtrt_id"] = "E2"
r = s.call("3102", {"data": {"patient_dtos": [pat]}})
res = r["output"]["result"] if r["infcode"] == 0 else []
check("3102 current encounter only", [(h["mdtrt_id"], h["rule_id"]) for h in res] == [("E2", "YB18")], res)
det = {(d["mdtrt_id"], d["rx_id"], d["vola_item_type"]) for h in res for d in h["judge_result_detail_dtos"]}
check("3102 names the earlier order", det == {("E2", "L4", "1"), ("E1", "L3", "2")}, det)
del pat["curr_mdtrt_id"]
r = s.call("3101", {"data": {"patient_dtos": [pat], "rule_ids": "YB09"}})
res = r["output"]["result"] if r["infcode"] == 0 else []
check("3101 rule_ids", [h["rule_id"] for h in res] == ["YB09"], res)
r = s.call("3101", {"data": {"patient_dtos": [pat], "rule_ids": "YB99"}})
check("3101 unknown rule", r["infcode"] == -1 and "input.data.rule_ids" in r["err_msg"], r.get("err_msg"))
pat["fsi_encounter_dtos"][0]["fsi_order_dtos"][0]["cnt"] = "x"
r = s.call("3101", {"data": {"patient_dtos": [pat]}})
check("3101 bad number named", r["infcode"] == -1 and "fsi_encounter_dtos[0].fsi_order_dtos[0].cnt" in r["err_msg"], r.get("err_msg"))
after = sqlite3.connect(dba).execute("SELECT (SELECT count(*) FROM settlements), (SELECT count(*) FROM visits)").fetchone()
check("3101 stores nothing", before == after, (before, after))
# diagnoses are stored (2401, 2402, 2203A) and read back by 5202; the readmission rule (YB40, review)
# sees the main diagnosis of an earlier stay at the same hospital
def stay(begn, end, code, sn):
    r = s.call("2401", {"mdtrtinfo": {"psn_no": "P1", "insutype": "310", "begntime": begn, "med_type": "21", "ipt_no": "I" + sn},
                        "diseinfo": [{"diag_type": "1", "maindiag_flag": "1", "diag_srt_no": "1", "diag_code": code, "diag_name": "脑梗死"},
                                     {"diag_type": "1", "maindiag_flag": "0", "diag_srt_no": "2", "diag_code": "I10.x00", "diag_name": "高血压"}]})
    check("2401 " + sn, r["infcode"] == 0, r.get("err_msg"))
    m = r["output"]["result"]["mdtrt_id"]
    r = s.call("2301", {"feedetail": [{"feedetl_sn": sn, "mdtrt_id": m, "psn_no": "P1", "fee_ocur_time": begn,
                                       "med_list_codg": "001102000050000", "cnt": "1", "pric": "30", "det_item_fee_sumamt": "30.00"}]})
    check("2301 " + sn, r["infcode"] == 0, r.get("err_msg"))
    r = s.call("2402", {"dscginfo": {"mdtrt_id": m, "psn_no": "P1", "endtime": end}})
    check("2402 " + sn, r["infcode"] == 0, r.get("err_msg"))
    return m, s.call("2304", {"data": {"psn_no": "P1", "mdtrt_id": m, "insutype": "310", "acct_used_flag": "0"}})
ma, r = stay("2025-05-01 08:00:00", "2025-05-05 10:00:00", "I63.900", "S1")
check("first stay settled, nothing to review", r["infcode"] == 0 and r["output"]["audit_result"]["review_flag"] == "0", r.get("err_msg") or r["output"].get("audit_result"))
q = s.call("5202", {"data": {"psn_no": "P1", "mdtrt_id": ma}})
dg = [(x["diag_code"], x["maindiag_flag"]) for x in q["output"]["diseinfo"]] if q["infcode"] == 0 else q.get("err_msg")
check("5202 diagnoses", dg == [("I63.900", "1"), ("I10.x00", "0")], dg)
mb, r = stay("2025-05-12 08:00:00", "2025-05-15 10:00:00", "I63.901", "S2")
a = r["output"].get("audit_result", {}) if r["infcode"] == 0 else {}
check("readmission for review", a.get("review_flag") == "1" and [h["rule_id"] for h in a.get("result", [])] == ["YB40"], a or r.get("err_msg"))
check("a review hit pays as usual", r["infcode"] == 0 and amt(r, "fulamt_ownpay_amt") == "0.00", r.get("err_msg"))
r = s.call("2201", {"data": {"psn_no": "P1", "insutype": "310", "begntime": "2025-06-01 08:00:00", "ipt_otp_no": "O9"}})
mc = r["output"]["data"]["mdtrt_id"]
r = s.call("2203A", {"mdtrtinfo": {"mdtrt_id": mc, "psn_no": "P1", "med_type": "11"}, "diseinfo": {"diag_code": "", "diag_srt_no": "1"}})
check("2203A diagnosis without a code refused", r["infcode"] == -1 and "input.diseinfo.diag_code" in r["err_msg"], r.get("err_msg"))
# 2001 benefit check
def trt(insutype, med):
    r = s.call("2001", {"data": {"psn_no": "P1", "insutype": insutype, "med_type": med, "begntime": "2025-07-01 08:00:00"}})
    return {x["trt_chk_type"]: (x["trt_enjymnt_flag"], x["fund_pay_type"], x["trt_chk_rslt"]) for x in r["output"]["trtinfo"]} if r["infcode"] == 0 else r.get("err_msg")
t = trt("310", "11")
check("2001 outpatient", t.get("01", ("",))[0] == "1" and t.get("02", ("",))[0] == "1" and "03" not in t, t)
t = trt("390", "11")
check("2001 not enrolled", t.get("01", ("",))[0] == "0", t)
t = trt("310", "16")
check("2001 no block", t.get("02", ("",))[0] == "0" and "no benefit" in t["02"][2], t)
# 5205: the drug lines of settled chronic-disease (14) outpatient visits in the period
r = s.call("2201", {"data": {"psn_no": "P1", "insutype": "310", "begntime": "2025-06-05 08:00:00", "med_type": "14", "ipt_otp_no": "C1"}})
mk = r["output"]["data"]["mdtrt_id"]
r = s.call("2204", {"feedetail": [
    {"feedetl_sn": "K1", "mdtrt_id": mk, "psn_no": "P1", "fee_ocur_time": "2025-06-05 09:00:00", "med_list_codg": "XL02BBA326A001010102180", "cnt": "2", "pric": "100", "det_item_fee_sumamt": "200.00"},
    {"feedetl_sn": "K2", "mdtrt_id": mk, "psn_no": "P1", "fee_ocur_time": "2025-06-05 09:00:00", "med_list_codg": "001102000050000", "cnt": "1", "pric": "20", "det_item_fee_sumamt": "20.00"}]})
r = s.call("2207", {"data": {"psn_no": "P1", "mdtrt_id": mk, "insutype": "310", "acct_used_flag": "0"}})
check("2207 chronic visit", r["infcode"] == 0, r.get("err_msg"))
r = s.call("5205", {"data": {"psn_no": "P1", "begntime": "2025-06-01", "endtime": "2025-06-30"}})
got = [(x["mdtrt_id"], x["feedetl_sn"], x["med_list_codg"], x["det_item_fee_sumamt"]) for x in r["output"]["feedetail"]] if r["infcode"] == 0 else r.get("err_msg")
check("5205 the drug line only", got == [(mk, "K1", "XL02BBA326A001010102180", 200.0)], got)
r = s.call("5205", {"data": {"psn_no": "P1", "begntime": "2025-07-01", "endtime": "2025-07-31"}})
check("5205 another period", r["infcode"] == 0 and r["output"]["feedetail"] == [], r.get("err_msg"))
r = s.call("5205", {"data": {"psn_no": "P1", "begntime": "2025-07-01", "endtime": "2025-06-01"}})
check("5205 reversed period refused", r["infcode"] == -1 and "input.data.endtime" in r["err_msg"], r.get("err_msg"))
t = trt("310", "21")
check("2001 inpatient, not in hospital", t.get("03", ("",))[0] == "1", t)
r = s.call("2401", {"mdtrtinfo": {"psn_no": "P1", "insutype": "310", "begntime": "2025-06-20 08:00:00", "med_type": "21", "ipt_no": "I9"}})
t = trt("310", "21")
check("2001 in hospital", t.get("03", ("",))[0] == "0" and "in hospital" in t["03"][2], t)
r = s.call("2001", {"data": {"psn_no": "NOPE", "insutype": "310", "med_type": "11", "begntime": "2025-07-01"}})
check("2001 unknown person", r["infcode"] == -1 and "input.data.psn_no" in r["err_msg"], r.get("err_msg"))
check("audit server exit", s.stop() == 0)
s = Server(dbp, None)
r = s.call("3101", {"data": {"patient_dtos": [pat]}})
check("3101 without rules refused", r["infcode"] == -1 and "--rules" in r["err_msg"], r.get("err_msg"))
s.stop()
v = subprocess.run([Y, "verify-log", "--db", dba], capture_output=True, text=True)
check("verify-log", v.returncode == 0, v.stdout + v.stderr)
print(CHECKS.summary())
sys.exit(1 if CHECKS.failed else 0)
