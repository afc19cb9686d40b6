/*
 * settle.h — the settlement calculator (core/settle.c): one visit, pure, exact to the fen.
 *
 * Input: the policy of the person's insurance area valid on the visit date, the catalogue,
 * the person, the visit, its fee lines, the person's accumulators for the visit's year and
 * insurance type, and the account balance. Output: per-line split, visit totals, fund rows
 * (setldetail) and the accumulator deltas this settlement applies. The calculator reads no
 * clock, no file and no database; the service layer loads the inputs and stores the outputs
 * in one transaction.
 *
 * Identities that hold for every result (checked by tests, asserted by yb_settle_check):
 *   medfee = fulamt + overlmt + preselfpay + inscp
 *   fund_pay_sumamt = hifp_pay + Σ layer payments = Σ funds[].payamt
 *   psn_part = medfee - fund_pay_sumamt - hosp_part = acct_pay + cash
 */
#ifndef YIBAO_SETTLE_H
#define YIBAO_SETTLE_H

#include <stddef.h>
#include "yibao/money.h"
#include "yibao/date.h"
#include "yibao/catalog.h"
#include "yibao/policy.h"

#define YB_ID_MAX 40

typedef struct yb_person {
    char psn_no[YB_ID_MAX];
    char insutype[8];         /* the insurance type this visit settles under */
    char psn_type[12];
    int cvlserv_flag;         /* 1 = civil servant */
    char sp_psn_type[96];     /* raw special identities, several separated by '|' */
    char insu_admdvs[8];      /* insurance area */
    int gend;                 /* 1 male, 2 female, 0 unknown (for audit) */
    yb_date brdy;             /* birth date or YB_DATE_NONE (for audit) */
} yb_person;

typedef struct yb_visit {
    char mdtrt_id[YB_ID_MAX];
    char med_type[12];
    char hosp_lv[4];          /* level of the treating institution */
    char fixmedins_code[32];
    char mdtrtarea_admvs[8];  /* place of treatment; catalogue area */
    char rloc_type[12];       /* filing class for cross-region care, raw code */
    yb_datetime begntime;
    yb_datetime endtime;      /* YB_DATETIME_NONE when absent */
    int acct_used_flag;       /* 1 = pay from the personal account */
} yb_visit;

typedef struct yb_line {
    char feedetl_sn[YB_ID_MAX];
    char med_list_codg[YB_CODE_MAX];
    yb_datetime fee_ocur_time;
    yb_qty cnt;
    yb_price pric;
    yb_fen sumamt;            /* det_item_fee_sumamt; must be round(cnt x pric) within 1 fen */
    int denied;               /* 1 = an audit hit with effect deny: whole line is 全自费 */
    int64_t store_rowid;      /* the fee_lines row it was read from (the interface's settlements); else 0 */
} yb_line;

typedef struct yb_line_split {
    yb_fen fulamt_ownpay_amt;
    yb_fen overlmt_amt;
    yb_fen preselfpay_amt;    /* including the cross-region extra share moved onto this line */
    yb_fen inscp_scp_amt;
    yb_price pric_uplmt_amt;  /* cap applied, YB_PRICE_NOCAP when none */
    yb_ratio selfpay_prop;
    char chrgitm_lv[4];       /* "" when not in the catalogue */
    char list_type[8];
} yb_line_split;

/* Accumulators of one person, insurance type and year, as named counters:
 *   "dedc/<block>"   deductible paid toward a per-year block (fen)
 *   "adm/<block>"    admissions counted in a per-admission block (count)
 *   "pool/<group>"   pool paid in a cap group (fen)
 *   "base/<layer>"   a layer's cumulative yearly base (fen)
 *   "paid/<layer>"   paid by a layer this year (fen)
 * A missing key is 0. The same structure carries a settlement's deltas. */
#define YB_ACC_KEY 80
#define YB_ACC_MAX 64
typedef struct yb_acc_item { char key[YB_ACC_KEY]; int64_t v; } yb_acc_item;
typedef struct yb_accum { yb_acc_item it[YB_ACC_MAX]; int n; } yb_accum;

int64_t yb_accum_get(const yb_accum *a, const char *key);
/* Add delta to key (creating it). YB_E_LIMIT when full, YB_E_OVERFLOW on overflow. */
yb_rc yb_accum_add(yb_accum *a, const char *key, int64_t delta);

#define YB_MAX_FUNDS 16
typedef struct yb_fund_row {
    char fund_pay_type[8];
    char name[YB_POL_NAME];       /* block or layer name (fund_pay_type_name) */
    yb_fen base;                  /* setldetail.inscp_scp_amt: the base this fund considered */
    yb_fen payamt;                /* fund_payamt */
    yb_fen cap_left;              /* crt_payb_lmt_amt: annual cap left after this settlement; YB_NO_CAP */
    char proc_info[200];          /* setl_proc_info, e.g. "起付线800.00 比例85% 年度剩余限额12345.00" */
} yb_fund_row;

typedef struct yb_settlement {
    /* what was used */
    char policy_admdvs[8];
    char policy_version[32];
    char block[YB_POL_NAME];      /* "" = not covered by the pool */
    int year;                     /* accumulator year */
    int level_class;              /* 1..3 */
    int offsite;                  /* 1 = cross-region */
    yb_ratio offsite_share;       /* extra pre-self-pay share applied */
    /* totals of the line split */
    yb_fen medfee_sumamt, fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt, inscp_scp_amt;
    yb_fen offsite_extra;         /* moved from inscp to preselfpay */
    /* pool */
    yb_fen dedc_std, crt_dedc, act_pay_dedc, hifp_pay, over_cap;
    yb_ratio pool_prop;           /* pool_prop_selfpay: the pool ratio used */
    /* layers, by the setlinfo field their fund_pay_type maps to */
    yb_fen cvlserv_pay, hifes_pay, hifmi_pay, hifob_pay, hifdm_pay, maf_pay, oth_pay;
    yb_fen fund_pay_sumamt, hosp_part_amt, psn_part_amt, acct_pay, psn_cash_pay;
    yb_fen balc_before, balc;
    yb_fund_row funds[YB_MAX_FUNDS];
    int n_funds;
    yb_accum deltas;              /* to add to the accumulators of (person, insutype, year) */
} yb_settlement;

/* The settlements of a stay that stand before this one: interim settlements (mid_setl_flag 1) of
 * the same visit. An admission pays its deductible once, and is counted once: a per-admission
 * block in which they settled takes their deductible standard, less what they paid toward it,
 * and counts no further admission. */
typedef struct yb_stay {
    char block[YB_POL_NAME];      /* the block they settled in */
    yb_fen dedc_std;              /* the deductible standard of the first of them */
    yb_fen dedc_paid;             /* act_pay_dedc, summed over them */
} yb_stay;

typedef struct yb_settle_in {
    const yb_policy *policy;      /* of person->insu_admdvs, valid on the visit date */
    const yb_catalog *catalog;    /* looked up with visit->mdtrtarea_admvs */
    const yb_person *person;
    const yb_visit *visit;
    const yb_line *lines;
    size_t n_lines;
    const yb_accum *acc;          /* the person's accumulators for (insutype, year); NULL = none */
    yb_fen balance;               /* account balance before this visit (0 when none) */
    const yb_stay *stay;          /* earlier interim settlements of this visit that stand; NULL = none */
} yb_settle_in;

/* Year whose accumulators a visit uses: year of endtime, else begntime. */
int yb_settle_year(const yb_visit *v);
/* Date that selects the policy version and catalogue entries of the visit: endtime's date,
 * else begntime's; a line uses its own fee_ocur_time for the catalogue (begntime if absent). */
yb_date yb_settle_date(const yb_visit *v);

/* Compute. splits must hold in->n_lines entries. On error nothing meaningful is in *out and
 * err names the line (feedetl_sn in field "feedetail[i].<field>") and value. Errors:
 * YB_E_MISMATCH (sumamt vs cnt x pric), YB_E_DUPLICATE (feedetl_sn repeated), YB_E_POLICY
 * (insutype not in the policy, unknown hosp_lv), YB_E_OVERFLOW, YB_E_INVALID. */
yb_rc yb_settle_calc(const yb_settle_in *in, yb_settlement *out, yb_line_split *splits, yb_err *err);

/* Check the identities above; YB_E_INTERNAL naming the first that fails. */
yb_rc yb_settle_check(const yb_settlement *s, const yb_line_split *splits, size_t n, yb_err *err);

/* setlinfo field name for a layer's fund_pay_type: "cvlserv_pay", "hifmi_pay", "hifob_pay",
 * "maf_pay", "hifes_pay", "hifdm_pay" or "oth_pay". */
const char *yb_fund_field(const char *fund_pay_type);

#endif
