/*
 * cmd_gen.c — `yibao gen`: a deterministic demo city, written as the national extract tables.
 *
 *   yibao gen --out DIR [--seed N] [--persons N | --lines-target N] [--year 2025] [--admdvs 360100]
 *             [--catalog data/demo/catalog.csv]
 *
 * writes DIR/persons.csv, DIR/institutions.csv, DIR/mdtrt_d.csv (the 106 national columns and
 * acct_used_flag), DIR/fee_list_d.csv (the 82 national columns) and DIR/balances.csv.
 *
 * What it promises:
 * - Same options and catalogue → byte-identical files. The only source of randomness is our own
 *   splitmix64 generator, seeded per person, per visit and per visit's lines from (seed, indexes),
 *   so every person, visit and line is a pure function of the seed and its position; nothing
 *   reads the clock, the locale or rand().
 * - Memory does not grow with the number of lines or persons: persons and visits are recomputed
 *   from their indexes instead of being stored; fee lines are buffered for at most BLOCK_VISITS
 *   visits (to shuffle them). The catalogue is held in memory (bounded by MAX_CAT entries).
 * - Rows are in a scrambled, deterministic order: visits go out in rounds (every person's first
 *   visit, then every second visit, ...), persons in an affine permutation of their indexes,
 *   visit dates are shuffled across the year, and the fee lines of each block of visits are
 *   shuffled together. A reader has to sort to settle.
 * - Every certno is a valid GB 11643 number (area codes of Jiangxi, unique by construction);
 *   names are obviously synthetic (演示甲一二三). det_item_fee_sumamt = round(cnt × pric) to the fen.
 * - The mix: mostly outpatient visits of a few lines, admissions of 10–80 lines, a few long
 *   expensive stays that reach the 大病 threshold and the pool cap, cross-region visits with
 *   rloc_type 1/2/3, every hospital level 01–14, some lines outside the catalogue (work-injury-only
 *   drugs, codes not valid on the day or in the area) and some priced above the catalogue's cap.
 *
 * Prices are synthetic: a catalogue entry with a cap is priced at 80–100 % of the cap of the
 * hospital's level class (and for about 1 in 12 item–hospital pairs, 101–130 %: above the cap);
 * without a cap, from a range per category (the same ranges as tools/make_demo_catalog.py).
 * Diagnoses are real codes of 医保版 ICD-10 2.0; birth-place area codes are real (see
 * data/SOURCES.md). No floating point anywhere.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "yibao/catalog_csv.h"
#include "yibao/csv.h"
#include "yibao/date.h"
#include "yibao/idcard.h"
#include "yibao/money.h"

#define MAX_PERSONS 2000000L      /* certno uniqueness holds up to 17 areas x 499 x 256 persons */
#define MAX_LINES_TARGET 200000000LL
#define MAX_CAT 1000000           /* catalogue entries held in memory */
#define MAX_VISITS_PER_PERSON 40
#define MAX_LINES_PER_VISIT 80
#define BLOCK_VISITS 8            /* fee lines of this many visits are shuffled together */

/* ------------------------------------------------------------------------------------------ */
/* PRNG: splitmix64 (Steele, Lea, Flood 2014). A stream is seeded from (seed, tag, a, b). */

typedef struct rng { uint64_t s; } rng;

static uint64_t mix64(uint64_t z) {
    z ^= z >> 30;
    z *= UINT64_C(0xBF58476D1CE4E5B9);
    z ^= z >> 27;
    z *= UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static uint64_t rnext(rng *r) {
    r->s += UINT64_C(0x9E3779B97F4A7C15);
    return mix64(r->s);
}

enum { T_PERSON = 1, T_VISIT, T_LINES, T_BLOCK, T_PERM, T_PRICE };

static rng stream(uint64_t seed, uint64_t tag, uint64_t a, uint64_t b) {
    rng r;
    r.s = mix64(mix64(mix64(seed + UINT64_C(0x632BE59BD9B4E019) * tag) ^ (a + 1)) ^ (b * UINT64_C(0x9E3779B97F4A7C15)));
    return r;
}

/* uniform in [0, n); the modulo bias (< n / 2^64) is irrelevant here */
static uint64_t below(rng *r, uint64_t n) { return n ? rnext(r) % n : 0; }
static int64_t between(rng *r, int64_t lo, int64_t hi) { return lo + (int64_t)below(r, (uint64_t)(hi - lo + 1)); }
static int permille(rng *r, unsigned pm) { return below(r, 1000) < pm; }

static uint64_t hash_str(const char *s) {
    uint64_t h = UINT64_C(0xCBF29CE484222325); /* FNV-1a, then mixed */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001B3);
    return mix64(h);
}

static uint64_t gcd64(uint64_t a, uint64_t b) {
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* a with gcd(a, n) = 1, 1 <= a < n (or 1 when n <= 2): x -> (a x + b) mod n is a permutation */
static uint64_t coprime(rng *r, uint64_t n) {
    if (n <= 2) return 1;
    uint64_t a = 1 + below(r, n - 1);
    while (gcd64(a, n) != 1) a = a + 1 < n ? a + 1 : 1;
    return a;
}

/* ------------------------------------------------------------------------------------------ */
/* The national column layouts (jdzwq/MediModel 医保数据提取表, see data/SOURCES.md). */

static const char *const MDTRT_COLS[] = {
    "mdtrt_id", "medins_setl_id", "psn_no", "psn_insu_rlts_id", "psn_cert_type", "certno", "psn_name", "gend", "naty",
    "brdy", "age", "coner_name", "tel", "addr", "insutype", "psn_type", "cvlserv_flag", "cvlserv_lv", "sp_psn_type",
    "sp_psn_type_lv", "clct_grde", "flxempe_flag", "nwb_flag", "insu_admdvs", "emp_no", "emp_name", "emp_type",
    "econ_type", "afil_indu", "afil_rlts", "emp_mgt_type", "pay_loc", "fixmedins_code", "fixmedins_name", "hosp_lv",
    "fix_blng_admdvs", "lmtpric_hosp_lv", "dedc_hosp_lv", "begntime", "endtime", "mdtrt_cert_type", "mdtrt_cert_no",
    "med_type", "rloc_type", "ars_year_ipt_flag", "pre_pay_flag", "year", "refl_old_mdtrt_id", "ipt_otp_no",
    "medrcdno", "chfpdr_code", "adm_diag_dscr", "adm_dept_codg", "adm_dept_name", "adm_bed", "wardarea_bed",
    "traf_dept_flag", "dscg_maindiag_code", "dscg_dept_codg", "dscg_dept_name", "dscg_bed", "dscg_way",
    "main_cond_dscr", "dise_no", "dise_name", "oprn_oprt_code", "oprn_oprt_name", "otp_diag_info", "inhosp_stas",
    "die_date", "ipt_days", "geso_val", "birctrl_type", "fetts", "fetus_cnt", "matn_type", "prey_time",
    "latechb_flag", "pret_flag", "fpsc_no", "birctrl_matn_date", "cop_flag", "trt_dcla_detl_sn", "vali_flag", "memo",
    "rid", "updt_time", "crter_id", "crter_name", "crte_time", "crte_optins_no", "opter_id", "opter_name",
    "opt_time", "optins_no", "poolarea_no", "chfpdr_name", "dscg_maindiag_name", "adm_caty", "dscg_caty",
    "ttp_pay_flag", "ttp_pay_prop", "dise_type_code", "same_dise_adm_flag", "quts_type", "pt",
    "acct_used_flag", /* ours: pay from the personal account (docs/settlement.md section 6) */
};
#define N_MDTRT_COLS (sizeof MDTRT_COLS / sizeof MDTRT_COLS[0])

static const char *const FEE_COLS[] = {
    "bkkp_sn", "mdtrt_id", "fee_ocur_time", "setl_id", "rx_drord_no", "fixmedins_code", "fixmedins_name", "psn_no",
    "psn_insu_rlts_id", "insu_admdvs", "pay_loc", "med_type", "cnt", "pric", "det_item_fee_sumamt",
    "pric_uplmt_amt", "selfpay_prop", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_amt",
    "cvlserv_bedfee_amt", "medins_disc_amt", "chrgitm_lv", "hilist_code", "hilist_name", "list_type",
    "med_list_codg", "medins_list_codg", "medins_list_name", "med_chrgitm_type", "prodname", "spec",
    "dosform_name", "bilg_dept_codg", "bilg_dept_name", "bilg_dr_code", "bilg_dr_name", "acord_dept_codg",
    "acord_dept_name", "acord_dr_code", "acord_dr_name", "lmt_used_flag", "hosp_prep_flag", "hosp_appr_flag",
    "tcmdrug_used_way", "prodplac_type", "bas_medn_flag", "hi_nego_drug_flag", "prcu_drug_flag",
    "chld_medc_flag", "etip_flag", "etip_hosp_code", "dscg_tkdrug_flag", "list_sp_item_flag", "matn_fee_flag",
    "drt_reim_flag", "reim_prop", "oprn_oprt_code", "sin_dos_dscr", "used_frqu_dscr", "prd_days",
    "medc_way_dscr", "memo", "vali_flag", "rid", "updt_time", "crter_id", "crter_name", "crte_time",
    "crte_optins_no", "opter_id", "opter_name", "opt_time", "optins_no", "poolarea_no", "rx_circ_flag",
    "dise_codg", "chrg_bchno", "init_feedetl_sn", "comb_no", "pt",
};
#define N_FEE_COLS (sizeof FEE_COLS / sizeof FEE_COLS[0])

/* The columns we fill, resolved to indexes once. */
enum {
    M_MDTRT, M_PSN, M_CERT_TYPE, M_CERTNO, M_NAME, M_GEND, M_NATY, M_BRDY, M_AGE, M_INSU, M_PSN_TYPE, M_CVL, M_SP,
    M_AREA, M_FIX, M_FIX_NAME, M_HOSP_LV, M_FIX_AREA, M_LMT_LV, M_DEDC_LV, M_BEGN, M_END, M_MCERT_TYPE, M_MCERT_NO,
    M_MED_TYPE, M_RLOC, M_YEAR, M_IPT_OTP, M_ADM_DEPT, M_ADM_DEPT_NAME, M_DIAG, M_DIAG_NAME, M_DSCG_DEPT,
    M_DSCG_DEPT_NAME, M_DSCG_WAY, M_OTP_DIAG, M_INHOSP, M_IPT_DAYS, M_VALI, M_POOLAREA, M_ACCT, M_N
};
static const char *const M_NAMES[M_N] = {
    "mdtrt_id", "psn_no", "psn_cert_type", "certno", "psn_name", "gend", "naty", "brdy", "age", "insutype",
    "psn_type", "cvlserv_flag", "sp_psn_type", "insu_admdvs", "fixmedins_code", "fixmedins_name", "hosp_lv",
    "fix_blng_admdvs", "lmtpric_hosp_lv", "dedc_hosp_lv", "begntime", "endtime", "mdtrt_cert_type",
    "mdtrt_cert_no", "med_type", "rloc_type", "year", "ipt_otp_no", "adm_dept_codg", "adm_dept_name",
    "dscg_maindiag_code", "dscg_maindiag_name", "dscg_dept_codg", "dscg_dept_name", "dscg_way", "otp_diag_info",
    "inhosp_stas", "ipt_days", "vali_flag", "poolarea_no", "acct_used_flag",
};
enum {
    F_SN, F_MDTRT, F_TIME, F_RX, F_FIX, F_FIX_NAME, F_PSN, F_AREA, F_MED_TYPE, F_CNT, F_PRIC, F_SUM, F_HIL_CODE,
    F_HIL_NAME, F_LIST_TYPE, F_CODE, F_MI_CODE, F_MI_NAME, F_CHRG_TYPE, F_BILG_DEPT, F_BILG_DEPT_NAME, F_VALI,
    F_N
};
static const char *const F_NAMES[F_N] = {
    "bkkp_sn", "mdtrt_id", "fee_ocur_time", "rx_drord_no", "fixmedins_code", "fixmedins_name", "psn_no",
    "insu_admdvs", "med_type", "cnt", "pric", "det_item_fee_sumamt", "hilist_code", "hilist_name", "list_type",
    "med_list_codg", "medins_list_codg", "medins_list_name", "med_chrgitm_type", "bilg_dept_codg",
    "bilg_dept_name", "vali_flag",
};

/* ------------------------------------------------------------------------------------------ */
/* Embedded reference data. */

/* Birth places for ID numbers: real Jiangxi county codes (areas.csv of modood/Administrative-
 * divisions-of-China): the nine of 南昌 first, then one district of each other city. */
static const char *const BIRTH_AREAS[] = {"360102", "360103", "360104", "360111", "360112", "360113",
                                          "360121", "360123", "360124", "360402", "360502", "360602",
                                          "360702", "360802", "360902", "361002", "361102"};
#define N_BIRTH_AREAS (sizeof BIRTH_AREAS / sizeof BIRTH_AREAS[0])

enum { DX_OUT = 1, DX_IN = 2, DX_BIG = 4, DX_CHRONIC = 8, DX_DAY = 16 };
typedef struct diag {
    const char *code, *name, *dept, *dept_name;
    int kinds;  /* DX_* where the diagnosis is used */
    int sex;    /* 0 any, 1 male only, 2 female only */
} diag;
/* Real codes and names of 医保版 ICD-10 2.0 (icd10_yb2.0_diag.csv from DamageControlStudio/CHS-DRG);
 * department codes are the national 科别 codes (A03 内科 ...). */
static const diag DIAGS[] = {
    {"J06.900", "急性上呼吸道感染", "A03", "内科", DX_OUT, 0},
    {"J20.900", "急性支气管炎", "A03", "内科", DX_OUT, 0},
    {"J02.900", "急性咽炎", "A11", "耳鼻咽喉科", DX_OUT, 0},
    {"J03.900", "急性扁桃体炎", "A11", "耳鼻咽喉科", DX_OUT, 0},
    {"J30.400", "变应性鼻炎", "A11", "耳鼻咽喉科", DX_OUT, 0},
    {"H66.900", "中耳炎", "A11", "耳鼻咽喉科", DX_OUT, 0},
    {"H10.900", "结膜炎", "A10", "眼科", DX_OUT, 0},
    {"K02.900", "龋（牙）", "A12", "口腔科", DX_OUT, 0},
    {"L23.900", "变应性接触性皮炎", "A13", "皮肤科", DX_OUT, 0},
    {"K29.700", "胃炎", "A03", "内科", DX_OUT, 0},
    {"A09.901", "胃肠炎", "A03", "内科", DX_OUT, 0},
    {"R50.900", "发热", "A03", "内科", DX_OUT, 0},
    {"R51.x00", "头痛", "A03", "内科", DX_OUT, 0},
    {"B34.900", "病毒性感染", "A03", "内科", DX_OUT, 0},
    {"M54.500", "下背痛", "A04", "外科", DX_OUT, 0},
    {"M79.100", "肌痛", "A04", "外科", DX_OUT, 0},
    {"K76.000", "脂肪肝", "A03", "内科", DX_OUT, 0},
    {"D64.900", "贫血", "A03", "内科", DX_OUT, 0},
    {"N39.000", "泌尿道感染", "A03", "内科", DX_OUT | DX_IN, 0},
    {"I10.x00x002", "高血压", "A03", "内科", DX_OUT | DX_CHRONIC, 0},
    {"E11.900", "2型糖尿病", "A03", "内科", DX_OUT | DX_CHRONIC | DX_IN, 0},
    {"E78.500", "高脂血症", "A03", "内科", DX_OUT | DX_CHRONIC, 0},
    {"I25.103", "冠状动脉粥样硬化性心脏病", "A03", "内科", DX_CHRONIC | DX_IN, 0},
    {"M17.900", "膝关节病", "A04", "外科", DX_OUT | DX_CHRONIC, 0},
    {"M81.900", "骨质疏松", "A03", "内科", DX_OUT | DX_CHRONIC, 0},
    {"J45.900", "哮喘", "A03", "内科", DX_OUT | DX_CHRONIC, 0},
    {"G40.900", "癫痫", "A03", "内科", DX_CHRONIC, 0},
    {"N18.500", "慢性肾脏病5期", "A03", "内科", DX_CHRONIC | DX_IN, 0},
    {"J18.900", "肺炎", "A03", "内科", DX_IN, 0},
    {"J44.100", "慢性阻塞性肺病伴有急性加重", "A03", "内科", DX_IN, 0},
    {"I63.900", "脑梗死", "A03", "内科", DX_IN | DX_BIG, 0},
    {"I20.000", "不稳定型心绞痛", "A03", "内科", DX_IN, 0},
    {"I21.900", "急性心肌梗死", "A03", "内科", DX_IN | DX_BIG, 0},
    {"I50.900", "心力衰竭", "A03", "内科", DX_IN, 0},
    {"G45.900", "短暂性大脑缺血性发作", "A03", "内科", DX_IN, 0},
    {"S72.000", "股骨颈骨折", "A04", "外科", DX_IN | DX_BIG, 0},
    {"N20.000", "肾结石", "A04", "外科", DX_IN, 0},
    {"K74.600", "肝硬变", "A03", "内科", DX_IN, 0},
    {"H25.900", "老年性白内障", "A10", "眼科", DX_DAY, 0},
    {"Z51.100", "为肿瘤化学治疗疗程", "A19", "肿瘤科", DX_IN | DX_DAY, 0},
    {"C34.900", "支气管或肺恶性肿瘤", "A19", "肿瘤科", DX_BIG, 0},
    {"C16.900", "胃恶性肿瘤", "A04", "外科", DX_BIG, 0},
    {"C18.900", "结肠恶性肿瘤", "A04", "外科", DX_BIG, 0},
    {"C20.x00", "直肠恶性肿瘤", "A04", "外科", DX_BIG, 0},
    {"C22.000", "肝细胞癌", "A04", "外科", DX_BIG, 0},
    {"C25.900", "胰恶性肿瘤", "A04", "外科", DX_BIG, 0},
    {"C50.900", "乳房恶性肿瘤", "A04", "外科", DX_BIG, 2},
    {"C53.900", "宫颈恶性肿瘤", "A05", "妇产科", DX_BIG, 2},
    {"C61.x00", "前列腺恶性肿瘤", "A04", "外科", DX_BIG, 1},
};
#define N_DIAGS (sizeof DIAGS / sizeof DIAGS[0])

/* Real national drug codes that the basic medical-insurance catalogue does not list: drugs of the
 * work-injury catalogue only (NHSA rule batch 3). Billed now and then: lines outside the catalogue. */
static const struct { const char *code, *name; } OFF_CATALOG[] = {
    {"ZH01AAB0066010100716", "疤痕止痒软化膏"},
    {"ZH01AAB0067010102021", "疤痕止痒软化乳膏"},
    {"XJ07BGR030B014010101119", "冻干人用狂犬病疫苗(Vero细胞)"},
    {"XJ07BGR077B001010179275", "冻干人用狂犬病疫苗(人二倍体细胞)"},
    {"XD11AXQ064F002010100319", "氢醌乳膏"},
    {"XJ07BGR032B001010103056", "人用狂犬病疫苗(地鼠肾细胞)"},
    {"XL03AXX234B001010100568", "注射用胸腺法新"},
    {"ZD01BAY0323010102065", "益母草注射液"},
};
#define N_OFF_CATALOG (sizeof OFF_CATALOG / sizeof OFF_CATALOG[0])

/* Price ranges in fen by code category; the same as PRICE_FEN in tools/make_demo_catalog.py. */
static const struct { const char *prefix; int64_t lo, hi; } PRICE_FEN[] = {
    {"0011", 1000, 12000}, {"0012", 500, 8000}, {"0013", 1000, 5000}, {"0014", 1000, 5000},
    {"0021", 3000, 90000}, {"0022", 3000, 60000}, {"0023", 3000, 60000}, {"0024", 3000, 90000},
    {"0025", 500, 15000}, {"0026", 5000, 40000}, {"0027", 5000, 40000}, {"0031", 2000, 200000},
    {"0032", 200000, 1500000}, {"0033", 50000, 2000000}, {"0034", 1500, 15000}, {"004", 1000, 10000},
    {"X", 5, 50000}, {"Z", 10, 20000},
};

/* Remote institutions (cross-region care): city-level areas and their level. */
static const struct { const char *admdvs, *city, *hosp_lv; } REMOTE[] = {
    {"310100", "上海", "02"}, {"110100", "北京", "01"}, {"440300", "深圳", "05"},
    {"330100", "杭州", "03"}, {"360400", "九江", "05"}, {"360700", "赣州", "02"},
};
#define N_REMOTE (sizeof REMOTE / sizeof REMOTE[0])

/* Local institutions per hospital level 01..14 (every level present). */
static const int LOCAL_PER_LEVEL[15] = {0, 1, 3, 2, 1, 4, 2, 1, 4, 2, 1, 3, 1, 1, 2};

/* ------------------------------------------------------------------------------------------ */

enum { POOL_DRUG, POOL_LAB, POOL_EXAM, POOL_TREAT, POOL_SURG, POOL_BASIC, POOL_N };
enum { SP_OPD, SP_ER, SP_BED, SP_ICU, SP_WARD_EXAM, SP_NURSE1, SP_NURSE2, SP_N };
static const char *const SPECIAL_CODES[SP_N] = {
    "001102000010000", /* 普通门诊诊查费 */
    "001102000030000", /* 急诊诊查费 */
    "001109000010000", /* 普通病房床位费 */
    "001109000030100", /* 重症监护病房床位费 */
    "001102000050000", /* 住院诊查费 */
    "001201000030000", /* Ⅰ级护理 */
    "001201000040000", /* Ⅱ级护理 */
};

typedef struct inst {
    char code[16];
    char name[96];
    char hosp_lv[4];
    char admdvs[8];
    int cls;     /* hospital-level class 1..3 (docs/settlement.md section 3, the default mapping) */
    int remote;  /* 1 when admdvs differs from the city's */
} inst;

typedef struct gen {
    const char *out, *catalog;
    uint64_t seed;
    long persons;
    long long lines_target;
    int year;
    char admdvs[8];
    yb_date y0, y1;               /* first and last day of the year */
    yb_cat_entry *cat;
    size_t ncat, capcat;
    size_t *pool[POOL_N];
    size_t npool[POOL_N];
    long special[SP_N];           /* catalogue index of each special code, -1 when absent */
    inst insts[64];
    int ninst, nlocal;
    int by_class[4][64];          /* local institutions of each class */
    int nby_class[4];
    int mix[M_N], fix[F_N];       /* column indexes */
    /* counters */
    long long nvisits, nlines, nout_cat, nabove;
} gen;

typedef struct person {
    long i;
    int kind;                     /* K_* */
    int sex;                      /* 1 male 2 female */
    yb_date birth;
    int age;                      /* at the start of the year */
    int chronic, big, offsite, remote_inst;
    int n_in, n_out, k;
    uint64_t slot_a, slot_b;
    unsigned acct_pm;             /* permille of visits paid from the account */
    yb_fen balc;
    const char *psn_type, *insutype, *sp;
    int cvl;
    char psn_no[24], certno[20], name[64], brdy[12];
} person;

enum { K_ACTIVE, K_RETIRED, K_STUDENT, K_ADULT };

typedef struct vplan {
    int r;
    int inpatient, big;
    const char *med_type;
    int inst;
    int rloc;                     /* 0 local, 1 long-term, 2 referral, 3 temporary */
    yb_datetime begin, end;
    int ipt_days;
    int diag;
    int nlines;
    int acct;
    char mdtrt_id[32];
} vplan;

/* ------------------------------------------------------------------------------------------ */
/* Small formatting helpers. */

static const char *const CN_DIGITS[10] = {"〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
static const char *const STEMS[10] = {"甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸"};

/* 1..99 in Chinese numerals: 一, 十, 十二, 二十三 */
static void cn_number(int n, char *buf, size_t cap) {
    if (n < 10) snprintf(buf, cap, "%s", CN_DIGITS[n]);
    else if (n < 20) snprintf(buf, cap, "十%s", n % 10 ? CN_DIGITS[n % 10] : "");
    else snprintf(buf, cap, "%s十%s", CN_DIGITS[n / 10], n % 10 ? CN_DIGITS[n % 10] : "");
}

/* decimal text of v (scaled by 10^scale) with trailing zeros removed, keeping at least keep decimals */
static char *fmt_trim(int64_t v, int scale, int keep, char *buf) {
    yb_dec_fmt(v, scale, buf);
    char *dot = strchr(buf, '.');
    if (!dot) return buf;
    char *end = buf + strlen(buf);
    while (end > dot + 1 + keep && end[-1] == '0') end--;
    if (end == dot + 1) end = dot;
    *end = '\0';
    return buf;
}

static void fmt_dt(yb_datetime t, char *buf) { yb_datetime_fmt(t, buf); }

/* ------------------------------------------------------------------------------------------ */
/* Catalogue. */

static yb_rc cat_row(void *ctx, const yb_cat_entry *e, long line, yb_err *err) {
    gen *g = ctx;
    (void)line;
    if (g->ncat == MAX_CAT)
        return yb_err_set(err, YB_E_LIMIT, "med_list_codg", e->code, "more than %d catalogue entries", MAX_CAT);
    if (g->ncat == g->capcat) {
        size_t nc = g->capcat ? g->capcat * 2 : 1024;
        yb_cat_entry *n = realloc(g->cat, nc * sizeof *n);
        if (!n) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
        g->cat = n;
        g->capcat = nc;
    }
    yb_cat_entry *c = &g->cat[g->ncat++];
    *c = *e;
    /* one physical line per fee row (the block shuffle splits on LF): no line breaks in names */
    for (char *q = c->name; *q; q++)
        if (*q == '\n' || *q == '\r') *q = ' ';
    return YB_OK;
}

static int is_drug(const yb_cat_entry *e) { return strcmp(e->list_type, "201") != 0 && e->code[0] != '0'; }

static int pool_of(const yb_cat_entry *e) {
    const char *c = e->code;
    if (is_drug(e)) return POOL_DRUG;
    if (!strncmp(c, "0025", 4) || !strncmp(c, "0026", 4) || !strncmp(c, "0027", 4)) return POOL_LAB;
    if (!strncmp(c, "0021", 4) || !strncmp(c, "0022", 4) || !strncmp(c, "0023", 4) || !strncmp(c, "0024", 4))
        return POOL_EXAM;
    if (!strncmp(c, "0032", 4) || !strncmp(c, "0033", 4)) return POOL_SURG;
    if (!strncmp(c, "0011", 4)) return POOL_BASIC;
    return POOL_TREAT;
}

static yb_rc load_catalog(gen *g, yb_err *err) {
    size_t n = 0;
    yb_rc rc = yb_catalog_csv_read(g->catalog, cat_row, g, &n, err);
    if (rc) return rc;
    if (!g->ncat) return yb_err_set(err, YB_E_INVALID, "catalog", g->catalog, "the catalogue has no entries");
    for (int p = 0; p < POOL_N; p++) {
        g->pool[p] = malloc(g->ncat * sizeof *g->pool[p]);
        if (!g->pool[p]) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    }
    for (int s = 0; s < SP_N; s++) g->special[s] = -1;
    for (size_t k = 0; k < g->ncat; k++) {
        int p = pool_of(&g->cat[k]);
        g->pool[p][g->npool[p]++] = k;
        for (int s = 0; s < SP_N; s++)
            if (g->special[s] < 0 && !strcmp(g->cat[k].code, SPECIAL_CODES[s])) g->special[s] = (long)k;
    }
    /* An empty pool borrows the whole catalogue, so any catalogue works. */
    for (int p = 0; p < POOL_N; p++)
        if (!g->npool[p]) {
            for (size_t k = 0; k < g->ncat; k++) g->pool[p][k] = k;
            g->npool[p] = g->ncat;
        }
    return YB_OK;
}

static int valid_on(const yb_cat_entry *e, yb_date d, const char *area) {
    return e->begndate <= d && d <= e->enddate && (!e->admdvs[0] || !strcmp(e->admdvs, area));
}

/* ------------------------------------------------------------------------------------------ */
/* Institutions. */

static int class_of(const char *lv) {
    int n = (lv[0] - '0') * 10 + (lv[1] - '0');
    if ((n >= 1 && n <= 4) || n == 12) return 3;
    if ((n >= 5 && n <= 7) || n == 13) return 2;
    return 1;
}

static void build_institutions(gen *g) {
    int seq = 0, nth[4] = {0, 0, 0, 0};
    for (int lv = 1; lv <= 14; lv++)
        for (int k = 0; k < LOCAL_PER_LEVEL[lv]; k++) {
            inst *in = &g->insts[g->ninst];
            memset(in, 0, sizeof *in);
            snprintf(in->hosp_lv, sizeof in->hosp_lv, "%02d", lv);
            snprintf(in->admdvs, sizeof in->admdvs, "%s", g->admdvs);
            snprintf(in->code, sizeof in->code, "H%s%05d", g->admdvs, ++seq);
            in->cls = class_of(in->hosp_lv);
            char num[32];
            if (lv == 11) {
                cn_number(++nth[0], num, sizeof num);
                snprintf(in->name, sizeof in->name, "演示第%s诊所", num);
            } else if (in->cls == 3) {
                cn_number(++nth[3], num, sizeof num);
                snprintf(in->name, sizeof in->name, "演示市第%s人民医院", num);
            } else if (in->cls == 2) {
                cn_number(++nth[2], num, sizeof num);
                snprintf(in->name, sizeof in->name, "演示区第%s医院", num);
            } else {
                cn_number(++nth[1], num, sizeof num);
                snprintf(in->name, sizeof in->name, "演示第%s社区卫生服务中心", num);
            }
            g->by_class[in->cls][g->nby_class[in->cls]++] = g->ninst;
            g->ninst++;
        }
    g->nlocal = g->ninst;
    for (size_t k = 0; k < N_REMOTE; k++) {
        if (!strcmp(REMOTE[k].admdvs, g->admdvs)) continue;
        inst *in = &g->insts[g->ninst];
        memset(in, 0, sizeof *in);
        snprintf(in->hosp_lv, sizeof in->hosp_lv, "%s", REMOTE[k].hosp_lv);
        snprintf(in->admdvs, sizeof in->admdvs, "%s", REMOTE[k].admdvs);
        snprintf(in->code, sizeof in->code, "H%s%05d", REMOTE[k].admdvs, 1);
        snprintf(in->name, sizeof in->name, "演示%s第一医院", REMOTE[k].city);
        in->cls = class_of(in->hosp_lv);
        in->remote = 1;
        g->ninst++;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Persons: a pure function of (seed, i). With full = 0 only the fields that decide the visits. */

static void person_make(const gen *g, long i, person *p, int full) {
    rng r = stream(g->seed, T_PERSON, (uint64_t)i, 0);
    memset(p, 0, sizeof *p);
    p->i = i;
    unsigned x = (unsigned)below(&r, 1000);
    p->kind = x < 280 ? K_ACTIVE : x < 400 ? K_RETIRED : x < 550 ? K_STUDENT : K_ADULT;
    static const int age_lo[] = {22, 60, 3, 18}, age_hi[] = {59, 92, 21, 92};
    p->sex = permille(&r, 500) ? 1 : 2;
    /* Birth date: unique (area, birth date, sequence) by construction. Person i has area i mod A,
     * q = i / A, sequence slot s = q mod 499 and m = q / 499 < 256; the day offset is congruent
     * to m modulo 256, so two persons of the same area and slot are born on different days. */
    long q = i / (long)N_BIRTH_AREAS, s = q % 499, m = q / 499;
    int32_t span = (age_hi[p->kind] - age_lo[p->kind] + 1) * 365;
    int32_t off = (int32_t)m + 256 * (int32_t)below(&r, (uint64_t)(span / 256 - 1));
    p->birth = g->y0 - age_lo[p->kind] * 365 - 1 - off;
    p->age = yb_age_years(p->birth, g->y0);
    p->chronic = p->age >= 45 && permille(&r, 250);
    p->cvl = (p->kind == K_ACTIVE || p->kind == K_RETIRED) && permille(&r, 100);
    unsigned big_pm = p->kind == K_ACTIVE ? 6 : p->kind == K_RETIRED ? 25 : p->kind == K_STUDENT ? 2 : 10;
    p->big = permille(&r, big_pm);
    p->offsite = permille(&r, 10);
    p->remote_inst = (int)below(&r, (uint64_t)(g->ninst - g->nlocal > 0 ? g->ninst - g->nlocal : 1));
    switch (p->kind) {
    case K_ACTIVE:
        p->n_out = (int)below(&r, 9) + (p->chronic ? 4 : 0);
        p->n_in = permille(&r, 70);
        break;
    case K_RETIRED:
        p->n_out = 2 + (int)below(&r, 13) + (p->chronic ? 4 : 0);
        p->n_in = permille(&r, 220) ? 1 + permille(&r, 300) : 0;
        break;
    case K_STUDENT:
        p->n_out = (int)below(&r, 5);
        p->n_in = permille(&r, 30);
        break;
    default:
        p->n_out = (int)below(&r, 7) + (p->chronic ? 3 : 0);
        p->n_in = permille(&r, 100) ? 1 + permille(&r, 150) : 0;
        break;
    }
    if (p->big) { /* the long stay is visit 0; few other visits, so its window is long */
        if (p->n_in < 1) p->n_in = 1;
        if (p->n_out > 4) p->n_out = 4;
    }
    p->k = p->n_in + p->n_out;
    if (p->k > MAX_VISITS_PER_PERSON) p->k = MAX_VISITS_PER_PERSON;
    p->slot_a = coprime(&r, (uint64_t)(p->k ? p->k : 1));
    p->slot_b = below(&r, (uint64_t)(p->k ? p->k : 1));
    int employee = p->kind == K_ACTIVE || p->kind == K_RETIRED;
    unsigned ax = (unsigned)below(&r, 10);
    p->acct_pm = !employee ? 0 : ax < 3 ? 0 : ax < 6 ? 500 : 900;
    p->balc = employee ? (permille(&r, 50) ? 0 : between(&r, 1, 800000)) : 0;
    unsigned sx = (unsigned)below(&r, 1000);
    p->sp = "";
    if (!employee) p->sp = sx < 15 ? "特困" : sx < 55 ? "低保" : sx < 85 ? "低收入" : "";
    p->insutype = employee ? "310" : "390";
    p->psn_type = p->kind == K_ACTIVE ? (p->cvl ? "1102" : "1101")
                : p->kind == K_RETIRED ? (p->cvl ? "1202" : "1201")
                : p->kind == K_STUDENT ? "1401" : "1501";
    if (!full) return;
    snprintf(p->psn_no, sizeof p->psn_no, "%s%010ld", g->admdvs, i + 1);
    char first17[18];
    int yy, mm, dd;
    yb_date_ymd(p->birth, &yy, &mm, &dd);
    snprintf(first17, sizeof first17, "%s%04d%02d%02d%03ld", BIRTH_AREAS[i % (long)N_BIRTH_AREAS], yy, mm, dd,
             2 * s + (p->sex == 1 ? 1 : 2));
    snprintf(p->certno, sizeof p->certno, "%s%c", first17, yb_idcard_check_char(first17));
    yb_date_fmt(p->birth, p->brdy);
    /* 演示 + a heavenly stem + the index in Chinese digits: unique and plainly not a real name */
    size_t n = (size_t)snprintf(p->name, sizeof p->name, "演示%s", STEMS[i % 10]);
    char digits[24];
    int nd = snprintf(digits, sizeof digits, "%ld", i / 10 + 1);
    for (int k = 0; k < nd && n + 4 < sizeof p->name; k++) n += (size_t)snprintf(p->name + n, sizeof p->name - n, "%s", CN_DIGITS[digits[k] - '0']);
}

/* ------------------------------------------------------------------------------------------ */
/* Visits: a pure function of (seed, person, r). */

static int pick_diag(rng *r, int kinds, int sex) {
    for (int tries = 0; tries < 64; tries++) {
        int d = (int)below(r, N_DIAGS);
        if ((DIAGS[d].kinds & kinds) && (!DIAGS[d].sex || DIAGS[d].sex == sex)) return d;
    }
    return 0;
}

/* a local institution: class 1 with c1 %, class 2 with c2 %, class 3 otherwise */
static int pick_inst(const gen *g, rng *r, int c1, int c2) {
    unsigned x = (unsigned)below(r, 100);
    int cls = x < (unsigned)c1 ? 1 : x < (unsigned)(c1 + c2) ? 2 : 3;
    if (!g->nby_class[cls]) cls = 3;
    return g->by_class[cls][below(r, (uint64_t)g->nby_class[cls])];
}

static void visit_plan(const gen *g, const person *p, int r_idx, vplan *v) {
    rng r = stream(g->seed, T_VISIT, (uint64_t)p->i, (uint64_t)r_idx);
    memset(v, 0, sizeof *v);
    v->r = r_idx;
    v->inpatient = r_idx < p->n_in;
    v->big = p->big && r_idx == 0;
    int ndays = g->y1 - g->y0 + 1;
    int slot = (int)((p->slot_a * (uint64_t)r_idx + p->slot_b) % (uint64_t)p->k);
    int w = ndays / p->k;                    /* window of this visit: [wstart, wstart + w) */
    yb_date wstart = g->y0 + slot * w;
    if (v->big) {
        v->med_type = "21";
        v->diag = pick_diag(&r, DX_BIG, p->sex);
        v->inst = pick_inst(g, &r, 0, 10);
        int dmax = w - 2 < 58 ? w - 2 : 58;
        v->ipt_days = (int)between(&r, dmax < 25 ? dmax : 25, dmax);
        v->nlines = (int)between(&r, 60, MAX_LINES_PER_VISIT);
    } else if (v->inpatient) {
        unsigned x = (unsigned)below(&r, 1000);
        v->med_type = x < 60 ? "24" : x < 120 ? "28" : "21";
        if (!strcmp(v->med_type, "28")) {
            v->diag = pick_diag(&r, DX_DAY, p->sex);
            v->ipt_days = 1;
            v->nlines = (int)between(&r, 8, 25);
        } else {
            v->diag = pick_diag(&r, DX_IN, p->sex);
            int dmax = w - 2 < 14 ? w - 2 : 14;
            v->ipt_days = (int)between(&r, 2 < dmax ? 2 : dmax, dmax);
            v->nlines = (int)between(&r, 10, MAX_LINES_PER_VISIT);
        }
        v->inst = pick_inst(g, &r, 10, 40);
    } else {
        unsigned x = (unsigned)below(&r, 1000);
        v->med_type = p->chronic && x < 400 ? "14" : x >= 880 ? "13" : "11";
        v->diag = pick_diag(&r, !strcmp(v->med_type, "14") ? DX_CHRONIC : DX_OUT, p->sex);
        v->inst = pick_inst(g, &r, 45, 30);
        static const unsigned nl_pm[8] = {150, 400, 650, 800, 880, 940, 980, 1000}; /* cumulative */
        unsigned y = (unsigned)below(&r, 1000);
        int nl = 1;
        while (nl < 8 && y >= nl_pm[nl - 1]) nl++;
        v->nlines = nl;
    }
    if (v->ipt_days < 1) v->ipt_days = 1;
    /* cross-region: persons living elsewhere mostly, others now and then */
    int nremote = g->ninst - g->nlocal;
    if (nremote > 0) {
        if (p->offsite && permille(&r, 900)) {
            v->inst = g->nlocal + p->remote_inst;
            v->rloc = 1;
        } else if (permille(&r, v->big ? 300 : v->inpatient ? 60 : 30)) {
            v->inst = g->nlocal + (int)below(&r, (uint64_t)nremote);
            v->rloc = permille(&r, 600) ? 2 : 3;
        }
    }
    /* dates inside the window */
    if (v->inpatient) {
        int len = !strcmp(v->med_type, "28") ? 0 : v->ipt_days;
        yb_date d0 = wstart + (int32_t)below(&r, (uint64_t)(w - len > 0 ? w - len : 1));
        if (d0 + len > g->y1) d0 = g->y1 - len;
        if (!strcmp(v->med_type, "28")) {
            v->begin = (yb_datetime)d0 * 86400 + between(&r, 7 * 3600, 9 * 3600);
            v->end = (yb_datetime)d0 * 86400 + between(&r, 15 * 3600, 19 * 3600);
        } else {
            v->begin = (yb_datetime)d0 * 86400 + between(&r, 8 * 3600, 22 * 3600);
            v->end = (yb_datetime)(d0 + len) * 86400 + between(&r, 9 * 3600, 12 * 3600 - 1);
        }
    } else {
        yb_date d0 = wstart + (int32_t)below(&r, (uint64_t)(w > 0 ? w : 1));
        int er = !strcmp(v->med_type, "13");
        v->begin = (yb_datetime)d0 * 86400 + (er ? between(&r, 0, 21 * 3600) : between(&r, 8 * 3600, 17 * 3600));
        v->end = v->begin + between(&r, 10 * 60, er ? 3 * 3600 : 2 * 3600);
    }
    v->acct = p->acct_pm && permille(&r, p->acct_pm);
    snprintf(v->mdtrt_id, sizeof v->mdtrt_id, "%s%04d%010ld%02d", g->admdvs, g->year, p->i + 1, r_idx);
}

/* ------------------------------------------------------------------------------------------ */
/* Prices and lines. */

static int64_t base_fen(const char *code) {
    int64_t lo = 500, hi = 20000;
    for (size_t k = 0; k < sizeof PRICE_FEN / sizeof PRICE_FEN[0]; k++)
        if (!strncmp(code, PRICE_FEN[k].prefix, strlen(PRICE_FEN[k].prefix))) {
            lo = PRICE_FEN[k].lo;
            hi = PRICE_FEN[k].hi;
            break;
        }
    /* skewed to lo as in tools/make_demo_catalog.py (band_pick): 60 % in the lowest 2 % of the
     * range, 30 % in the lowest 10 %, 10 % anywhere */
    uint64_t x = hash_str(code);
    int64_t u = (int64_t)(x % 100), f = (int64_t)((x >> 8) % 1001);
    return lo + (hi - lo) * f / (u < 60 ? 50000 : u < 90 ? 10000 : 1000);
}

/* The unit price (1/1000000 yuan) of a code at an institution: stable for the pair. *above is set
 * when the price exceeds the catalogue's cap for the institution's class. */
static yb_price price_of(const gen *g, const yb_cat_entry *e, const char *code, int drug, int inst_idx, int *above) {
    const inst *in = &g->insts[inst_idx];
    uint64_t h = mix64(hash_str(code) ^ mix64(g->seed + UINT64_C(0x51ED27) * (uint64_t)(inst_idx + 1)));
    *above = 0;
    if (e && e->cap[in->cls] >= 0) {
        yb_price cap = e->cap[in->cls];
        int over = h % 12 == 0;
        int64_t pct = over ? 101 + (int64_t)((h >> 8) % 30) : 80 + (int64_t)((h >> 8) % 21);
        yb_price p = cap * pct / 100;
        if (!drug || cap >= 10 * YB_PRICE_ONE) p = p / 10000 * 10000;   /* whole fen */
        if (over && p <= cap) p = cap + 10000;
        if (p <= 0) p = 10000;
        *above = p > cap;
        return p;
    }
    static const int factor[4] = {100, 85, 92, 100};
    yb_price p = base_fen(code) * factor[in->cls] / 100 * 10000;
    if (drug && (h >> 16) % 10 < 3) p += (yb_price)((h >> 24) % 10000);  /* sub-fen digits, as drug prices have */
    if (p <= 0) p = 10000;
    return p;
}

static const char *chrg_type(const char *code, int drug) {
    if (drug) return code[0] == 'Z' ? "11" : "09";
    if (!strncmp(code, "00110900", 8)) return "01";
    if (!strncmp(code, "0011", 4)) return "02";
    if (!strncmp(code, "001201", 6)) return "07";
    if (!strncmp(code, "0021", 4) || !strncmp(code, "0022", 4) || !strncmp(code, "0023", 4) || !strncmp(code, "0024", 4))
        return "03";
    if (!strncmp(code, "0025", 4) || !strncmp(code, "0026", 4) || !strncmp(code, "0027", 4)) return "04";
    if (!strncmp(code, "0032", 4) || !strncmp(code, "0033", 4)) return "06";
    if (!strncmp(code, "00", 2)) return "05";
    return "14";
}

/* Pick a catalogue entry from a pool, valid on day d in area (a few tries; the last pick stands
 * when none is valid: a line outside the catalogue). expensive: best of 5 by base price. */
static long pick_entry(const gen *g, rng *r, int pool, yb_date d, const char *area, int check, int expensive) {
    long best = -1;
    int64_t best_price = -1;
    int want = expensive ? 5 : 1;
    for (int tries = 0, found = 0; tries < 12 && found < want; tries++) {
        long k = (long)g->pool[pool][below(r, g->npool[pool])];
        const yb_cat_entry *e = &g->cat[k];
        int ok = !check || valid_on(e, d, area);
        if (!ok && (best >= 0 || tries < 11)) continue;
        found++;
        int64_t bp = e->cap[3] >= 0 ? e->cap[3] / 10000 : base_fen(e->code);
        if (bp > best_price) {
            best = k;
            best_price = bp;
        }
    }
    return best;
}

typedef struct line_out {
    char sn[48], time[24], rx[24], cnt[32], pric[32], sum[32], mi_code[24];
    const char *code, *name, *list_type, *chrg;
} line_out;

static void fee_row(gen *g, FILE *f, const person *p, const vplan *v, const line_out *l) {
    const char *row[N_FEE_COLS];
    for (size_t k = 0; k < N_FEE_COLS; k++) row[k] = "";
    const inst *in = &g->insts[v->inst];
    const diag *dx = &DIAGS[v->diag];
    row[g->fix[F_SN]] = l->sn;
    row[g->fix[F_MDTRT]] = v->mdtrt_id;
    row[g->fix[F_TIME]] = l->time;
    row[g->fix[F_RX]] = l->rx;
    row[g->fix[F_FIX]] = in->code;
    row[g->fix[F_FIX_NAME]] = in->name;
    row[g->fix[F_PSN]] = p->psn_no;
    row[g->fix[F_AREA]] = g->admdvs;
    row[g->fix[F_MED_TYPE]] = v->med_type;
    row[g->fix[F_CNT]] = l->cnt;
    row[g->fix[F_PRIC]] = l->pric;
    row[g->fix[F_SUM]] = l->sum;
    row[g->fix[F_HIL_CODE]] = l->code;
    row[g->fix[F_HIL_NAME]] = l->name;
    row[g->fix[F_LIST_TYPE]] = l->list_type;
    row[g->fix[F_CODE]] = l->code;
    row[g->fix[F_MI_CODE]] = l->mi_code;
    row[g->fix[F_MI_NAME]] = l->name;
    row[g->fix[F_CHRG_TYPE]] = l->chrg;
    row[g->fix[F_BILG_DEPT]] = !strcmp(v->med_type, "13") ? "A20" : dx->dept;
    row[g->fix[F_BILG_DEPT_NAME]] = !strcmp(v->med_type, "13") ? "急诊医学科" : dx->dept_name;
    row[g->fix[F_VALI]] = "1";
    yb_csv_put_row(f, row, N_FEE_COLS);
}

/* Write the visit's lines to f. Returns YB_OK or an arithmetic error (cannot happen with the
 * bounds used here, but checked like everywhere else). */
static yb_rc visit_lines(gen *g, FILE *f, const person *p, const vplan *v, yb_err *err) {
    rng r = stream(g->seed, T_LINES, (uint64_t)p->i, (uint64_t)v->r);
    const inst *in = &g->insts[v->inst];
    yb_fen target = 0;
    if (v->big) target = between(&r, 12000000, 45000000); /* 120,000 .. 450,000 yuan */
    int nsurg = 0;
    int day_case = !strcmp(v->med_type, "28");
    for (int j = 0; j < v->nlines; j++) {
        line_out l;
        memset(&l, 0, sizeof l);
        int daily = -1;  /* special code for a per-day line */
        if (v->inpatient && !day_case && j < 3) {
            daily = j == 0 ? (v->big ? SP_ICU : SP_BED) : j == 1 ? SP_WARD_EXAM : (v->big || permille(&r, 300) ? SP_NURSE1 : SP_NURSE2);
        } else if (!v->inpatient && j == 0 && permille(&r, 700)) {
            daily = !strcmp(v->med_type, "13") ? SP_ER : SP_OPD;
        }
        /* the line's time: per-day lines at discharge, others anywhere in the visit */
        yb_datetime t = daily >= 0 && v->inpatient ? v->end : v->begin + between(&r, 0, v->end - v->begin);
        yb_date d = yb_datetime_date(t);
        int pool;
        unsigned x = (unsigned)below(&r, 100);
        if (!v->inpatient) pool = x < 60 ? POOL_DRUG : x < 80 ? POOL_LAB : x < 90 ? POOL_EXAM : POOL_TREAT;
        else if (v->big) pool = x < 50 ? POOL_DRUG : x < 60 ? POOL_LAB : x < 70 ? POOL_EXAM : x < 85 ? POOL_TREAT : POOL_SURG;
        else pool = x < 55 ? POOL_DRUG : x < 73 ? POOL_LAB : x < 83 ? POOL_EXAM : x < 95 ? POOL_TREAT : POOL_SURG;
        if (day_case && j == 0) pool = POOL_SURG;
        if (pool == POOL_SURG && nsurg >= (v->big ? 4 : 2)) pool = POOL_TREAT;
        if (pool == POOL_SURG) nsurg++;
        int check = !permille(&r, 10);          /* 1 %: an outdated hospital list, validity not checked */
        const yb_cat_entry *e = NULL;
        int off = daily < 0 && permille(&r, 15); /* 1.5 %: a drug outside the basic catalogue */
        if (off) {
            size_t k = below(&r, N_OFF_CATALOG);
            l.code = OFF_CATALOG[k].code;
            l.name = OFF_CATALOG[k].name;
            l.list_type = l.code[0] == 'Z' ? "102" : "101";
            pool = POOL_DRUG;
        } else {
            long k = daily >= 0 ? g->special[daily] : -1;
            if (k < 0 || (check && !valid_on(&g->cat[k], d, in->admdvs)))
                k = pick_entry(g, &r, daily >= 0 ? POOL_BASIC : pool, d, in->admdvs, check, v->big);
            e = &g->cat[k];
            l.code = e->code;
            l.name = e->name;
            l.list_type = e->list_type;
        }
        int drug = e ? is_drug(e) : 1;
        l.chrg = chrg_type(l.code, drug);
        int above = 0;
        yb_price pric = price_of(g, e, l.code, drug, v->inst, &above);
        yb_qty cnt;
        if (daily >= 0 && v->inpatient) {
            cnt = (yb_qty)v->ipt_days * YB_QTY_ONE;
        } else if (v->big && pool != POOL_SURG) {
            /* long expensive stay: quantities sized so the stay reaches its target amount */
            yb_fen share = target / v->nlines;
            int64_t units = share * 10000 / (pric > 0 ? pric : 1);
            cnt = (yb_qty)(units < 1 ? 1 : units > 300 ? 300 : units) * YB_QTY_ONE;
        } else if (pool == POOL_DRUG) {
            unsigned y = (unsigned)below(&r, 100);
            if (y < 60) cnt = between(&r, 1, 3) * YB_QTY_ONE;
            else if (y < 80) cnt = between(&r, 4, 10) * YB_QTY_ONE;
            else if (y < 90) cnt = between(&r, 0, 4) * YB_QTY_ONE + YB_QTY_ONE / 2;  /* n.5 */
            else cnt = between(&r, 1, 50000);                                      /* 4 decimals */
        } else if (pool == POOL_LAB) {
            cnt = permille(&r, 850) ? YB_QTY_ONE : 2 * YB_QTY_ONE;
        } else if (pool == POOL_TREAT) {
            cnt = between(&r, 1, v->inpatient ? 10 : 3) * YB_QTY_ONE;
        } else {
            cnt = YB_QTY_ONE;
        }
        yb_fen sum;
        yb_rc rc = yb_fen_of_qty_price(cnt, pric, &sum);
        if (rc) return yb_err_set(err, rc, "det_item_fee_sumamt", l.code, "amount out of range");
        if (!e || !valid_on(e, d, in->admdvs)) g->nout_cat++;
        if (above) g->nabove++;
        snprintf(l.sn, sizeof l.sn, "%s%03d", v->mdtrt_id, j + 1);
        fmt_dt(t, l.time);
        if (drug) snprintf(l.rx, sizeof l.rx, "RX%s%02d", v->mdtrt_id + 10, j / 5);
        fmt_trim(cnt, YB_QTY_SCALE, 0, l.cnt);
        fmt_trim(pric, YB_PRICE_SCALE, 2, l.pric);
        yb_fen_fmt(sum, l.sum);
        snprintf(l.mi_code, sizeof l.mi_code, "%s%06u", drug ? "YP" : "XM", (unsigned)(hash_str(l.code) % 1000000));
        fee_row(g, f, p, v, &l);
        g->nlines++;
    }
    return YB_OK;
}

static void mdtrt_row(gen *g, FILE *f, const person *p, const vplan *v) {
    const char *row[N_MDTRT_COLS];
    for (size_t k = 0; k < N_MDTRT_COLS; k++) row[k] = "";
    const inst *in = &g->insts[v->inst];
    const diag *dx = &DIAGS[v->diag];
    char age[8], begn[24], end[24], year[8], days[8], otp[32], rloc[4];
    int age_v = yb_age_years(p->birth, yb_datetime_date(v->begin));
    snprintf(age, sizeof age, "%d", age_v);
    fmt_dt(v->begin, begn);
    fmt_dt(v->end, end);
    snprintf(year, sizeof year, "%d", g->year);
    snprintf(days, sizeof days, "%d", v->inpatient ? v->ipt_days : 0);
    snprintf(otp, sizeof otp, "%s%s", v->inpatient ? "ZY" : "MZ", v->mdtrt_id + 10);
    snprintf(rloc, sizeof rloc, "%d", v->rloc);
    int *ix = g->mix;
    row[ix[M_MDTRT]] = v->mdtrt_id;
    row[ix[M_PSN]] = p->psn_no;
    row[ix[M_CERT_TYPE]] = "01";
    row[ix[M_CERTNO]] = p->certno;
    row[ix[M_NAME]] = p->name;
    row[ix[M_GEND]] = p->sex == 1 ? "1" : "2";
    row[ix[M_NATY]] = "01";
    row[ix[M_BRDY]] = p->brdy;
    row[ix[M_AGE]] = age;
    row[ix[M_INSU]] = p->insutype;
    row[ix[M_PSN_TYPE]] = p->psn_type;
    row[ix[M_CVL]] = p->cvl ? "1" : "0";
    row[ix[M_SP]] = p->sp;
    row[ix[M_AREA]] = g->admdvs;
    row[ix[M_FIX]] = in->code;
    row[ix[M_FIX_NAME]] = in->name;
    row[ix[M_HOSP_LV]] = in->hosp_lv;
    row[ix[M_FIX_AREA]] = in->admdvs;
    row[ix[M_LMT_LV]] = in->hosp_lv;
    row[ix[M_DEDC_LV]] = in->hosp_lv;
    row[ix[M_BEGN]] = begn;
    row[ix[M_END]] = end;
    row[ix[M_MCERT_TYPE]] = "02";
    row[ix[M_MCERT_NO]] = p->certno;
    row[ix[M_MED_TYPE]] = v->med_type;
    row[ix[M_RLOC]] = v->rloc ? rloc : "";
    row[ix[M_YEAR]] = year;
    row[ix[M_IPT_OTP]] = otp;
    const char *dept = !strcmp(v->med_type, "13") ? "A20" : dx->dept;
    const char *dept_name = !strcmp(v->med_type, "13") ? "急诊医学科" : dx->dept_name;
    row[ix[M_ADM_DEPT]] = dept;
    row[ix[M_ADM_DEPT_NAME]] = dept_name;
    row[ix[M_DIAG]] = dx->code;
    row[ix[M_DIAG_NAME]] = dx->name;
    if (v->inpatient) {
        row[ix[M_DSCG_DEPT]] = dept;
        row[ix[M_DSCG_DEPT_NAME]] = dept_name;
        row[ix[M_DSCG_WAY]] = "1";
    } else {
        row[ix[M_OTP_DIAG]] = dx->name;
    }
    row[ix[M_INHOSP]] = "0";
    row[ix[M_IPT_DAYS]] = days;
    row[ix[M_VALI]] = "1";
    row[ix[M_POOLAREA]] = g->admdvs;
    row[ix[M_ACCT]] = v->acct ? "1" : "0";
    yb_csv_put_row(f, row, N_MDTRT_COLS);
}

/* ------------------------------------------------------------------------------------------ */
/* Files. */

static FILE *open_out(const gen *g, const char *name, char *path, size_t cap, yb_err *err) {
    snprintf(path, cap, "%s/%s", g->out, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        yb_err_set(err, YB_E_IO, "out", path, "cannot create the file: %s", strerror(errno));
        return NULL;
    }
    return f;
}

static yb_rc close_out(FILE *f, const char *path, yb_err *err) {
    int bad = ferror(f);
    if (fclose(f) || bad) return yb_err_set(err, YB_E_IO, "out", path, "write failed");
    return YB_OK;
}

static void put_header(FILE *f, const char *const *cols, size_t n) { yb_csv_put_row(f, cols, n); }

static yb_rc write_institutions(gen *g, yb_err *err) {
    char path[4200];
    FILE *f = open_out(g, "institutions.csv", path, sizeof path, err);
    if (!f) return err->rc;
    static const char *const h[] = {"fixmedins_code", "fixmedins_name", "hosp_lv", "admdvs", "begndate", "enddate"};
    put_header(f, h, 6);
    for (int k = 0; k < g->ninst; k++) {
        const inst *in = &g->insts[k];
        const char *row[6] = {in->code, in->name, in->hosp_lv, in->admdvs, "2010-01-01", ""};
        yb_csv_put_row(f, row, 6);
    }
    return close_out(f, path, err);
}

static long perm_index(uint64_t a, uint64_t b, long n, long j) {
    return (long)(((yb_i128)a * (uint64_t)j + b) % (uint64_t)n);
}

static yb_rc write_persons(gen *g, uint64_t pa, uint64_t pb, yb_err *err) {
    char path[4200], bpath[4200];
    FILE *f = open_out(g, "persons.csv", path, sizeof path, err);
    if (!f) return err->rc;
    FILE *b = open_out(g, "balances.csv", bpath, sizeof bpath, err);
    if (!b) {
        fclose(f);
        return err->rc;
    }
    static const char *const h[] = {"psn_no", "certno", "psn_name", "gend", "brdy", "insutype", "psn_type",
                                    "cvlserv_flag", "sp_psn_type", "insu_admdvs", "balc"};
    static const char *const bh[] = {"psn_no", "insutype", "balc"};
    put_header(f, h, 11);
    put_header(b, bh, 3);
    for (long j = 0; j < g->persons; j++) {
        person p;
        person_make(g, perm_index(pa, pb, g->persons, j), &p, 1);
        char balc[32];
        yb_fen_fmt(p.balc, balc);
        const char *row[11] = {p.psn_no, p.certno, p.name, p.sex == 1 ? "1" : "2", p.brdy, p.insutype,
                               p.psn_type, p.cvl ? "1" : "0", p.sp, g->admdvs, balc};
        yb_csv_put_row(f, row, 11);
        if (!strcmp(p.insutype, "310")) {
            const char *brow[3] = {p.psn_no, p.insutype, balc};
            yb_csv_put_row(b, brow, 3);
        }
    }
    yb_rc rc = close_out(f, path, err);
    yb_rc rc2 = close_out(b, bpath, err);
    return rc ? rc : rc2;
}

/* Buffered fee lines of up to BLOCK_VISITS visits, written in a shuffled order. */
typedef struct block {
    char *buf;
    size_t len;
    FILE *mem;
    int nvis;
    uint64_t no;
} block;

static yb_rc block_open(block *bk, yb_err *err) {
    bk->buf = NULL;
    bk->len = 0;
    bk->nvis = 0;
    bk->mem = open_memstream(&bk->buf, &bk->len);
    if (!bk->mem) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    return YB_OK;
}

static yb_rc block_flush(gen *g, block *bk, FILE *out, yb_err *err) {
    if (fclose(bk->mem)) {
        free(bk->buf);
        return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    }
    bk->mem = NULL;
    /* rows start after each '\n' not inside quotes; our fields never hold a newline, so split on '\n' */
    enum { MAXROWS = BLOCK_VISITS * MAX_LINES_PER_VISIT };
    size_t start[MAXROWS], nrows = 0, pos = 0;
    while (pos < bk->len && nrows < MAXROWS) {
        start[nrows++] = pos;
        char *nl = memchr(bk->buf + pos, '\n', bk->len - pos);
        pos = nl ? (size_t)(nl - bk->buf) + 1 : bk->len;
    }
    rng r = stream(g->seed, T_BLOCK, bk->no++, 0);
    for (size_t k = nrows; k > 1; k--) {
        size_t j = below(&r, k);
        size_t t = start[k - 1];
        start[k - 1] = start[j];
        start[j] = t;
    }
    for (size_t k = 0; k < nrows; k++) {
        const char *s = bk->buf + start[k];
        const char *nl = memchr(s, '\n', bk->len - start[k]);
        fwrite(s, 1, nl ? (size_t)(nl - s) + 1 : bk->len - start[k], out);
    }
    free(bk->buf);
    bk->buf = NULL;
    return block_open(bk, err);
}

static yb_rc write_visits(gen *g, uint64_t pa, uint64_t pb, yb_err *err) {
    char mpath[4200], fpath[4200];
    FILE *m = open_out(g, "mdtrt_d.csv", mpath, sizeof mpath, err);
    if (!m) return err->rc;
    FILE *f = open_out(g, "fee_list_d.csv", fpath, sizeof fpath, err);
    if (!f) {
        fclose(m);
        return err->rc;
    }
    static char mbuf[1 << 16], fbuf[1 << 18];
    setvbuf(m, mbuf, _IOFBF, sizeof mbuf);
    setvbuf(f, fbuf, _IOFBF, sizeof fbuf);
    put_header(m, MDTRT_COLS, N_MDTRT_COLS);
    put_header(f, FEE_COLS, N_FEE_COLS);
    block bk = {0};
    yb_rc rc = block_open(&bk, err);
    /* rounds: visit r of every person (in permuted order), then r + 1 ... */
    for (int r = 0; !rc && r < MAX_VISITS_PER_PERSON; r++) {
        int any = 0;
        for (long j = 0; !rc && j < g->persons; j++) {
            person p;
            long i = perm_index(pa, pb, g->persons, j);
            person_make(g, i, &p, 0);
            if (r >= p.k) continue;
            any = 1;
            person_make(g, i, &p, 1);
            vplan v;
            visit_plan(g, &p, r, &v);
            mdtrt_row(g, m, &p, &v);
            g->nvisits++;
            rc = visit_lines(g, bk.mem, &p, &v, err);
            if (!rc && ++bk.nvis == BLOCK_VISITS) rc = block_flush(g, &bk, f, err);
        }
        if (!any) break;
    }
    if (!rc && bk.nvis) rc = block_flush(g, &bk, f, err);
    if (bk.mem) fclose(bk.mem);
    free(bk.buf);
    yb_rc rc1 = close_out(m, mpath, err);
    yb_rc rc2 = close_out(f, fpath, err);
    return rc ? rc : rc1 ? rc1 : rc2;
}

/* Smallest number of persons whose visits hold at least target lines (persons do not depend on
 * the count, so this is exact). */
static yb_rc persons_for_target(gen *g, yb_err *err) {
    long long total = 0;
    for (long i = 0; i < MAX_PERSONS; i++) {
        person p;
        person_make(g, i, &p, 0);
        for (int r = 0; r < p.k; r++) {
            vplan v;
            visit_plan(g, &p, r, &v);
            total += v.nlines;
        }
        if (total >= g->lines_target) {
            g->persons = i + 1;
            return YB_OK;
        }
    }
    return yb_err_set(err, YB_E_LIMIT, "lines-target", NULL, "more fee lines than %ld persons make", MAX_PERSONS);
}

static int resolve_columns(gen *g) {
    for (int k = 0; k < M_N; k++) {
        g->mix[k] = -1;
        for (size_t c = 0; c < N_MDTRT_COLS; c++)
            if (!strcmp(MDTRT_COLS[c], M_NAMES[k])) g->mix[k] = (int)c;
        if (g->mix[k] < 0) return -1;
    }
    for (int k = 0; k < F_N; k++) {
        g->fix[k] = -1;
        for (size_t c = 0; c < N_FEE_COLS; c++)
            if (!strcmp(FEE_COLS[c], F_NAMES[k])) g->fix[k] = (int)c;
        if (g->fix[k] < 0) return -1;
    }
    return 0;
}

static int parse_num(const char *s, long long lo, long long hi, long long *out) {
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

static const char USAGE[] =
    "usage: yibao gen --out DIR [--seed N] [--persons N | --lines-target N] [--year YYYY] [--admdvs AREA]"
    " [--catalog FILE]";

int cmd_gen(int argc, char **argv) {
    gen g;
    memset(&g, 0, sizeof g);
    g.seed = 2025;
    g.persons = 20000;
    g.year = 2025;
    g.catalog = "data/demo/catalog.csv";
    snprintf(g.admdvs, sizeof g.admdvs, "360100");
    int persons_given = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            printf("%s\n", USAGE);
            return 0;
        }
        if (strncmp(a, "--", 2)) return cli_usage("unexpected argument '%s'\n%s", a, USAGE);
        if (i + 1 >= argc) return cli_usage("option '%s' needs a value", a);
        const char *v = argv[++i];
        long long n;
        if (!strcmp(a, "--out")) g.out = v;
        else if (!strcmp(a, "--catalog")) g.catalog = v;
        else if (!strcmp(a, "--seed")) {
            if (parse_num(v, 0, INT64_MAX, &n)) return cli_usage("--seed: a non-negative integer expected, got '%s'", v);
            g.seed = (uint64_t)n;
        } else if (!strcmp(a, "--persons")) {
            if (parse_num(v, 1, MAX_PERSONS, &n)) return cli_usage("--persons: 1 to %ld expected, got '%s'", MAX_PERSONS, v);
            g.persons = (long)n;
            persons_given = 1;
        } else if (!strcmp(a, "--lines-target")) {
            if (parse_num(v, 1, MAX_LINES_TARGET, &n))
                return cli_usage("--lines-target: 1 to %lld expected, got '%s'", MAX_LINES_TARGET, v);
            g.lines_target = n;
        } else if (!strcmp(a, "--year")) {
            if (parse_num(v, 2000, 2100, &n)) return cli_usage("--year: 2000 to 2100 expected, got '%s'", v);
            g.year = (int)n;
        } else if (!strcmp(a, "--admdvs")) {
            if (strlen(v) != 6 || strspn(v, "0123456789") != 6) return cli_usage("--admdvs: 6 digits expected, got '%s'", v);
            snprintf(g.admdvs, sizeof g.admdvs, "%s", v);
        } else {
            return cli_usage("unknown option '%s'\n%s", a, USAGE);
        }
    }
    if (!g.out) return cli_usage("%s", USAGE);
    if (persons_given && g.lines_target) return cli_usage("--persons and --lines-target exclude each other");
    if (strlen(g.out) > 4000) return cli_usage("--out: path longer than 4000 bytes");

    yb_err err;
    yb_err_clear(&err);
    if (resolve_columns(&g)) {
        yb_err_set(&err, YB_E_INTERNAL, NULL, NULL, "a generated column is missing from the national layout");
        return cli_error(&err);
    }
    yb_date_make(g.year, 1, 1, &g.y0);
    yb_date_make(g.year, 12, 31, &g.y1);
    yb_rc rc = load_catalog(&g, &err);
    build_institutions(&g);
    if (!rc && g.lines_target) rc = persons_for_target(&g, &err);
    if (!rc && mkdir(g.out, 0777) && errno != EEXIST)
        rc = yb_err_set(&err, YB_E_IO, "out", g.out, "cannot create the directory: %s", strerror(errno));
    rng pr = stream(g.seed, T_PERM, 0, 0);
    uint64_t pa = coprime(&pr, (uint64_t)g.persons), pb = below(&pr, (uint64_t)g.persons);
    if (!rc) rc = write_institutions(&g, &err);
    if (!rc) rc = write_persons(&g, pa, pb, &err);
    if (!rc) rc = write_visits(&g, pa, pb, &err);
    free(g.cat);
    for (int p = 0; p < POOL_N; p++) free(g.pool[p]);
    if (rc) return cli_error(&err);
    printf("generated %s: %ld persons, %d institutions, %lld visits, %lld fee lines"
           " (%lld outside the catalogue on their day, %lld above the price cap); seed %llu, year %d\n",
           g.out, g.persons, g.ninst, g.nvisits, g.nlines, g.nout_cat, g.nabove, (unsigned long long)g.seed, g.year);
    return 0;
}
