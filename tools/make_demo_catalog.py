#!/usr/bin/env python3
"""make_demo_catalog.py — build data/demo/catalog.csv, the demo catalogue (三目录).

The codes and names are REAL national codes taken from the rule tables of the reference data
(national drug codes X…/Z… and 15-digit medical-service item codes, with the names given in the
same rows). Everything else — class (01 甲 / 02 乙 / 03 丙 / 04 可报丙), pre-self-pay share, price
caps, validity periods and area-specific rows — is SYNTHETIC: derived from a hash of the code so
that the file is deterministic, and shaped to exercise every path of the line split (caps,
area overrides, a code replaced mid-year, a class changed mid-year, new and delisted codes).

Run from the repository root (python3, standard library only):

    python3 tools/make_demo_catalog.py [--src ../shared/data] [--out data/demo/catalog.csv]

The reference data is only needed when the catalogue is rebuilt; the generated CSV is committed.
Same input → byte-identical output (no randomness, no clock, sorted output).
"""
import argparse
import csv
import hashlib
import io
import os
import sys

HEADER = ["med_list_codg", "name", "list_type", "chrgitm_lv", "selfpay_prop",
          "pric_uplmt_amt_lv1", "pric_uplmt_amt_lv2", "pric_uplmt_amt_lv3",
          "begndate", "enddate", "admdvs"]

AREA = "360100"          # the demo city's area (南昌市)
OPEN_FROM = "2020-01-01"  # begndate of entries with no special period

N_DRUG_NAMES = 230       # generic names sampled (each gives up to 3 codes)
N_ITEMS = 620            # service items in total (the must-have ones included)

# Drug rule files: (path under rules/, code column). Work-injury-only drugs (b3) are excluded on
# purpose: they are not in the basic medical-insurance catalogue, so the generator uses some of
# them as lines outside the catalogue (目录外).
DRUG_FILES = [
    ("nhsa/b1_drug_gender_codes.csv", "药品代码"),
    ("nhsa/b1_drug_age_codes.csv", "国标代码"),
    ("nhsa/b4_drug_medtype_codes.csv", "国标代码"),
    ("nhsa/b5_drug_hosplv_codes.csv", "国标代码"),
    ("nhsa/b6_drug_course_codes.csv", "国标代码"),
]
EXCLUDED_DRUG_FILE = ("nhsa/b3_drug_insutype_codes.csv", "国标代码")

# Item rule files: (path, [(code column, name column), ...]).
ITEM_FILES = [
    ("nhsa/b7_item_duplicate.csv", [("主项编码", "主项名称"), ("从项编码", "从项名称")]),
    ("nhsa/b8_item_frequency.csv", [("项目编码", "项目名称")]),
    ("nhsa/b8_item_cycle.csv", [("项目代码", "项目名称")]),
    ("nhsa/b8_item_course.csv", [("项目代码", "项目名称")]),
    ("nhsa/b8_item_age.csv", [("项目代码", "项目名称")]),
    ("nhsa/b1_item_age.csv", [("国标代码", "项目名称")]),
    ("nhsa/b1_item_gender.csv", [("国标代码", "项目名称")]),
    ("nhsa/b2_item_primary_secondary.csv", [("国标代码", "项目名称")]),
    ("medimodel/treatment_limits.csv", [("诊疗编码", "诊疗名称")]),
    ("medimodel/item_surcharge.csv", [("主项编码", "主项名称"), ("从项编码", "从项名称")]),
    ("medimodel/item_duplicate.csv", [("主项编码", "主项名称")]),
]
# Always included: the daily and basic items the generator builds visits from, when present.
MUST_HAVE_PREFIXES = ("0011", "0012")
MUST_HAVE_FILES = ("nhsa/b8_item_frequency.csv", "nhsa/b8_item_cycle.csv")

# Synthetic price range per category, in fen (low, high): caps are drawn inside it. The
# generator (src/cli/cmd_gen.c) uses the same ranges for items without a cap.
PRICE_FEN = {
    "0011": (1000, 12000), "0012": (500, 8000), "0013": (1000, 5000), "0014": (1000, 5000),
    "0021": (3000, 90000), "0022": (3000, 60000), "0023": (3000, 60000), "0024": (3000, 90000),
    "0025": (500, 15000), "0026": (5000, 40000), "0027": (5000, 40000),
    "0031": (2000, 200000), "0032": (200000, 1500000), "0033": (50000, 2000000),
    "0034": (1500, 15000), "004": (1000, 10000),
    "X": (5, 50000), "Z": (10, 20000),
}


def h(*parts):
    """Deterministic 64-bit hash of the parts (sha256, independent of PYTHONHASHSEED)."""
    d = hashlib.sha256("\x1f".join(("yibao-demo",) + parts).encode("utf-8")).digest()
    return int.from_bytes(d[:8], "big")


def category(code):
    if code[0] in "XZ":
        return code[0]
    if code.startswith("004"):
        return "004"
    return code[:4]


def read_rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def fmt_price(fen_x100):
    """Format a price given in 1/10000 yuan as text with 2 or 4 decimals (4 only when needed)."""
    y, r = divmod(fen_x100, 10000)
    if r % 100 == 0:
        return "%d.%02d" % (y, r // 100)
    return "%d.%04d" % (y, r)


def band_pick(lo, hi, x):
    """A value in [lo, hi] chosen by x, skewed towards lo as real price lists are: 60 % in the
    lowest 2 % of the range, 30 % in the lowest 10 %, 10 % anywhere. Integer arithmetic only; the
    generator (src/cli/cmd_gen.c, base_fen) uses the same shape."""
    u, f = x % 100, (x >> 8) % 1001
    if u < 60:
        return lo + (hi - lo) * f // 50000
    if u < 90:
        return lo + (hi - lo) * f // 10000
    return lo + (hi - lo) * f // 1000


def synth(code, name, salt=""):
    """Synthetic class, share and caps for one code. Returns a dict of the catalogue columns."""
    cat = category(code)
    x = h(code, salt, "class")
    pct = x % 100
    if cat in ("0011", "0012"):
        # basic daily items are 甲 or 乙; only luxury wards are 丙
        lv = "03" if ("单人间" in name or "套间" in name) else ("01" if pct < 85 else "02")
    elif cat in ("0021", "0022", "0023", "0024", "0032", "0033"):
        lv = "01" if pct < 45 else ("02" if pct < 92 else "03")
    elif cat == "X":
        lv = "01" if pct < 38 else ("02" if pct < 88 else ("04" if pct < 90 else "03"))
    elif cat == "Z":
        lv = "01" if pct < 28 else ("02" if pct < 88 else ("04" if pct < 90 else "03"))
    else:
        lv = "01" if pct < 60 else ("02" if pct < 92 else "03")
    share = ""
    if lv == "02":
        share = ["0.05", "0.10", "0.10", "0.15", "0.20", "0.30"][h(code, salt, "share") % 6]
    elif lv == "04":
        share = "0.30"
    caps = ["", "", ""]
    y = h(code, salt, "cap")
    if lv != "03" and y % 100 < 22:
        lo, hi = PRICE_FEN[cat]
        c3 = band_pick(lo, hi, y >> 8) * 100          # in 1/10000 yuan
        if cat in "XZ" and c3 < 10000 and (y >> 20) % 2:
            c3 += (y >> 24) % 100                    # 4-decimal cap for cheap drugs
        c2 = c3 * 92 // 100
        c1 = c3 * 85 // 100
        if c3 >= 10000:                              # at least 1 yuan: caps in whole fen
            c2, c1 = c2 // 100 * 100, c1 // 100 * 100
        if (y >> 32) % 10 == 0:
            caps = [fmt_price(c1), fmt_price(c2), ""]  # tertiary hospitals uncapped
        else:
            caps = [fmt_price(c1), fmt_price(c2), fmt_price(c3)]
    return {"chrgitm_lv": lv, "selfpay_prop": share,
            "pric_uplmt_amt_lv1": caps[0], "pric_uplmt_amt_lv2": caps[1], "pric_uplmt_amt_lv3": caps[2]}


def list_type(code):
    return "101" if code[0] == "X" else ("102" if code[0] == "Z" else "201")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", default=os.path.join(root, "..", "shared", "data"))
    ap.add_argument("--out", default=os.path.join(root, "data", "demo", "catalog.csv"))
    a = ap.parse_args()
    rules = os.path.join(a.src, "rules")

    # ---- drugs: generic name -> codes, first name wins for a code listed under two names
    excluded = {r[EXCLUDED_DRUG_FILE[1]] for r in read_rows(os.path.join(rules, EXCLUDED_DRUG_FILE[0]))}
    by_name, code_name = {}, {}
    for path, col in DRUG_FILES:
        for r in read_rows(os.path.join(rules, path)):
            c, n = r[col].strip(), r["药品通用名"].strip()
            if not c or c in excluded or c[0] not in "XZ" or len(c) not in (20, 23) or c in code_name:
                continue
            code_name[c] = n
            by_name.setdefault(n, []).append(c)
    names = sorted(by_name, key=lambda n: h(n, "drugname"))[:N_DRUG_NAMES]
    drugs = []
    for n in names:
        codes = sorted(by_name[n], key=lambda c: h(c, "drugcode"))[:3]
        drugs += [(c, n) for c in codes]

    # ---- items: 15-digit national codes starting with 00; first name seen wins
    items, must = {}, set()
    for path, pairs in ITEM_FILES:
        for r in read_rows(os.path.join(rules, path)):
            for cc, nc in pairs:
                c, n = (r.get(cc) or "").strip(), (r.get(nc) or "").strip()
                if len(c) != 15 or not c.isdigit() or not c.startswith("00") or not n:
                    continue
                if c not in items:
                    items[c] = n
                if path in MUST_HAVE_FILES or c.startswith(MUST_HAVE_PREFIXES):
                    must.add(c)
    rest = sorted((c for c in items if c not in must), key=lambda c: h(c, "item"))
    chosen_items = sorted(must) + rest[:max(0, N_ITEMS - len(must))]

    # ---- base entries
    entries = []   # dicts with every column
    def add(code, name, begn=OPEN_FROM, end="", area="", salt=""):
        e = {"med_list_codg": code, "name": name, "list_type": list_type(code),
             "begndate": begn, "enddate": end, "admdvs": area}
        e.update(synth(code, name, salt))
        entries.append(e)
        return e

    all_codes = [(c, n) for c, n in drugs] + [(c, items[c]) for c in chosen_items]
    # Special sets, disjoint, picked by hash among codes that are not must-have daily items.
    pool = sorted((cn for cn in all_codes if cn[0] not in must), key=lambda cn: h(cn[0], "special"))
    override = pool[0:40]          # national entry + a 360100 entry with other terms
    local_only = pool[40:60]       # only in 360100 (目录外 at hospitals of other areas)
    class_change = pool[60:75]     # 02 until 2025-03-31, 01 from 2025-04-01
    new_listing = pool[75:85]      # valid from 2025-03-01 only
    delisted = pool[85:90]         # valid until 2025-09-30 only
    special = {c for c, _ in pool[0:90]}

    # Replacement: for generic names with at least 2 chosen codes and none of them special,
    # the first code ends 2025-06-30 and the second starts 2025-07-01.
    multi = {}
    for c, n in drugs:
        multi.setdefault(n, []).append(c)
    repl_names = sorted((n for n, cs in multi.items() if len(cs) >= 2 and not (set(cs) & special)),
                        key=lambda n: h(n, "replace"))[:12]
    replaced = {}
    for n in repl_names:
        replaced[multi[n][0]] = ("", "2025-06-30")
        replaced[multi[n][1]] = ("2025-07-01", "")

    ov = {c for c, _ in override}
    lo = {c for c, _ in local_only}
    cc = {c for c, _ in class_change}
    nl = {c for c, _ in new_listing}
    dl = {c for c, _ in delisted}
    for c, n in all_codes:
        if c in lo:
            add(c, n, area=AREA)
        elif c in cc:
            e = add(c, n, end="2025-03-31")
            e.update({"chrgitm_lv": "02", "selfpay_prop": "0.20"})
            e = add(c, n, begn="2025-04-01")
            e.update({"chrgitm_lv": "01", "selfpay_prop": ""})
        elif c in nl:
            add(c, n, begn="2025-03-01")
        elif c in dl:
            add(c, n, end="2025-09-30")
        elif c in replaced:
            b, e_ = replaced[c]
            add(c, n, begn=b or OPEN_FROM, end=e_)
        else:
            nat = add(c, n)
            if c in ov:
                e = add(c, n, area=AREA, salt="360100")
                terms = ("chrgitm_lv", "selfpay_prop", "pric_uplmt_amt_lv1", "pric_uplmt_amt_lv2", "pric_uplmt_amt_lv3")
                if e["chrgitm_lv"] == "03":          # the local terms are always reimbursable
                    e.update({"chrgitm_lv": "02", "selfpay_prop": "0.10"})
                if all(e[k] == nat[k] for k in terms):  # and always differ from the national ones
                    e.update({"chrgitm_lv": "02", "selfpay_prop": "0.05"} if nat["chrgitm_lv"] == "01"
                             else {"chrgitm_lv": "01", "selfpay_prop": ""})

    entries.sort(key=lambda e: (e["med_list_codg"], e["begndate"], e["admdvs"]))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    for e in entries:
        w.writerow([e[k] for k in HEADER])
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())
    capped = sum(1 for e in entries if e["pric_uplmt_amt_lv1"])
    print("%s: %d entries (%d drugs, %d items, %d capped, %d area-specific, %d with a period)" % (
        a.out, len(entries), sum(1 for e in entries if e["list_type"] != "201"),
        sum(1 for e in entries if e["list_type"] == "201"), capped,
        sum(1 for e in entries if e["admdvs"]),
        sum(1 for e in entries if e["enddate"] or e["begndate"] != OPEN_FROM)), file=sys.stderr)


if __name__ == "__main__":
    main()
