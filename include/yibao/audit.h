/*
 * audit.h — the smart-audit engine (智能审核): rule kinds are code, rule instances are data.
 *
 * A rule set is a directory: a manifest (manifest.csv) naming each rule — its id, kind, severity,
 * effect and parameters — and the published CSV tables the rule reads, as they are published
 * (see docs/audit.md). yb_audit_ruleset_load (io/audit_load.c) reads a directory;
 * yb_audit_ruleset_build (core) builds the same set from tables already in memory. A set that
 * fails to load returns an error naming file, line and column, and no set.
 *
 * Running the rules: one yb_auditor per thread (scratch memory, caches) over one shared,
 * read-only yb_audit_ruleset; one yb_audit_history per person. The caller streams a person's
 * visits in time order through yb_audit_visit_run and resets the history when the person is
 * done, so memory is bounded by one visit and one person's rule-relevant history. Per line the
 * engine does one hash lookup of the code; lines are grouped by sorting the few lines that
 * some rule concerns, never by pairwise scans; nothing is allocated per line once the scratch
 * arrays have grown to the largest visit.
 *
 * Hits are decisions, not errors: each is passed to a callback (valid during the call only) or
 * copied into a yb_audit_hits collector. yb_audit_mark_denied applies a `deny` hit to the lines
 * so that settlement treats the violating part as 全自费.
 */
#ifndef YIBAO_AUDIT_H
#define YIBAO_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include "yibao/rc.h"
#include "yibao/money.h"
#include "yibao/date.h"
#include "yibao/settle.h"

#define YB_AUDIT_RULE_ID_MAX 16     /* "YB18.2" */
#define YB_AUDIT_CONT_MAX 512       /* vola_cont, bytes incl. NUL (the interface allows 500 chars) */
#define YB_AUDIT_EVID_MAX 256       /* vola_evid */
#define YB_AUDIT_DIAG_MAX 24        /* one ICD-10 code */
#define YB_AUDIT_MAX_RULES 1024     /* rules per set */
#define YB_AUDIT_MAX_ROWS 2000000   /* data rows per set, over all rules */

/* ---------------------------------------------------------------- rule kinds */

typedef enum yb_audit_kind {
    /* per line */
    YB_AK_GENDER = 0,        /* 限定性别: code for one sex only */
    YB_AK_AGE_BAND,          /* 限定年龄: 新生儿 / 婴幼儿 / 儿童 / 成年 */
    YB_AK_RETIRE_AGE,        /* not payable at or above the legal retirement age */
    YB_AK_INSUTYPE,          /* 限定保险类型: 工伤 / 生育 catalogue only */
    YB_AK_MEDTYPE,           /* 限定就医方式: 住院 (or 门诊) only */
    YB_AK_HOSPLV,            /* 限定机构等级: 二级及以上 / 三级 */
    YB_AK_SPECIALTY,         /* 专科限制: department name must contain one of (a|b) */
    YB_AK_INDICATION,        /* 疾病限制: some diagnosis name must contain one of (a|b) */
    YB_AK_QUANTITY,          /* units per charge line > N */
    YB_AK_SWAP,              /* 串换 lead: item often billed instead of a cheaper one */
    YB_AK_PHANTOM,           /* 虚记 lead: item on the phantom-billing watch list */
    /* within a visit (and the person's same day) */
    YB_AK_FREQUENCY,         /* Σcnt per day / ISO week / month / year > limit */
    YB_AK_DUPLICATE,         /* 从项 charged with its 主项 in a time window */
    YB_AK_SURCHARGE_QTY,     /* surcharge units > limit x base units, per day */
    YB_AK_SURCHARGE_MAIN,    /* surcharge without its base item that day */
    YB_AK_RELATED,           /* item without the procedure it needs that day */
    YB_AK_SPLIT,             /* >= 2 parts of one package the same day */
    YB_AK_PRIMARY_SECONDARY, /* secondary operation of a group not discounted */
    YB_AK_BED_DAYS,          /* per-day items (bed, consultation, nursing) > stay + tolerance */
    YB_AK_LOW_ADMISSION,     /* short stay of tests only (低标准入院) */
    /* across the visits of a person */
    YB_AK_CYCLE,             /* at most K charges per M days */
    YB_AK_COURSE,            /* span from first charge, minimum interval, weekly limit */
    YB_AK_DRUG_COURSE,       /* drug paid for at most N covered days per episode */
    YB_AK_TOTAL,             /* amount per calendar year > cap */
    YB_AK_READMISSION,       /* readmission <= N days, same hospital, same main diagnosis */
    YB_AK_DUP_INSTITUTION,   /* per-day item charged by two institutions the same day */
    YB_AK_COUNT_
} yb_audit_kind;

/* Manifest name of a kind ("gender", "frequency", ...); NULL when out of range. */
const char *yb_audit_kind_name(yb_audit_kind k);
/* Kind of a manifest name; YB_E_NOTFOUND when unknown. */
yb_rc yb_audit_kind_parse(const char *name, yb_audit_kind *out);
/* Plain-words explanation of a kind: a Chinese paragraph, '\n', an English paragraph. */
const char *yb_audit_kind_explain(yb_audit_kind k);

typedef enum yb_audit_effect {
    YB_AUDIT_WARN = 0,       /* reported only */
    YB_AUDIT_REVIEW = 1,     /* the settlement is marked for manual review */
    YB_AUDIT_DENY = 2        /* the violating part of the line is not payable (全自费) */
} yb_audit_effect;

const char *yb_audit_effect_name(yb_audit_effect e);

/* One rule of a set, as its manifest row declares it. All strings are owned by the set. */
typedef struct yb_audit_rule_info {
    const char *id;              /* unique in the set: "YB18" or "YB18.2" */
    const char *rule_id;         /* 3101 rule_id: id up to the first '.', "YB18" */
    yb_audit_kind kind;
    const char *name;            /* 问题类型, e.g. 超频次限定诊疗 */
    yb_audit_effect effect;
    int sev_deg;                 /* 1 definite, 2 highly suspect, 3 lead */
    const char *vola_bhvr_type;  /* two digits, audit-rules.md §3 */
    const char *evid;            /* start of vola_evid, e.g. 两库第八批-1 限定频次 */
    const char *file;            /* data table, relative to the set's directory; "" for none */
    const char *names_file;      /* table joined to `file` by `join`; "" for none */
    const char *join;            /* join column (药品通用名); "" for none */
    const char *columns;         /* logical=header;... as in the manifest */
    const char *where;           /* header=value row filter, "" for all rows */
    const char *params;          /* k=v;... as in the manifest (defaults are not listed) */
    const char *version;
    yb_date effective;           /* lines dated before this day are not checked by the rule */
    const char *source;
    long manifest_line;
    size_t n_rows;               /* data rows loaded (rows whose value cell is empty are skipped) */
} yb_audit_rule_info;

/* ---------------------------------------------------------------- rule sets */

typedef struct yb_audit_ruleset yb_audit_ruleset;

/* A table in memory: header and rows of NUL-terminated cells, row-major (cells[r * ncols + c]).
 * lines[r] is the physical line of row r in its file (header = line 1), for error messages. */
typedef struct yb_audit_table {
    const char *name;            /* as shown in errors, e.g. "data/rules/nhsa/b8_item_cycle.csv" */
    size_t ncols, nrows;
    const char *const *header;
    const char *const *cells;
    const long *lines;
} yb_audit_table;

/* Supplies the table a manifest names (path relative to the manifest). Returns NULL and fills
 * err when the file cannot be read or parsed. The table must stay valid until the build returns. */
typedef const yb_audit_table *(*yb_audit_table_fn)(void *ctx, const char *relpath, yb_err *err);

/* Build a set from a manifest table. On error *out is NULL, nothing is kept, and err names the
 * file, line and column (field = column header, msg starting "column N"). Errors:
 * YB_E_INVALID (malformed cell, unknown kind or parameter, bad date), YB_E_NOTFOUND (a named
 * file or column that is not there, a generic name with no codes or codes of no generic name),
 * YB_E_DUPLICATE (rule id repeated; a code given two different values by one rule),
 * YB_E_LIMIT (too many rules or rows), YB_E_NOMEM. */
yb_rc yb_audit_ruleset_build(const yb_audit_table *manifest, yb_audit_table_fn get, void *ctx,
                             yb_audit_ruleset **out, yb_err *err);

/* Read DIR/manifest.csv and the tables it names (io/audit_load.c). Same errors as the build,
 * plus YB_E_IO. Paths in the manifest are relative to DIR; absolute paths are refused. */
yb_rc yb_audit_ruleset_load(const char *dir, yb_audit_ruleset **out, yb_err *err);

void yb_audit_ruleset_free(yb_audit_ruleset *rs);
size_t yb_audit_ruleset_count(const yb_audit_ruleset *rs);
/* Rule i in manifest order; NULL when out of range. */
const yb_audit_rule_info *yb_audit_ruleset_rule(const yb_audit_ruleset *rs, size_t i);
/* Rule with this id (exact); NULL when none. */
const yb_audit_rule_info *yb_audit_ruleset_find(const yb_audit_ruleset *rs, const char *id);
/* Total data rows over all rules, and the number of distinct codes indexed. */
size_t yb_audit_ruleset_rows(const yb_audit_ruleset *rs);
size_t yb_audit_ruleset_codes(const yb_audit_ruleset *rs);

/* ---------------------------------------------------------------- inputs */

/* A fee line. `line` is the settlement line (its `denied` flag is what settlement reads).
 * A refund is a line with negative cnt and sumamt; init_feedetl_sn links it to the line it
 * reverses (in the same visit, with the same code): linked refunds are netted into that line,
 * unlinked ones are netted into the totals of their own code and day. */
typedef struct yb_audit_line {
    yb_line line;
    const char *name;            /* list name (hilist_name), NULL = unknown; borrowed */
    const char *dept;            /* billing department name, NULL = unknown; borrowed */
    char med_chrgitm_type[8];    /* 01 床位 … 14 其他, "" unknown */
    char init_feedetl_sn[YB_ID_MAX]; /* refund link, "" none */
    int prd_days;                /* days of supply (drugs), 0 = unknown (counts as 1) */
    yb_price std_pric;           /* catalogue standard price, 0 = unknown */
    /* written by yb_audit_mark_denied: the largest violating part of any deny hit */
    yb_qty denied_qty;
    yb_fen denied_amt;
} yb_audit_line;

typedef struct yb_audit_diag {
    char code[YB_AUDIT_DIAG_MAX];  /* ICD-10, e.g. "I63.900" */
    int main;                      /* 1 = main diagnosis */
    const char *name;              /* diagnosis name (diag_name), NULL = unknown; borrowed */
} yb_audit_diag;

typedef struct yb_audit_visit {
    yb_visit visit;              /* mdtrt_id, med_type, hosp_lv, fixmedins_code, begntime, endtime */
    yb_person person;            /* psn_no, insutype, gend, brdy */
    const yb_audit_diag *diags;  /* borrowed; main = the first with main=1, else the first */
    size_t n_diags;
    int ipt_days;                /* stay in days when endtime is absent; 0 = unknown */
    const char *dept;            /* visit department name, NULL = unknown */
    yb_audit_line *lines;        /* borrowed; yb_audit_visit_run does not modify them */
    size_t n_lines;
} yb_audit_visit;

/* ---------------------------------------------------------------- hits */

/* A line a hit names (judge_result_detail_dtos). Lines of earlier visits (from the history)
 * have line == SIZE_MAX. */
typedef struct yb_audit_ref {
    char mdtrt_id[YB_ID_MAX];
    char feedetl_sn[YB_ID_MAX];
    int item_type;               /* 1 违规项 violating, 2 涉及项 involved */
    size_t line;                 /* index in the visit's lines, SIZE_MAX for an earlier visit */
    yb_qty vola_qty;             /* violating units (0 for involved) */
    yb_fen vola_amt;             /* violating amount (0 for involved) */
} yb_audit_ref;

typedef struct yb_audit_hit {
    const yb_audit_rule_info *rule;  /* the rule (owned by the set) */
    const char *rule_id;         /* = rule->rule_id */
    const char *rule_name;       /* = rule->name */
    char vola_cont[YB_AUDIT_CONT_MAX];
    yb_fen vola_amt;             /* Σ vola_amt of the violating refs */
    int vola_amt_stas;           /* 1 computed overcharge; 0 not computable (vola_amt = amount of
                                    the flagged lines, or 0 for a visit-level finding) */
    int sev_deg;
    char vola_evid[YB_AUDIT_EVID_MAX];
    const char *vola_bhvr_type;
    yb_audit_effect effect;
    char mdtrt_id[YB_ID_MAX];
    char psn_no[YB_ID_MAX];
    const yb_audit_ref *refs;    /* violating refs first, then involved */
    size_t n_refs;
    size_t ref_off;              /* used by yb_audit_hits */
} yb_audit_hit;

/* Receives each hit; anything but YB_OK stops the run and is returned by it. */
typedef yb_rc (*yb_audit_hit_fn)(void *ctx, const yb_audit_hit *hit);

/* A growable copy of hits: pass yb_audit_hits_add as the callback and the collector as ctx. */
typedef struct yb_audit_hits {
    yb_audit_hit *hit;
    size_t n, cap;
    yb_audit_ref *ref;
    size_t nref, capref;
    size_t max;                  /* 0 = no bound; else YB_E_LIMIT beyond max hits */
} yb_audit_hits;

yb_rc yb_audit_hits_add(void *hits, const yb_audit_hit *hit);
const yb_audit_ref *yb_audit_hits_refs(const yb_audit_hits *hs, size_t i);
void yb_audit_hits_clear(yb_audit_hits *hs);   /* keep the memory */
void yb_audit_hits_free(yb_audit_hits *hs);

/* ---------------------------------------------------------------- running */

typedef struct yb_auditor yb_auditor;
typedef struct yb_audit_history yb_audit_history;

yb_rc yb_auditor_new(const yb_audit_ruleset *rs, yb_auditor **out);
void yb_auditor_free(yb_auditor *a);
/* Run only the rules whose id or rule_id is in the comma-separated list (the 3101 rule_ids);
 * NULL or "" runs all. YB_E_NOTFOUND naming an id that matches no rule. */
yb_rc yb_auditor_select(yb_auditor *a, const char *ids, yb_err *err);

/* The line filter of a batch reader. A fee line whose code (or, for a material "C...", whose
 * name) no enabled rule names cannot change any hit, except through the visit-level rules that
 * read every line of a visit (low_admission: the exam share of the visit's total), which
 * yb_auditor_wants_all_lines answers per visit from the visit's own fields (med_type,
 * begntime, endtime, ipt_days). A reader may leave out the lines of a visit for which both say
 * no: the hits are the same (refunds net only into lines of their own code, so netting does
 * not depend on the lines left out). yb_auditor_line_relevant: 1 yes, 0 no, -1 out of memory;
 * it uses the auditor's caches, so one auditor per thread. yb_auditor_wants_all_lines with
 * v NULL: whether any enabled rule may want all the lines of some visit. */
int yb_auditor_line_relevant(yb_auditor *a, const char *code, const char *name);
int yb_auditor_wants_all_lines(const yb_auditor *a, const yb_audit_visit *v);
/* Whether an enabled rule reads a visit's diagnoses (indication, readmission, a course counted
 * per disease episode): when none does, a batch reader need not read them. */
int yb_auditor_reads_diags(const yb_auditor *a);

yb_audit_history *yb_audit_history_new(void);
/* Forget the person (keeps the memory for the next one). */
void yb_audit_history_reset(yb_audit_history *h);
void yb_audit_history_free(yb_audit_history *h);
/* Bytes held by the history (for tests of boundedness). */
size_t yb_audit_history_bytes(const yb_audit_history *h);

/* Audit one visit and record what it paid into h (which may be NULL: then no cross-visit rule
 * sees earlier visits and nothing is recorded). Visits of a person must come in time order.
 * fn may be NULL: the hits are dropped, which is how a history is seeded from a person's stored
 * visits before a new one is audited online (3101/3102).
 * Errors: YB_E_LIMIT (more than 2^31 lines), YB_E_NOMEM, YB_E_OVERFLOW, or the callback's rc. */
yb_rc yb_audit_visit_run(yb_auditor *a, yb_audit_history *h, const yb_audit_visit *v,
                         yb_audit_hit_fn fn, void *ctx, yb_err *err);

/* Apply one hit to the lines it names when its effect is deny: each violating ref raises the
 * line's denied_qty/denied_amt to at least the ref's values (a line in several hits is denied
 * once, by its largest part), and sets line.denied when the whole line is denied. Refs of
 * earlier visits are skipped. */
void yb_audit_mark_denied(yb_audit_line *lines, size_t n, const yb_audit_hit *hit);

/* The settlement lines after marking: each line whose denied part is partial becomes two lines,
 * the paid rest (feedetl_sn unchanged) and the denied part (feedetl_sn + "-D", denied = 1,
 * cnt = denied_qty, sumamt = denied_amt); wholly denied lines keep denied = 1. Refund lines are
 * copied as they are. out must hold 2 x n lines; *n_out is set. YB_E_LIMIT when a suffixed
 * feedetl_sn does not fit. */
yb_rc yb_audit_settle_lines(const yb_audit_line *lines, size_t n, yb_line *out, size_t *n_out,
                            yb_err *err);

#endif
