/*
 * audit_rules.c — building a rule set from its manifest and the tables it names.
 *
 * Promises: the published tables are read as they are (column names come from the manifest's
 * `columns` cell, names files are joined to codes files on the join column); every malformed
 * cell, unknown kind or parameter, bad date, missing file or column, and every inconsistency
 * between a names file and its codes file is an error naming the file, the line and the column;
 * on error nothing is returned. Unknown codes in claims data are not a concern here: a code
 * that no rule names simply matches nothing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit_int.h"

/* ------------------------------------------------------------------ arena */

struct ar_chunk {
    ar_chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

void *yb__arena_alloc(yb__arena *a, size_t n) {
    n = (n + 15) & ~(size_t)15;
    if (!n) n = 16;
    if (!a->head || a->head->cap - a->head->used < n) {
        size_t cap = n > 60000 ? n : 60000;
        ar_chunk *c = malloc(sizeof *c + cap);
        if (!c) return NULL;
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
        a->bytes += cap;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += n;
    memset(p, 0, n);
    return p;
}

char *yb__arena_strndup(yb__arena *a, const char *s, size_t n) {
    char *p = yb__arena_alloc(a, n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *yb__arena_strdup(yb__arena *a, const char *s) {
    return yb__arena_strndup(a, s ? s : "", s ? strlen(s) : 0);
}

void yb__arena_free(yb__arena *a) {
    ar_chunk *c = a->head;
    while (c) {
        ar_chunk *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
    a->bytes = 0;
}

/* ------------------------------------------------------------------ small helpers */

int yb__grow(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 1;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need) ncap *= 2;
    void *q = realloc(*p, ncap * elem);
    if (!q) return 0;
    *p = q;
    *cap = ncap;
    return 1;
}

int yb__list_has(const char *list, const char *s) {
    if (!list || !*list || !s) return 0;
    size_t n = strlen(s);
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, '|');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !memcmp(p, s, n)) return 1;
        if (!e) break;
        p = e + 1;
    }
    return 0;
}

const ar_code *yb__index_find(const ar_index *ix, const char *s, size_t n, uint64_t h) {
    if (!ix->cap) return NULL;
    size_t mask = ix->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        uint32_t v = ix->slot[i];
        if (!v) return NULL;
        const ar_code *c = &ix->codes[v - 1];
        if (c->hash == h && c->len == n && !memcmp(c->code, s, n)) return c;
    }
}

/* A temporary string -> index map used while building (join keys, duplicate checks). */
typedef struct smap {
    const char **key;
    uint32_t *val;
    uint64_t *hash;
    size_t n, cap;
} smap;

static void smap_free(smap *m) {
    free(m->key);
    free(m->val);
    free(m->hash);
    memset(m, 0, sizeof *m);
}

static yb_rc smap_grow(smap *m) {
    size_t ncap = m->cap ? m->cap * 2 : 64;
    smap o = *m;
    m->key = calloc(ncap, sizeof *m->key);
    m->val = calloc(ncap, sizeof *m->val);
    m->hash = calloc(ncap, sizeof *m->hash);
    if (!m->key || !m->val || !m->hash) {
        free(m->key);
        free(m->val);
        free(m->hash);
        *m = o;
        return YB_E_NOMEM;
    }
    m->cap = ncap;
    m->n = 0;
    for (size_t i = 0; i < o.cap; i++) {
        if (!o.key[i]) continue;
        size_t j = o.hash[i] & (ncap - 1);
        while (m->key[j]) j = (j + 1) & (ncap - 1);
        m->key[j] = o.key[i];
        m->val[j] = o.val[i];
        m->hash[j] = o.hash[i];
        m->n++;
    }
    free(o.key);
    free(o.val);
    free(o.hash);
    return YB_OK;
}

/* Find key; *found = 1 and the value, or insert val (key must outlive the map). */
static yb_rc smap_put(smap *m, const char *key, uint32_t val, uint32_t *out, int *found) {
    if ((m->n + 1) * 2 > m->cap) {
        yb_rc rc = smap_grow(m);
        if (rc) return rc;
    }
    uint64_t h = yb__hash(key, strlen(key));
    size_t j = h & (m->cap - 1);
    while (m->key[j]) {
        if (m->hash[j] == h && !strcmp(m->key[j], key)) {
            *found = 1;
            *out = m->val[j];
            return YB_OK;
        }
        j = (j + 1) & (m->cap - 1);
    }
    m->key[j] = key;
    m->val[j] = val;
    m->hash[j] = h;
    m->n++;
    *found = 0;
    *out = val;
    return YB_OK;
}

static int smap_get(const smap *m, const char *key, uint32_t *out) {
    if (!m->cap) return 0;
    uint64_t h = yb__hash(key, strlen(key));
    size_t j = h & (m->cap - 1);
    while (m->key[j]) {
        if (m->hash[j] == h && !strcmp(m->key[j], key)) {
            *out = m->val[j];
            return 1;
        }
        j = (j + 1) & (m->cap - 1);
    }
    return 0;
}

/* ------------------------------------------------------------------ kinds */

enum { NC = 8 };   /* logical columns per kind, at most */

typedef struct kind_spec {
    const char *name;
    int needs_file;                  /* 1 = a data table, 0 = parameters only */
    const char *need[NC];            /* logical columns that must be mapped */
    const char *opt[NC];             /* logical columns that may be mapped */
    const char *params;              /* allowed parameter keys, '|'-separated */
    const char *explain;             /* Chinese paragraph, '\n', English paragraph */
} kind_spec;

#define P_COMMON "match|skip_empty"
#define P_INPAT "inpatient_prefix|inpatient_med_types"

static const kind_spec kinds[YB_AK_COUNT_] = {
    [YB_AK_GENDER] = {"gender", 1, {"code", "value"}, {"name", "desc"}, P_COMMON,
        "限定性别：该药品或项目只限一种性别使用（值为男或女）；参保人性别（gend 1 男、2 女）与之不符时，整行违规；性别未知不判。\n"
        "Sex restriction: the drug or item is payable for one sex only; a line for a person of the other"
        " sex violates as a whole; unknown sex is not judged."},
    [YB_AK_AGE_BAND] = {"age_band", 1, {"code", "value"}, {"name", "desc"},
        P_COMMON "|newborn_days|infant_years|child_years",
        "限定年龄：新生儿（出生不超过 newborn_days 天）、婴幼儿（不满 infant_years 岁）、儿童（不满 child_years 岁）、"
        "成年（满 child_years 岁）；按收费日期计算年龄，不在年龄段内则整行违规；出生日期未知不判。\n"
        "Age band: newborn (at most newborn_days days old), infant (under infant_years), child (under"
        " child_years), adult; age on the fee date; a line outside the band violates as a whole."},
    [YB_AK_RETIRE_AGE] = {"retire_age", 1, {"code"}, {"name", "desc"},
        P_COMMON "|retire_age_male|retire_age_female",
        "超法定就业年龄：参保人收费日年龄达到法定退休年龄（男 retire_age_male、女 retire_age_female 岁）时，整行违规。\n"
        "Not payable once the person has reached the legal retirement age (by sex) on the fee date."},
    [YB_AK_INSUTYPE] = {"insutype", 1, {"code", "value"}, {"name", "desc"},
        P_COMMON "|maternity_med_types|maternity_insutypes",
        "限定保险类型：工伤保险目录用药由医疗保险支付即违规；生育保险用药仅在生育医疗类别（maternity_med_types）"
        "或生育险种（maternity_insutypes）下可付，否则违规。\n"
        "Insurance-type restriction: a 工伤 (work injury) drug is never payable by medical insurance; a 生育"
        " (maternity) drug only under a maternity medical type or insurance type."},
    [YB_AK_MEDTYPE] = {"medtype", 1, {"code", "value"}, {"name", "desc"},
        P_COMMON "|" P_INPAT "|emergency_med_types",
        "限定就医方式：限住院的项目用于非住院就诊（住院 = 医疗类别以 inpatient_prefix 开头或在 inpatient_med_types 中）"
        "即违规；说明中提到急诊的，急诊（emergency_med_types）亦可；限门诊的用于住院即违规。\n"
        "Visit-type restriction: an inpatient-only item on a non-inpatient visit violates (emergency"
        " allowed when the description mentions 急诊); an outpatient-only item on an inpatient visit violates."},
    [YB_AK_HOSPLV] = {"hosplv", 1, {"code", "value"}, {"name", "desc"}, P_COMMON,
        "限定机构等级：二级指二级及以上、三级指三级医疗机构；医院等级 hosp_lv 01–04、12 为三级，05–07、13 为二级，"
        "08–10、14 为一级，11 无等级；等级不足则整行违规，等级未知不判。\n"
        "Hospital-level restriction: 二级 means level 2 or higher, 三级 level 3; a line at a lower level"
        " violates as a whole; an unknown level is not judged."},
    [YB_AK_SPECIALTY] = {"specialty", 1, {"code", "value"}, {"name", "desc"}, P_COMMON,
        "限定专科：收费科室名称（无则就诊科室）须包含 (a|b) 中之一，否则整行违规；科室未知不判。\n"
        "Specialty: the billing department's name (else the visit's) must contain one of the"
        " alternatives (a|b); otherwise the line violates as a whole; an unknown department is not judged."},
    [YB_AK_INDICATION] = {"indication", 1, {"code", "value"}, {"name", "desc"}, P_COMMON,
        "限定适应症：就诊的诊断名称中须有一个包含 (a|b) 中之一，否则整行违规；没有诊断名称不判。\n"
        "Indication: one of the visit's diagnosis names must contain one of the alternatives (a|b);"
        " otherwise the line violates as a whole; a visit without diagnosis names is not judged."},
    [YB_AK_QUANTITY] = {"quantity", 1, {"code", "value"}, {"name", "desc"}, P_COMMON,
        "超数量限定：单行计价数量超过限定数量（如 2部位）时，超出部分违规，金额 = 超出数量 × 单价。\n"
        "Quantity per charge: units on one line beyond the limit (e.g. 2 body parts) violate;"
        " amount = excess units x price."},
    [YB_AK_SWAP] = {"swap", 1, {"code"}, {"name", "code2", "name2"}, P_COMMON,
        "串换线索：该项目常被用来串换一个较便宜的项目（code2/name2），每行列为线索，金额为该行金额（不可计算差额）。\n"
        "Swap lead: the billed item is often a disguise for a cheaper one; every line is a lead, with"
        " the line amount (the overcharge itself is not computable)."},
    [YB_AK_PHANTOM] = {"phantom", 1, {"code"}, {"name"}, P_COMMON,
        "虚记线索：该项目在虚记排查清单上，每行列为线索，金额为该行金额。\n"
        "Phantom-billing lead: the item is on the watch list; every line is a lead with its amount."},
    [YB_AK_FREQUENCY] = {"frequency", 1, {"code"}, {"name", "limit", "unit", "value"}, P_COMMON,
        "限定频次：同一参保人、同一项目在一个自然日（或 ISO 周、自然月、自然年）内数量合计（退费冲减后）超过限定数量时，"
        "超出数量从当日最晚的收费行中扣除（按收费时间、再按明细流水号排序），金额 = 超出数量 × 单价。单位为小时的项目按小时计数，每日上限 24。\n"
        "Frequency: per person, item and day (or ISO week, month, year) the net count beyond the limit"
        " violates, taken from the latest lines (by fee time, then feedetl_sn); amount = excess x price."
        " Hourly items count hours, 24 a day."},
    [YB_AK_DUPLICATE] = {"duplicate", 1, {"main", "sub"}, {"main_name", "sub_name", "window", "desc"},
        P_COMMON "|window",
        "重复收费：从项与包含它的主项在时间窗内同时收费（单日 = 同一自然日，单次就诊 = 同一就诊，6小时/同一小时 = 收费时间相差不足 6/1 小时），"
        "主项数量合计大于 0 时从项整行违规，主项为涉及项；先后顺序不论。\n"
        "Duplicate charge: the sub-item is charged while its main item (which includes it) is charged"
        " in the window (same day, same visit, within 6 hours, within 1 hour); the sub-item line"
        " violates as a whole, the main item lines are involved."},
    [YB_AK_SURCHARGE_QTY] = {"surcharge_qty", 1, {"main", "sub", "limit"}, {"main_name", "sub_name"}, P_COMMON,
        "加收超限：同一自然日加收项目数量合计超过 加收限制 × 主项数量 时，超出部分违规（从最晚的行扣除）。\n"
        "Surcharge quantity: surcharge units on a day beyond limit x base-item units violate, from the"
        " latest lines."},
    [YB_AK_SURCHARGE_MAIN] = {"surcharge_main", 1, {"main", "sub"}, {"main_name", "sub_name", "limit"}, P_COMMON,
        "加收缺主项：加收项目所在自然日没有其主项目（数量合计不大于 0）时，加收行整行违规。\n"
        "Surcharge without its base item that day: the surcharge line violates as a whole."},
    [YB_AK_RELATED] = {"related", 1, {"code", "target"}, {"name", "target_name"}, P_COMMON,
        "关联缺失线索：药品、材料或项目所在自然日同一就诊内没有它所需的关联操作（target 前缀之一）时，该行列为线索。\n"
        "Related item missing: a drug, material or item billed on a day of the visit with none of the"
        " procedures it needs is a lead."},
    [YB_AK_SPLIT] = {"split", 1, {"parts"}, {"main", "main_name", "parts_name"}, P_COMMON,
        "分解计费线索：同一就诊同一自然日出现同一组套的两种及以上不同编码的分项时，这些行列为线索。\n"
        "Split charging lead: two or more different codes that are parts of one package on the same"
        " day of a visit are a lead."},
    [YB_AK_PRIMARY_SECONDARY] = {"primary_secondary", 1, {"code", "group"}, {"name", "desc"}, P_COMMON "|rate",
        "主次同价：同一就诊同一自然日同组两种及以上不同手术时，单价最高者为主要手术，其余为次要手术，应按 rate 折价；"
        "有目录标准价 P 时违规金额 = max(0, 单价 − rate × P) × 数量（确定），否则按单价即标准价计 (1 − rate) × 行金额（高度可疑）。\n"
        "Primary/secondary surgery: among two or more different operations of one group on the same"
        " day, the highest price is primary, the others must be charged at rate x standard price."},
    [YB_AK_BED_DAYS] = {"bed_days", 0, {0}, {0}, "tolerance|" P_INPAT,
        "住院天数与收费不符：住院就诊中每组按日计费项目（床位、诊查、护理）数量合计超过 住院天数 + tolerance 时，"
        "超出部分违规（从最晚的行扣除）。住院天数 = 出院日期 − 入院日期（无出院时间时用 ipt_days）。\n"
        "Inpatient days vs per-day charges: per group, units beyond length of stay + tolerance violate,"
        " from the latest lines."},
    [YB_AK_LOW_ADMISSION] = {"low_admission", 0, {0}, {0},
        "max_days|share|exam_types|treat_types|" P_INPAT,
        "低标准入院：住院不超过 max_days 天，检查化验类（exam_types）费用占比不低于 share，且无治疗、手术（treat_types）收费时，就诊列为可疑。\n"
        "Low-standard admission: a stay of at most max_days days whose fees are at least `share` tests"
        " with no treatment or operation line."},
    [YB_AK_CYCLE] = {"cycle", 1, {"code", "limit", "days"}, {"name", "desc"}, P_COMMON,
        "限定周期：同一参保人同一项目跨就诊在任意 M 天内最多 K 次；某日收费时 [当日 − M + 1, 当日] 内已付 K 次则违规。\n"
        "Cycle: at most K paid charges per M days across the person's visits; a charge on day d"
        " violates when K paid charges already fall in [d - M + 1, d]."},
    [YB_AK_COURSE] = {"course", 1, {"code", "value"}, {"name"}, P_COMMON "|restart_days",
        "限定疗程：自首次支付起满 span 天的收费违规；距上次支付不足 interval 天的违规；每周最多一次的按 ISO 周计；"
        "一个疾病过程按主诊断前三位区分；停用超过 restart_days 天后重新计算。\n"
        "Course: a charge on or after first paid charge + span days violates; one less than interval days"
        " after the previous paid one violates; weekly limits by ISO week; per illness episode by the"
        " 3-character main diagnosis; restarts after restart_days without the item."},
    [YB_AK_DRUG_COURSE] = {"drug_course", 1, {"code", "value"}, {"name", "desc"}, P_COMMON "|gap_days",
        "限定支付疗程：同一参保人同一药品通用名，每行从收费日起覆盖 max(1, 用药天数) 天；停药超过 gap_days 天开始新疗程；"
        "疗程中第 N 个覆盖日之后的天数违规，金额按天数比例计。\n"
        "Drug course: each line covers max(1, prd_days) days from its fee date; an episode ends after"
        " gap_days days without the drug; days after the N-th covered day violate, amount pro rata."},
    [YB_AK_TOTAL] = {"total", 1, {"code", "value"}, {"name"}, P_COMMON,
        "超总额限定：同一参保人同一项目一个自然年内金额合计超过限额时，超出金额违规（从最晚的行扣除）。\n"
        "Yearly total: per person, item and calendar year, the amount beyond the cap violates, from the"
        " latest lines."},
    [YB_AK_READMISSION] = {"readmission", 0, {0}, {0}, "days|diag_len|" P_INPAT,
        "分解住院：出院后 days 天内在同一医疗机构以相同主诊断（前 diag_len 位）再次住院时，后一次住院列为可疑。\n"
        "Split hospitalisation: readmission to the same hospital within `days` days of discharge with"
        " the same main diagnosis (first diag_len characters)."},
    [YB_AK_DUP_INSTITUTION] = {"dup_institution", 0, {0}, {0}, "",
        "跨机构重复收费：同一参保人同一自然日在两家医疗机构都收取同一组按日计费项目（如床位费）时，后处理的就诊的这些行违规。\n"
        "Duplicate across institutions: the same per-day item group (e.g. bed fee) charged by two"
        " institutions on the same day; the lines of the visit processed later violate."},
};

const char *yb_audit_kind_name(yb_audit_kind k) {
    return (int)k >= 0 && k < YB_AK_COUNT_ ? kinds[k].name : NULL;
}

yb_rc yb_audit_kind_parse(const char *name, yb_audit_kind *out) {
    for (int k = 0; k < YB_AK_COUNT_; k++)
        if (name && !strcmp(name, kinds[k].name)) {
            *out = (yb_audit_kind)k;
            return YB_OK;
        }
    return YB_E_NOTFOUND;
}

const char *yb_audit_kind_explain(yb_audit_kind k) {
    return (int)k >= 0 && k < YB_AK_COUNT_ ? kinds[k].explain : "";
}

const char *yb_audit_effect_name(yb_audit_effect e) {
    switch (e) {
    case YB_AUDIT_DENY: return "deny";
    case YB_AUDIT_REVIEW: return "review";
    default: return "warn";
    }
}

/* ------------------------------------------------------------------ errors */

/* Error at table t, data row `row` (SIZE_MAX = the header line), column `col` (SIZE_MAX = none). */
__attribute__((format(printf, 6, 7)))
static yb_rc terr(yb_err *err, yb_rc rc, const yb_audit_table *t, size_t row, size_t col,
                  const char *fmt, ...) {
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *field = col != SIZE_MAX && col < t->ncols ? t->header[col] : NULL;
    const char *value = col != SIZE_MAX && row != SIZE_MAX && col < t->ncols ? t->cells[row * t->ncols + col] : NULL;
    if (col != SIZE_MAX)
        yb_err_set(err, rc, field, value, "column %zu: %s", col + 1, msg);
    else
        yb_err_set(err, rc, NULL, NULL, "%s", msg);
    yb_err_at(err, t->name, row == SIZE_MAX ? 1 : (t->lines ? t->lines[row] : (long)row + 2));
    return rc;
}

static const char *cell(const yb_audit_table *t, size_t row, size_t col) {
    return t->cells[row * t->ncols + col];
}

static size_t tcol(const yb_audit_table *t, const char *name) {
    for (size_t i = 0; i < t->ncols; i++)
        if (!strcmp(t->header[i], name)) return i;
    return SIZE_MAX;
}

/* ------------------------------------------------------------------ building state */

typedef struct pend {        /* one code (or prefix) → membership, before indexing */
    const char *code;
    uint8_t prefix;
    ar_mem mem;
} pend;

typedef struct build {
    yb_audit_ruleset *rs;
    pend *pend;
    size_t n_pend, cap_pend;
    ar_name_rule *names;
    size_t n_names, cap_names;
    yb_err *err;
} build;

static yb_rc push_pend(build *b, const char *code, int prefix, ar_mem m) {
    if (!yb__grow((void **)&b->pend, &b->cap_pend, b->n_pend + 1, sizeof *b->pend)) return YB_E_NOMEM;
    b->pend[b->n_pend++] = (pend){code, (uint8_t)prefix, m};
    return YB_OK;
}

static yb_rc push_name(build *b, const char *frag, ar_mem m) {
    if (!yb__grow((void **)&b->names, &b->cap_names, b->n_names + 1, sizeof *b->names)) return YB_E_NOMEM;
    b->names[b->n_names++] = (ar_name_rule){frag, m};
    return YB_OK;
}

/* ------------------------------------------------------------------ parsing cells */

static int is_code_char(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Split a pattern cell "(a|b|c)" or "a|b" or "a" into alternatives (arena copies).
 * Returns the count, 0 on a malformed cell, -1 on allocation failure. */
enum { MAX_ALTS = 64 };
static int split_alts(yb__arena *a, const char *s, const char **alt, int max) {
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '(' && s[n - 1] == ')') {
        s++;
        n -= 2;
    }
    int k = 0;
    size_t i = 0;
    while (i <= n) {
        size_t j = i;
        while (j < n && s[j] != '|') j++;
        if (j == i) return 0;          /* empty alternative */
        if (k == max) return 0;
        alt[k] = yb__arena_strndup(a, s + i, j - i);
        if (!alt[k]) return -1;
        k++;
        i = j + 1;
    }
    return k;
}

static int valid_code(const char *s) {
    size_t n = strlen(s);
    if (!n || n >= YB_CODE_MAX) return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_code_char(s[i])) return 0;
    return 1;
}

/* Whole decimal number of at most 9 digits, > 0. */
static int parse_posint(const char *s, int *out) {
    if (!*s) return 0;
    long v = 0;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] < '0' || s[i] > '9' || i >= 9) return 0;
        v = v * 10 + (s[i] - '0');
    }
    if (v <= 0) return 0;
    *out = (int)v;
    return 1;
}

/* Leading decimal number ("10个1%体表面积" -> 10, "2.5小时" -> 2.5) as a quantity; *rest gets
 * the unit text. */
static int parse_lead_qty(const char *s, yb_qty *out, const char **rest) {
    size_t n = 0;
    while (s[n] >= '0' && s[n] <= '9') n++;
    if (!n) return 0;
    if (s[n] == '.' && s[n + 1] >= '0' && s[n + 1] <= '9') {
        n++;
        while (s[n] >= '0' && s[n] <= '9') n++;
    }
    yb_qty q;
    if (yb_qty_parse(s, n, 0, &q) != YB_OK || q <= 0) return 0;
    *out = q;
    if (rest) *rest = s + n;
    return 1;
}

/* "N天" -> N. */
static int parse_days(const char *s, int *out) {
    const char *tian = "天";
    size_t n = 0;
    while (s[n] >= '0' && s[n] <= '9') n++;
    if (!n || strcmp(s + n, tian)) return 0;
    char buf[16];
    if (n >= sizeof buf) return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return parse_posint(buf, out);
}

/* The course texts of batch 8-3: span, interval, per illness episode, weekly. */
static int parse_course(const char *s, int *span, int *interval, int *flags) {
    *span = 0;
    *interval = 0;
    *flags = 0;
    static const char *const span_pat[] = {"总时间不超过", "支付不超过"};
    for (size_t i = 0; i < 2 && !*span; i++) {
        const char *p = strstr(s, span_pat[i]);
        if (!p) continue;
        p += strlen(span_pat[i]);
        if (!strncmp(p, "一年", strlen("一年"))) {
            *span = 365;
            break;
        }
        int v = 0;
        size_t n = 0;
        while (p[n] >= '0' && p[n] <= '9' && n < 6) v = v * 10 + (p[n++] - '0');
        if (n && !strncmp(p + n, "天", strlen("天")) && v > 0) *span = v;
    }
    const char *q = strstr(s, "间隔时间不短于");
    if (q) {
        q += strlen("间隔时间不短于");
        int v = 0;
        size_t n = 0;
        while (q[n] >= '0' && q[n] <= '9' && n < 6) v = v * 10 + (q[n++] - '0');
        if (!n || strncmp(q + n, "天", strlen("天")) || v <= 0) return 0;
        *interval = v;
    }
    if (!*span && parse_days(s, span)) return 1;   /* MediModel's plain "N天" */
    if (strstr(s, "一个疾病过程")) *flags |= AR_COURSE_EPISODE;
    if (strstr(s, "每周最多支付一次")) *flags |= AR_COURSE_WEEKLY;
    return *span || *interval || (*flags & AR_COURSE_WEEKLY);
}

/* "N次每日|每周|每月|每年" */
static int parse_freq_text(const char *s, yb_qty *limit, int *period) {
    int v = 0;
    size_t n = 0;
    while (s[n] >= '0' && s[n] <= '9' && n < 6) v = v * 10 + (s[n++] - '0');
    if (!n || v <= 0) return 0;
    const char *p = s + n;
    if (strncmp(p, "次", strlen("次"))) return 0;
    p += strlen("次");
    static const char *const per[] = {"每日", "每周", "每月", "每年"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(p, per[i])) {
            *limit = (yb_qty)v * YB_QTY_ONE;
            *period = i;
            return 1;
        }
    return 0;
}

/* ------------------------------------------------------------------ parameters */

typedef struct param {
    const char *key, *val;       /* arena copies */
} param;

enum { MAX_PARAMS = 32 };

static yb_rc parse_params(build *b, ar_rule *r, const yb_audit_table *mt, size_t mrow, size_t mcol,
                          param *ps, int *np) {
    const char *s = cell(mt, mrow, mcol);
    *np = 0;
    while (*s) {
        const char *e = strchr(s, ';');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        const char *eq = memchr(s, '=', len);
        if (!eq || eq == s || *np == MAX_PARAMS)
            return terr(b->err, YB_E_INVALID, mt, mrow, mcol, "parameter '%.*s' is not key=value (at most %d)",
                        (int)len, s, MAX_PARAMS);
        param *p = &ps[(*np)++];
        p->key = yb__arena_strndup(&b->rs->arena, s, (size_t)(eq - s));
        p->val = yb__arena_strndup(&b->rs->arena, eq + 1, len - (size_t)(eq - s) - 1);
        if (!p->key || !p->val) return YB_E_NOMEM;
        int known = yb__list_has(kinds[r->info.kind].params, p->key) ||
                    (!strncmp(p->key, "group.", 6) &&
                     (r->info.kind == YB_AK_BED_DAYS || r->info.kind == YB_AK_DUP_INSTITUTION) && p->key[6]);
        if (!known)
            return terr(b->err, YB_E_INVALID, mt, mrow, mcol, "unknown parameter '%s' for kind %s", p->key,
                        kinds[r->info.kind].name);
        for (int i = 0; i < *np - 1; i++)
            if (!strcmp(ps[i].key, p->key))
                return terr(b->err, YB_E_INVALID, mt, mrow, mcol, "parameter '%s' given twice", p->key);
        if (!e) break;
        s = e + 1;
    }
    return YB_OK;
}

static yb_rc param_int(build *b, const yb_audit_table *mt, size_t mrow, size_t mcol, const param *ps, int np,
                       const char *key, int lo, int hi, int *out) {
    for (int i = 0; i < np; i++) {
        if (strcmp(ps[i].key, key)) continue;
        const char *v = ps[i].val;
        int x = 0;
        size_t n = 0;
        while (v[n] >= '0' && v[n] <= '9' && n < 7) x = x * 10 + (v[n++] - '0');
        if (!n || v[n] || x < lo || x > hi)
            return terr(b->err, YB_E_INVALID, mt, mrow, mcol, "parameter %s='%s' must be a whole number in %d..%d",
                        key, v, lo, hi);
        *out = x;
    }
    return YB_OK;
}

static yb_rc param_ratio(build *b, const yb_audit_table *mt, size_t mrow, size_t mcol, const param *ps, int np,
                         const char *key, yb_ratio *out) {
    for (int i = 0; i < np; i++) {
        if (strcmp(ps[i].key, key)) continue;
        if (yb_ratio_parse(ps[i].val, strlen(ps[i].val), 0, out) != YB_OK)
            return terr(b->err, YB_E_INVALID, mt, mrow, mcol, "parameter %s='%s' must be a ratio in 0..1", key,
                        ps[i].val);
    }
    return YB_OK;
}

static yb_rc param_list(build *b, const yb_audit_table *mt, size_t mrow, size_t mcol, const param *ps, int np,
                        const char *key, const char **out) {
    for (int i = 0; i < np; i++) {
        if (strcmp(ps[i].key, key)) continue;
        const char *v = ps[i].val;
        for (size_t j = 0; v[j]; j++)
            if (!is_code_char(v[j]) && v[j] != '|')
                return terr(b->err, YB_E_INVALID, mt, mrow, mcol,
                            "parameter %s='%s' must be codes separated by '|'", key, v);
        *out = v;
    }
    return YB_OK;
}

/* ------------------------------------------------------------------ columns */

typedef struct colmap {
    const char *logical[NC * 2];
    const yb_audit_table *tab[NC * 2];   /* the file or the names file */
    size_t col[NC * 2];
    int n;
} colmap;

static int cm_find(const colmap *cm, const char *logical) {
    for (int i = 0; i < cm->n; i++)
        if (!strcmp(cm->logical[i], logical)) return i;
    return -1;
}

/* ------------------------------------------------------------------ one rule's rows */

typedef struct rowctx {
    build *b;
    ar_rule *r;
    const yb_audit_table *ft;        /* the data file */
    const yb_audit_table *nt;        /* names file or NULL */
    size_t join_f, join_n;           /* join column in each */
    uint32_t *name_of;               /* codes row -> names row, for joins */
    colmap cm;
    size_t where_col;
    const char *where_val;
    smap seen;                       /* duplicate detection: code -> row */
    smap keys;                       /* main/base code or group -> key */
    ar_row *rows;
    size_t n_rows, cap_rows;
} rowctx;

/* Value of logical column `lg` for data row `row`: "" when not mapped. Sets *t, *c for errors. */
static const char *get(rowctx *x, const char *lg, size_t row, const yb_audit_table **t, size_t *c, size_t *erow) {
    int i = cm_find(&x->cm, lg);
    if (i < 0) {
        if (t) *t = x->ft;
        if (c) *c = SIZE_MAX;
        if (erow) *erow = row;
        return "";
    }
    const yb_audit_table *tab = x->cm.tab[i];
    size_t r = tab == x->ft ? row : x->name_of[row];
    if (t) *t = tab;
    if (c) *c = x->cm.col[i];
    if (erow) *erow = r;
    return cell(tab, r, x->cm.col[i]);
}

#define GETV(lg) get(x, (lg), row, &et, &ec, &er)
#define ROWERR(rc, ...) terr(x->b->err, (rc), et, er, ec, __VA_ARGS__)

static yb_rc add_row(rowctx *x, const ar_row *src, ar_row **out) {
    if (x->b->rs->total_rows + x->n_rows >= YB_AUDIT_MAX_ROWS) return YB_E_LIMIT;
    if (!yb__grow((void **)&x->rows, &x->cap_rows, x->n_rows + 1, sizeof *x->rows)) return YB_E_NOMEM;
    x->rows[x->n_rows] = *src;
    *out = &x->rows[x->n_rows++];
    return YB_OK;
}

/* Index a code cell (single code or pattern) for row `rowi` with `role`. Bare `C` alternatives
 * become name rules on the fragments of name cell `names`. */
static yb_rc index_cell(rowctx *x, const char *codes, const char *names, uint8_t role, uint32_t key,
                        const yb_audit_table *et, size_t er, size_t ec) {
    build *b = x->b;
    const char *alt[MAX_ALTS];
    int na = split_alts(&b->rs->arena, codes, alt, MAX_ALTS);
    if (na < 0) return YB_E_NOMEM;
    if (na == 0) return terr(b->err, YB_E_INVALID, et, er, ec, "not a code or a pattern (a|b|...) of at most %d codes", MAX_ALTS);
    ar_mem m = {x->r->idx, role, 0, key};
    int bare = 0;
    for (int i = 0; i < na; i++) {
        if (!valid_code(alt[i]))
            return terr(b->err, YB_E_INVALID, et, er, ec, "'%s' is not a code (letters and digits, at most %d)",
                        alt[i], YB_CODE_MAX - 1);
        if (!strcmp(alt[i], "C") || !strcmp(alt[i], "c")) {
            bare = 1;
            continue;
        }
        yb_rc rc = push_pend(b, alt[i], x->r->match_prefix, m);
        if (rc) return rc;
    }
    if (bare) {
        const char *frag[MAX_ALTS];
        int nf = names && *names ? split_alts(&b->rs->arena, names, frag, MAX_ALTS) : 0;
        if (nf < 0) return YB_E_NOMEM;
        if (nf == 0)
            return terr(b->err, YB_E_INVALID, et, er, ec,
                        "the material class C needs a name (or names a|b) to match on");
        for (int i = 0; i < nf; i++) {
            yb_rc rc = push_name(b, frag[i], m);
            if (rc) return rc;
        }
    }
    return YB_OK;
}

static yb_rc key_of(rowctx *x, const char *s, uint32_t *key) {
    const char *k = yb__arena_strdup(&x->b->rs->arena, s);
    if (!k) return YB_E_NOMEM;
    int found;
    yb_rc rc = smap_put(&x->keys, k, (uint32_t)x->keys.n, key, &found);
    return rc;
}

/* Subject kinds with one value per code: reject a code given two different values. Returns 1
 * when the row repeats an earlier one exactly (skip it). */
static yb_rc check_dup(rowctx *x, const ar_row *nr, const char *code, int *skip, const yb_audit_table *et,
                       size_t er, size_t ec) {
    *skip = 0;
    uint32_t prev;
    int found;
    yb_rc rc = smap_put(&x->seen, code, (uint32_t)x->n_rows, &prev, &found);
    if (rc) return rc;
    if (!found) return YB_OK;
    const ar_row *o = &x->rows[prev];
    /* the kinds whose value is the text itself compare the text; the others the parsed value
     * (so "5趾" and "5指", both 5 units, agree) */
    int text = x->r->info.kind == YB_AK_SPECIALTY || x->r->info.kind == YB_AK_INDICATION;
    if (o->a == nr->a && o->b == nr->b && o->c == nr->c && o->v == nr->v && o->key2 == nr->key2 &&
        (!text || !strcmp(o->value, nr->value))) {
        *skip = 1;
        return YB_OK;
    }
    /* several specialty / indication lists for one code are alternatives: any one satisfied is
     * enough (treatment_limits.csv gives 003310050100000 both (肿瘤|癌) and (瘤|癌)) */
    if (text) return YB_OK;
    return terr(x->b->err, YB_E_DUPLICATE, et, er, ec, "code %s already has a different value (line %ld)", code,
                o->line);
}

static yb_rc load_row(rowctx *x, size_t row) {
    build *b = x->b;
    ar_rule *r = x->r;
    yb__arena *A = &b->rs->arena;
    const yb_audit_table *et;
    size_t ec, er;
    yb_audit_kind k = r->info.kind;

    if (x->where_col != SIZE_MAX && strcmp(cell(x->ft, row, x->where_col), x->where_val)) return YB_OK;

    ar_row nr;
    memset(&nr, 0, sizeof nr);
    nr.line = x->ft->lines ? x->ft->lines[row] : (long)row + 2;

    /* the value cell, when the kind has one */
    const char *value = "";
    const yb_audit_table *vt = x->ft;
    size_t vc = SIZE_MAX, vr = row;
    if (cm_find(&x->cm, "value") >= 0) {
        value = get(x, "value", row, &vt, &vc, &vr);
        if (!*value) {
            if (r->skip_empty) return YB_OK;
            return terr(b->err, YB_E_INVALID, vt, vr, vc, "empty restriction value (set skip_empty=1 to skip such rows)");
        }
    }
    nr.value = yb__arena_strdup(A, value);
    nr.name = yb__arena_strdup(A, x->nt && cm_find(&x->cm, "name") < 0 ? cell(x->nt, x->name_of[row], x->join_n)
                                                                      : GETV("name"));
    nr.desc = yb__arena_strdup(A, GETV("desc"));
    if (!nr.value || !nr.name || !nr.desc) return YB_E_NOMEM;

    /* kind-specific parsing of the value and other cells */
    const char *vv = value;
#define VERR(...) terr(b->err, YB_E_INVALID, vt, vr, vc, __VA_ARGS__)
    switch (k) {
    case YB_AK_GENDER:
        if (!strcmp(vv, "男")) nr.a = 1;
        else if (!strcmp(vv, "女")) nr.a = 2;
        else return VERR("gender must be 男 or 女");
        break;
    case YB_AK_AGE_BAND:
        if (!strcmp(vv, "新生儿")) nr.a = AR_BAND_NEWBORN;
        else if (!strcmp(vv, "婴幼儿")) nr.a = AR_BAND_INFANT;
        else if (!strcmp(vv, "儿童")) nr.a = AR_BAND_CHILD;
        else if (!strcmp(vv, "成年")) nr.a = AR_BAND_ADULT;
        else return VERR("age band must be 新生儿, 婴幼儿, 儿童 or 成年");
        break;
    case YB_AK_INSUTYPE:
        if (!strcmp(vv, "工伤")) nr.a = 1;
        else if (!strcmp(vv, "生育")) nr.a = 2;
        else return VERR("insurance type must be 工伤 or 生育");
        break;
    case YB_AK_MEDTYPE:
        if (!strcmp(vv, "住院")) nr.a = 1;
        else if (!strcmp(vv, "门诊")) nr.a = 2;
        else return VERR("visit type must be 住院 or 门诊");
        nr.b = strstr(nr.desc, "急诊") != NULL;
        break;
    case YB_AK_HOSPLV:
        if (!strcmp(vv, "一级")) nr.a = 1;
        else if (!strcmp(vv, "二级")) nr.a = 2;
        else if (!strcmp(vv, "三级")) nr.a = 3;
        else return VERR("hospital level must be 一级, 二级 or 三级");
        break;
    case YB_AK_QUANTITY:
        if (!parse_lead_qty(vv, &nr.v, NULL)) return VERR("quantity limit must start with a number > 0 (e.g. 2部位)");
        break;
    case YB_AK_SPECIALTY:
    case YB_AK_INDICATION: {
        const char *alt[MAX_ALTS];
        int na = split_alts(A, vv, alt, MAX_ALTS);
        if (na < 0) return YB_E_NOMEM;
        if (!na) return VERR("must be text or alternatives (a|b|...) of at most %d", MAX_ALTS);
        for (int i = 0; i < na; i++)
            if (strpbrk(alt[i], "()[]{}.*+?^$\\"))
                return VERR("alternative '%s' is not plain text (no regular-expression operators)", alt[i]);
        break;
    }
    case YB_AK_FREQUENCY:
        if (vc != SIZE_MAX) {
            if (!parse_freq_text(vv, &nr.v, &nr.a)) return VERR("frequency must read N次每日, N次每周, N次每月 or N次每年");
        } else {
            const char *lim = GETV("limit");
            int n;
            if (!parse_posint(lim, &n)) return ROWERR(YB_E_INVALID, "limit must be a whole number > 0");
            nr.v = (yb_qty)n * YB_QTY_ONE;
            const char *unit = GETV("unit");
            if (strcmp(unit, "日") && strcmp(unit, "天") && strcmp(unit, "小时"))
                return ROWERR(YB_E_INVALID, "unit must be 日, 天 or 小时 (a daily limit)");
            nr.a = AR_DAY;
            nr.value = yb__arena_strdup(A, unit);
            if (!nr.value) return YB_E_NOMEM;
        }
        break;
    case YB_AK_CYCLE: {
        int kk, mm;
        const char *lim = GETV("limit");
        if (!parse_posint(lim, &kk) || kk > 1000) return ROWERR(YB_E_INVALID, "limit must be a whole number in 1..1000");
        const char *days = GETV("days");
        if (!parse_posint(days, &mm) || mm > 3660) return ROWERR(YB_E_INVALID, "period must be a whole number of days in 1..3660");
        nr.v = (yb_qty)kk * YB_QTY_ONE;
        nr.a = mm;
        break;
    }
    case YB_AK_COURSE:
        if (!parse_course(vv, &nr.a, &nr.b, &nr.c))
            return VERR("cannot read a course limit (expected N天, 支付不超过N天, 总时间不超过N天, 间隔时间不短于N天, "
                        "支付不超过一年 or 每周最多支付一次)");
        break;
    case YB_AK_DRUG_COURSE:
        if (!parse_days(vv, &nr.a) || nr.a > 3660) return VERR("course must read N天 with N in 1..3660");
        break;
    case YB_AK_TOTAL: {
        size_t n = 0;
        while ((vv[n] >= '0' && vv[n] <= '9') || vv[n] == '.') n++;
        if (!n || strcmp(vv + n, "元") || yb_fen_parse(vv, n, 0, &nr.v) != YB_OK || nr.v <= 0)
            return VERR("total must read N元 with N > 0 and at most 2 decimals");
        break;
    }
    case YB_AK_DUPLICATE: {
        const char *w = GETV("window");
        if (ec == SIZE_MAX) {
            nr.a = r->window;
        } else if (!strcmp(w, "单日")) nr.a = AR_WIN_DAY;
        else if (!strcmp(w, "单次就诊")) nr.a = AR_WIN_VISIT;
        else if (!strcmp(w, "6小时")) nr.a = AR_WIN_6H;
        else if (!strcmp(w, "同一小时")) nr.a = AR_WIN_1H;
        else return ROWERR(YB_E_INVALID, "window must be 单日, 单次就诊, 6小时 or 同一小时");
        break;
    }
    case YB_AK_SURCHARGE_QTY:
    case YB_AK_SURCHARGE_MAIN: {
        const char *lim = GETV("limit");
        int n = 1;
        if (ec != SIZE_MAX && !parse_posint(lim, &n)) return ROWERR(YB_E_INVALID, "limit must be a whole number > 0");
        nr.v = (yb_qty)n * YB_QTY_ONE;
        break;
    }
    default:
        break;
    }
#undef VERR

    /* codes */
    switch (k) {
    case YB_AK_DUPLICATE:
    case YB_AK_SURCHARGE_QTY:
    case YB_AK_SURCHARGE_MAIN: {
        const char *main = GETV("main");
        const yb_audit_table *mt = et;
        size_t mc = ec, mr = er;
        if (!valid_code(main)) return terr(b->err, YB_E_INVALID, mt, mr, mc, "main item must be one code");
        nr.code2 = yb__arena_strdup(A, main);
        nr.name2 = yb__arena_strdup(A, GETV("main_name"));
        const char *sub = GETV("sub");
        const yb_audit_table *st = et;
        size_t sc = ec, sr = er;
        nr.code = yb__arena_strdup(A, sub);
        const char *subname = GETV("sub_name");
        if (!nr.code2 || !nr.name2 || !nr.code) return YB_E_NOMEM;
        if (!*nr.name) nr.name = yb__arena_strdup(A, subname);
        if (!nr.name) return YB_E_NOMEM;
        yb_rc rc = key_of(x, main, &nr.key2);
        if (rc) return rc;
        ar_row *p;
        if ((rc = add_row(x, &nr, &p))) return rc;
        if ((rc = index_cell(x, sub, subname, AR_ROLE_SUBJ, (uint32_t)(x->n_rows - 1), st, sr, sc))) return rc;
        /* the main item: one membership per distinct main code (key) */
        ar_mem m = {r->idx, AR_ROLE_MAIN, 0, p->key2};
        return push_pend(b, p->code2, r->match_prefix, m);
    }
    case YB_AK_RELATED: {
        const char *code = GETV("code");
        const yb_audit_table *ct = et;
        size_t cc = ec, cr = er;
        const char *tg = GETV("target");
        const yb_audit_table *tt = et;
        size_t tc = ec, tr = er;
        nr.code = yb__arena_strdup(A, code);
        nr.code2 = yb__arena_strdup(A, tg);
        nr.name2 = yb__arena_strdup(A, GETV("target_name"));
        if (!nr.code || !nr.code2 || !nr.name2) return YB_E_NOMEM;
        ar_row *p;
        yb_rc rc = add_row(x, &nr, &p);
        if (rc) return rc;
        uint32_t ri = (uint32_t)(x->n_rows - 1);
        if ((rc = index_cell(x, code, nr.name, AR_ROLE_SUBJ, ri, ct, cr, cc))) return rc;
        return index_cell(x, tg, nr.name2, AR_ROLE_TARGET, ri, tt, tr, tc);
    }
    case YB_AK_SPLIT: {
        const char *parts = GETV("parts");
        const yb_audit_table *pt = et;
        size_t pc = ec, pr = er;
        nr.code = yb__arena_strdup(A, parts);
        nr.name2 = yb__arena_strdup(A, GETV("parts_name"));
        nr.code2 = yb__arena_strdup(A, GETV("main"));
        if (!*nr.name) nr.name = yb__arena_strdup(A, GETV("main_name"));
        if (!nr.code || !nr.name2 || !nr.code2 || !nr.name) return YB_E_NOMEM;
        ar_row *p;
        yb_rc rc = add_row(x, &nr, &p);
        if (rc) return rc;
        return index_cell(x, parts, nr.name2, AR_ROLE_SUBJ, (uint32_t)(x->n_rows - 1), pt, pr, pc);
    }
    case YB_AK_SWAP:
    case YB_AK_PHANTOM: {
        const char *code = GETV("code");
        const yb_audit_table *ct = et;
        size_t cc = ec, cr = er;
        nr.code = yb__arena_strdup(A, code);
        nr.code2 = yb__arena_strdup(A, GETV("code2"));
        nr.name2 = yb__arena_strdup(A, GETV("name2"));
        if (!nr.code || !nr.code2 || !nr.name2) return YB_E_NOMEM;
        ar_row *p;
        yb_rc rc = add_row(x, &nr, &p);
        if (rc) return rc;
        return index_cell(x, code, nr.name, AR_ROLE_SUBJ, (uint32_t)(x->n_rows - 1), ct, cr, cc);
    }
    case YB_AK_PRIMARY_SECONDARY: {
        const char *code = GETV("code");
        const yb_audit_table *ct = et;
        size_t cc = ec, cr = er;
        if (!valid_code(code)) return terr(b->err, YB_E_INVALID, ct, cr, cc, "not a code");
        const char *grp = GETV("group");
        if (!*grp) return ROWERR(YB_E_INVALID, "empty group");
        nr.code = yb__arena_strdup(A, code);
        nr.name2 = yb__arena_strdup(A, grp);
        if (!nr.code || !nr.name2) return YB_E_NOMEM;
        yb_rc rc = key_of(x, grp, &nr.key2);
        if (rc) return rc;
        /* the same code twice in one group is the same row */
        char pair[2 * YB_CODE_MAX + 200];
        snprintf(pair, sizeof pair, "%s\x1f%s", code, grp);
        const char *pk = yb__arena_strdup(A, pair);
        if (!pk) return YB_E_NOMEM;
        uint32_t prev;
        int found;
        if ((rc = smap_put(&x->seen, pk, (uint32_t)x->n_rows, &prev, &found))) return rc;
        if (found) return YB_OK;
        ar_row *p;
        if ((rc = add_row(x, &nr, &p))) return rc;
        return index_cell(x, code, nr.name, AR_ROLE_SUBJ, (uint32_t)(x->n_rows - 1), ct, cr, cc);
    }
    default: {
        /* subject kinds: one code (exact or prefix) per row */
        const char *code = GETV("code");
        const yb_audit_table *ct = et;
        size_t cc = ec, cr = er;
        if (!valid_code(code))
            return terr(b->err, YB_E_INVALID, ct, cr, cc, "not a code (letters and digits, at most %d)", YB_CODE_MAX - 1);
        nr.code = yb__arena_strdup(A, code);
        if (!nr.code) return YB_E_NOMEM;
        if (k == YB_AK_DRUG_COURSE) {
            /* episodes are per generic name: the names row when joined, else the code */
            yb_rc rc = key_of(x, x->nt ? cell(x->nt, x->name_of[row], x->join_n) : code, &nr.key2);
            if (rc) return rc;
        }
        int skip;
        yb_rc rc = check_dup(x, &nr, nr.code, &skip, ct, cr, cc);
        if (rc || skip) return rc;
        ar_row *p;
        if ((rc = add_row(x, &nr, &p))) return rc;
        ar_mem m = {r->idx, AR_ROLE_SUBJ, 0, (uint32_t)(x->n_rows - 1)};
        return push_pend(b, p->code, r->match_prefix, m);
    }
    }
}

/* Groups of bed_days / dup_institution: group.NAME=code|code|... */
static yb_rc load_groups(rowctx *x, const yb_audit_table *mt, size_t mrow, size_t mcol, const param *ps, int np) {
    build *b = x->b;
    for (int i = 0; i < np; i++) {
        if (strncmp(ps[i].key, "group.", 6)) continue;
        ar_row nr;
        memset(&nr, 0, sizeof nr);
        nr.name = ps[i].key + 6;
        nr.code = ps[i].val;
        nr.value = ps[i].val;
        nr.desc = "";
        nr.code2 = "";
        nr.name2 = "";
        nr.line = mt->lines ? mt->lines[mrow] : (long)mrow + 2;
        const char *alt[MAX_ALTS];
        int na = split_alts(&b->rs->arena, ps[i].val, alt, MAX_ALTS);
        if (na < 0) return YB_E_NOMEM;
        if (na == 0) return terr(b->err, YB_E_INVALID, mt, mrow, mcol, "group %s has no codes", nr.name);
        ar_row *p;
        yb_rc rc = add_row(x, &nr, &p);
        if (rc) return rc;
        for (int j = 0; j < na; j++) {
            if (!valid_code(alt[j]))
                return terr(b->err, YB_E_INVALID, mt, mrow, mcol, "group %s: '%s' is not a code", nr.name, alt[j]);
            ar_mem m = {x->r->idx, AR_ROLE_SUBJ, 0, (uint32_t)(x->n_rows - 1)};
            if ((rc = push_pend(b, alt[j], 0, m))) return rc;
        }
    }
    if (!x->n_rows) return terr(b->err, YB_E_INVALID, mt, mrow, mcol, "kind %s needs at least one group.NAME=codes parameter",
                                kinds[x->r->info.kind].name);
    return YB_OK;
}

/* ------------------------------------------------------------------ one manifest row */

static const char *const manifest_cols[] = {
    "id", "kind", "name", "effect", "sev_deg", "vola_bhvr_type", "evid", "file", "names_file",
    "join", "columns", "where", "params", "version", "effective", "source",
};
enum { M_ID, M_KIND, M_NAME, M_EFFECT, M_SEV, M_BHVR, M_EVID, M_FILE, M_NAMES, M_JOIN, M_COLUMNS,
       M_WHERE, M_PARAMS, M_VERSION, M_EFFECTIVE, M_SOURCE, M_NCOLS };

static int valid_id(const char *s) {
    if (strncmp(s, "YB", 2) || !(s[2] >= '0' && s[2] <= '9') || !(s[3] >= '0' && s[3] <= '9')) return 0;
    if (!s[4]) return 1;
    if (s[4] != '.' || !s[5]) return 0;
    size_t n = strlen(s + 5);
    if (n > 3) return 0;
    for (size_t i = 5; s[i]; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

static int valid_relpath(const char *s) {
    if (!*s || *s == '/' || strlen(s) > 200) return 0;
    for (size_t i = 0; s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(is_code_char((char)c) || c == '_' || c == '-' || c == '.' || c == '/')) return 0;
    }
    return 1;
}

static yb_rc load_rule(build *b, const yb_audit_table *mt, const size_t *mc, size_t mrow, yb_audit_table_fn getf,
                       void *gctx) {
    yb_audit_ruleset *rs = b->rs;
    yb__arena *A = &rs->arena;
    ar_rule *r = &rs->rules[rs->n_rules];
    memset(r, 0, sizeof *r);
    r->idx = (uint16_t)rs->n_rules;
#define MC(i) cell(mt, mrow, mc[i])
#define MERR(i, rc, ...) terr(b->err, (rc), mt, mrow, mc[i], __VA_ARGS__)

    const char *id = MC(M_ID);
    if (!valid_id(id)) return MERR(M_ID, YB_E_INVALID, "rule id must read YBnn or YBnn.k");
    for (size_t i = 0; i < rs->n_rules; i++)
        if (!strcmp(rs->rules[i].info.id, id))
            return MERR(M_ID, YB_E_DUPLICATE, "rule id repeated (line %ld)", rs->rules[i].info.manifest_line);
    if (yb_audit_kind_parse(MC(M_KIND), &r->info.kind) != YB_OK)
        return MERR(M_KIND, YB_E_INVALID, "unknown rule kind");
    yb_audit_kind k = r->info.kind;
    const char *eff = MC(M_EFFECT);
    if (!strcmp(eff, "deny")) r->info.effect = YB_AUDIT_DENY;
    else if (!strcmp(eff, "review")) r->info.effect = YB_AUDIT_REVIEW;
    else if (!strcmp(eff, "warn")) r->info.effect = YB_AUDIT_WARN;
    else return MERR(M_EFFECT, YB_E_INVALID, "effect must be deny, review or warn");
    const char *sev = MC(M_SEV);
    if (strlen(sev) != 1 || sev[0] < '1' || sev[0] > '3') return MERR(M_SEV, YB_E_INVALID, "sev_deg must be 1, 2 or 3");
    r->info.sev_deg = sev[0] - '0';
    const char *bh = MC(M_BHVR);
    if (strlen(bh) != 2 || bh[0] < '0' || bh[0] > '9' || bh[1] < '0' || bh[1] > '9')
        return MERR(M_BHVR, YB_E_INVALID, "vola_bhvr_type must be two digits");
    if (!*MC(M_NAME)) return MERR(M_NAME, YB_E_INVALID, "empty rule name");
    if (strlen(MC(M_EVID)) > 120) return MERR(M_EVID, YB_E_INVALID, "evidence prefix longer than 120 bytes");
    const char *effd = MC(M_EFFECTIVE);
    if (yb_date_parse(effd, strlen(effd), &r->info.effective) != YB_OK)
        return MERR(M_EFFECTIVE, YB_E_INVALID, "effective must be a date yyyy-mm-dd");

    /* strings */
    char rid[YB_AUDIT_RULE_ID_MAX];
    snprintf(rid, sizeof rid, "%.4s", id);
    r->info.id = yb__arena_strdup(A, id);
    r->info.rule_id = yb__arena_strdup(A, rid);
    r->info.name = yb__arena_strdup(A, MC(M_NAME));
    r->info.vola_bhvr_type = yb__arena_strdup(A, bh);
    r->info.evid = yb__arena_strdup(A, MC(M_EVID));
    r->info.file = yb__arena_strdup(A, MC(M_FILE));
    r->info.names_file = yb__arena_strdup(A, MC(M_NAMES));
    r->info.join = yb__arena_strdup(A, MC(M_JOIN));
    r->info.columns = yb__arena_strdup(A, MC(M_COLUMNS));
    r->info.where = yb__arena_strdup(A, MC(M_WHERE));
    r->info.params = yb__arena_strdup(A, MC(M_PARAMS));
    r->info.version = yb__arena_strdup(A, MC(M_VERSION));
    r->info.source = yb__arena_strdup(A, MC(M_SOURCE));
    r->info.manifest_line = mt->lines ? mt->lines[mrow] : (long)mrow + 2;
    if (!r->info.id || !r->info.rule_id || !r->info.name || !r->info.vola_bhvr_type || !r->info.evid ||
        !r->info.file || !r->info.names_file || !r->info.join || !r->info.columns || !r->info.where ||
        !r->info.params || !r->info.version || !r->info.source)
        return YB_E_NOMEM;

    /* parameters and their defaults */
    param ps[MAX_PARAMS];
    int np;
    yb_rc rc = parse_params(b, r, mt, mrow, mc[M_PARAMS], ps, &np);
    if (rc) return rc;
    r->newborn_days = 28;
    r->infant_years = 3;
    r->child_years = 18;
    r->retire_male = 60;
    r->retire_female = 50;
    r->maternity_med_types = "51|52";
    r->maternity_insutypes = "510";
    r->inpatient_prefix = "2";
    r->inpatient_med_types = "52";
    r->emergency_med_types = "13";
    r->window = AR_WIN_DAY;
    r->gap_days = 30;
    r->restart_days = 180;
    r->rate = 5000;
    r->tolerance = 1;
    r->days = 15;
    r->diag_len = 3;
    r->max_days = 3;
    r->share = 8000;
    r->exam_types = "03|04";
    r->treat_types = "05|06";
    size_t pc = mc[M_PARAMS];
    for (int i = 0; i < np; i++) {
        if (!strcmp(ps[i].key, "match")) {
            if (!strcmp(ps[i].val, "exact")) r->match_prefix = 0;
            else if (!strcmp(ps[i].val, "prefix")) r->match_prefix = 1;
            else return MERR(M_PARAMS, YB_E_INVALID, "match must be exact or prefix");
        } else if (!strcmp(ps[i].key, "skip_empty")) {
            if (strcmp(ps[i].val, "0") && strcmp(ps[i].val, "1")) return MERR(M_PARAMS, YB_E_INVALID, "skip_empty must be 0 or 1");
            r->skip_empty = ps[i].val[0] == '1';
        } else if (!strcmp(ps[i].key, "window")) {
            const char *w = ps[i].val;
            if (!strcmp(w, "单日")) r->window = AR_WIN_DAY;
            else if (!strcmp(w, "单次就诊")) r->window = AR_WIN_VISIT;
            else if (!strcmp(w, "6小时")) r->window = AR_WIN_6H;
            else if (!strcmp(w, "同一小时")) r->window = AR_WIN_1H;
            else return MERR(M_PARAMS, YB_E_INVALID, "window must be 单日, 单次就诊, 6小时 or 同一小时");
        }
    }
    if ((rc = param_int(b, mt, mrow, pc, ps, np, "newborn_days", 1, 365, &r->newborn_days)) ||
        (rc = param_int(b, mt, mrow, pc, ps, np, "infant_years", 1, 150, &r->infant_years)) ||
        (rc = param_int(b, mt, mrow, pc, ps, np, "child_years", 1, 150, &r->child_years)) ||
        (rc = param_int(b, mt, mrow, pc, ps, np, "retire_age_male", 1, 150, &r->retire_male)) ||
        (rc = param_int(b, mt, mrow, pc, ps, np, "retire_age_female", 1, 150, &r->retire_female)) ||
        (rc = param_int(b, mt, mrow, pc, ps, np, "gap_days", 1, 3660, &r->gap_days)) ||
        (rc = param_int(b, mt, mrow, pc, ps, np, "restart_days", 1, 3660, &r->restart_days)) ||
        (rc = param_int(b, mt, mrow, pc, ps, np, "tolerance", 0, 365, &r->tolerance)) ||
        (rc = param_int(b, mt, mrow, pc, ps, np, "days", 1, 3660, &r->days)) ||
        (rc = param_int(b, mt, mrow, pc, ps, np, "diag_len", 1, YB_AUDIT_DIAG_MAX - 1, &r->diag_len)) ||
        (rc = param_int(b, mt, mrow, pc, ps, np, "max_days", 0, 3660, &r->max_days)) ||
        (rc = param_ratio(b, mt, mrow, pc, ps, np, "rate", &r->rate)) ||
        (rc = param_ratio(b, mt, mrow, pc, ps, np, "share", &r->share)) ||
        (rc = param_list(b, mt, mrow, pc, ps, np, "maternity_med_types", &r->maternity_med_types)) ||
        (rc = param_list(b, mt, mrow, pc, ps, np, "maternity_insutypes", &r->maternity_insutypes)) ||
        (rc = param_list(b, mt, mrow, pc, ps, np, "inpatient_prefix", &r->inpatient_prefix)) ||
        (rc = param_list(b, mt, mrow, pc, ps, np, "inpatient_med_types", &r->inpatient_med_types)) ||
        (rc = param_list(b, mt, mrow, pc, ps, np, "emergency_med_types", &r->emergency_med_types)) ||
        (rc = param_list(b, mt, mrow, pc, ps, np, "exam_types", &r->exam_types)) ||
        (rc = param_list(b, mt, mrow, pc, ps, np, "treat_types", &r->treat_types)))
        return rc;
    if (k == YB_AK_AGE_BAND && r->infant_years > r->child_years)
        return MERR(M_PARAMS, YB_E_INVALID, "infant_years must not exceed child_years");

    rowctx x;
    memset(&x, 0, sizeof x);
    x.b = b;
    x.r = r;
    x.where_col = SIZE_MAX;

    if (!kinds[k].needs_file) {
        for (int i = M_FILE; i <= M_WHERE; i++)
            if (*MC(i)) return MERR(i, YB_E_INVALID, "kind %s reads no file: leave this cell empty", kinds[k].name);
        if (k == YB_AK_BED_DAYS || k == YB_AK_DUP_INSTITUTION) {
            rc = load_groups(&x, mt, mrow, pc, ps, np);
            if (rc) goto done;
        }
        goto finish;
    }

    /* the data file, and the names file joined to it */
    const char *file = r->info.file;
    if (!valid_relpath(file)) return MERR(M_FILE, YB_E_INVALID, "file must be a relative path of letters, digits and _-./");
    if (*r->info.names_file && !valid_relpath(r->info.names_file))
        return MERR(M_NAMES, YB_E_INVALID, "names_file must be a relative path of letters, digits and _-./");
    if (!*r->info.names_file != !*r->info.join)
        return MERR(*r->info.join ? M_NAMES : M_JOIN, YB_E_INVALID, "names_file and join go together");
    /* a NULL table with no error recorded means the file is not there */
    x.ft = getf(gctx, file, b->err);
    if (!x.ft)
        return b->err && b->err->rc ? b->err->rc : MERR(M_FILE, YB_E_NOTFOUND, "no such rule file");
    if (*r->info.names_file) {
        x.nt = getf(gctx, r->info.names_file, b->err);
        if (!x.nt)
            return b->err && b->err->rc ? b->err->rc : MERR(M_NAMES, YB_E_NOTFOUND, "no such rule file");
        x.join_f = tcol(x.ft, r->info.join);
        if (x.join_f == SIZE_MAX) return terr(b->err, YB_E_NOTFOUND, x.ft, SIZE_MAX, SIZE_MAX, "no join column '%s'", r->info.join);
        x.join_n = tcol(x.nt, r->info.join);
        if (x.join_n == SIZE_MAX) return terr(b->err, YB_E_NOTFOUND, x.nt, SIZE_MAX, SIZE_MAX, "no join column '%s'", r->info.join);
    }

    /* columns: logical=header;... looked up in the file, then in the names file */
    {
        const char *s = r->info.columns;
        while (*s) {
            const char *e = strchr(s, ';');
            size_t len = e ? (size_t)(e - s) : strlen(s);
            const char *eq = memchr(s, '=', len);
            if (!eq || eq == s || eq + 1 == s + len || x.cm.n == NC * 2)
                return MERR(M_COLUMNS, YB_E_INVALID, "column mapping '%.*s' is not logical=header", (int)len, s);
            char *lg = yb__arena_strndup(A, s, (size_t)(eq - s));
            char *hd = yb__arena_strndup(A, eq + 1, len - (size_t)(eq - s) - 1);
            if (!lg || !hd) return YB_E_NOMEM;
            int known = 0;
            for (int i = 0; i < NC; i++)
                if ((kinds[k].need[i] && !strcmp(kinds[k].need[i], lg)) || (kinds[k].opt[i] && !strcmp(kinds[k].opt[i], lg)))
                    known = 1;
            if (!known) return MERR(M_COLUMNS, YB_E_INVALID, "kind %s has no column '%s'", kinds[k].name, lg);
            if (cm_find(&x.cm, lg) >= 0) return MERR(M_COLUMNS, YB_E_INVALID, "column '%s' mapped twice", lg);
            size_t c = tcol(x.ft, hd);
            const yb_audit_table *t = x.ft;
            if (c == SIZE_MAX && x.nt) {
                c = tcol(x.nt, hd);
                t = x.nt;
            }
            if (c == SIZE_MAX)
                return terr(b->err, YB_E_NOTFOUND, x.ft, SIZE_MAX, SIZE_MAX, "no column '%s' (mapped to %s by %s line %ld)", hd,
                            lg, mt->name, r->info.manifest_line);
            x.cm.logical[x.cm.n] = lg;
            x.cm.tab[x.cm.n] = t;
            x.cm.col[x.cm.n] = c;
            x.cm.n++;
            if (!e) break;
            s = e + 1;
        }
        for (int i = 0; i < NC && kinds[k].need[i]; i++) {
            const char *lg = kinds[k].need[i];
            if (cm_find(&x.cm, lg) < 0) return MERR(M_COLUMNS, YB_E_INVALID, "kind %s needs column '%s'", kinds[k].name, lg);
        }
        if (k == YB_AK_FREQUENCY && cm_find(&x.cm, "value") < 0 &&
            (cm_find(&x.cm, "limit") < 0 || cm_find(&x.cm, "unit") < 0))
            return MERR(M_COLUMNS, YB_E_INVALID, "kind frequency needs column 'value' or columns 'limit' and 'unit'");
    }
    if (*r->info.where) {
        const char *eq = strchr(r->info.where, '=');
        if (!eq || eq == r->info.where) return MERR(M_WHERE, YB_E_INVALID, "where must read header=value");
        char hd[128];
        size_t hl = (size_t)(eq - r->info.where);
        if (hl >= sizeof hd) return MERR(M_WHERE, YB_E_INVALID, "where header longer than %zu bytes", sizeof hd - 1);
        memcpy(hd, r->info.where, hl);
        hd[hl] = '\0';
        x.where_col = tcol(x.ft, hd);
        if (x.where_col == SIZE_MAX) return MERR(M_WHERE, YB_E_NOTFOUND, "no column '%s' in %s", hd, file);
        x.where_val = eq + 1;
    }

    /* the join: every generic name of the names file once, with codes; every code row's name there */
    if (x.nt) {
        smap nm;
        memset(&nm, 0, sizeof nm);
        uint32_t *used = calloc(x.nt->nrows ? x.nt->nrows : 1, sizeof *used);
        x.name_of = calloc(x.ft->nrows ? x.ft->nrows : 1, sizeof *x.name_of);
        if (!used || !x.name_of) {
            free(used);
            smap_free(&nm);
            rc = YB_E_NOMEM;
            goto done;
        }
        for (size_t i = 0; i < x.nt->nrows && !rc; i++) {
            const char *g = cell(x.nt, i, x.join_n);
            uint32_t prev;
            int found;
            if (!*g) rc = terr(b->err, YB_E_INVALID, x.nt, i, x.join_n, "empty generic name");
            else if ((rc = smap_put(&nm, g, (uint32_t)i, &prev, &found)) == YB_OK && found)
                rc = terr(b->err, YB_E_DUPLICATE, x.nt, i, x.join_n, "generic name repeated (line %ld)",
                          x.nt->lines ? x.nt->lines[prev] : (long)prev + 2);
        }
        for (size_t i = 0; i < x.ft->nrows && !rc; i++) {
            uint32_t ni;
            if (x.where_col != SIZE_MAX && strcmp(cell(x.ft, i, x.where_col), x.where_val)) continue;
            if (!smap_get(&nm, cell(x.ft, i, x.join_f), &ni))
                rc = terr(b->err, YB_E_NOTFOUND, x.ft, i, x.join_f, "generic name not in %s", r->info.names_file);
            else {
                x.name_of[i] = ni;
                used[ni]++;
            }
        }
        for (size_t i = 0; i < x.nt->nrows && !rc; i++)
            if (!used[i]) rc = terr(b->err, YB_E_NOTFOUND, x.nt, i, x.join_n, "generic name has no codes in %s", file);
        free(used);
        smap_free(&nm);
        if (rc) goto done;
    }

    for (size_t row = 0; row < x.ft->nrows; row++)
        if ((rc = load_row(&x, row))) goto done;

finish:
    r->rows = yb__arena_alloc(A, (x.n_rows ? x.n_rows : 1) * sizeof *r->rows);
    if (!r->rows) {
        rc = YB_E_NOMEM;
        goto done;
    }
    if (x.n_rows) memcpy(r->rows, x.rows, x.n_rows * sizeof *r->rows);
    r->n_rows = x.n_rows;
    r->n_keys = x.keys.n;
    r->info.n_rows = x.n_rows;
    rs->total_rows += x.n_rows;
    rs->n_rules++;
done:
    if (rc == YB_E_LIMIT)
        terr(b->err, rc, mt, mrow, SIZE_MAX, "more than %d data rows in the rule set", YB_AUDIT_MAX_ROWS);
    if (rc == YB_E_NOMEM) yb_err_set(b->err, rc, NULL, NULL, "out of memory loading rule %s", id);
    free(x.rows);
    free(x.name_of);
    smap_free(&x.seen);
    smap_free(&x.keys);
    return rc;
#undef MC
#undef MERR
}

/* ------------------------------------------------------------------ indexes */

static int pend_cmp(const void *pa, const void *pb) {
    const pend *a = pa, *b = pb;
    if (a->prefix != b->prefix) return a->prefix - b->prefix;
    int c = strcmp(a->code, b->code);
    if (c) return c;
    if (a->mem.rule != b->mem.rule) return a->mem.rule < b->mem.rule ? -1 : 1;
    if (a->mem.role != b->mem.role) return a->mem.role - b->mem.role;
    return a->mem.row < b->mem.row ? -1 : a->mem.row > b->mem.row;
}

static yb_rc build_index(yb_audit_ruleset *rs, ar_index *ix, const pend *p, size_t n, size_t *mem_at) {
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++)
        if (!i || strcmp(p[i].code, p[i - 1].code)) distinct++;
    ix->codes = yb__arena_alloc(&rs->arena, (distinct ? distinct : 1) * sizeof *ix->codes);
    size_t cap = 16;
    while (cap < distinct * 2) cap *= 2;
    ix->slot = yb__arena_alloc(&rs->arena, cap * sizeof *ix->slot);
    if (!ix->codes || !ix->slot) return YB_E_NOMEM;
    ix->cap = cap;
    ix->n = 0;
    for (size_t i = 0; i < n; i++) {
        const pend *q = &p[i];
        int same = i && !strcmp(q->code, p[i - 1].code);
        if (same && !memcmp(&q->mem, &p[i - 1].mem, sizeof q->mem)) continue;   /* exact repeat */
        if (!same) {
            ar_code *c = &ix->codes[ix->n++];
            c->code = q->code;
            c->len = (uint32_t)strlen(q->code);
            c->hash = yb__hash(c->code, c->len);
            c->mem_off = (uint32_t)*mem_at;
            c->n_mem = 0;
            size_t j = c->hash & (cap - 1);
            while (ix->slot[j]) j = (j + 1) & (cap - 1);
            ix->slot[j] = (uint32_t)ix->n;
            if (ix == &rs->prefix) {
                size_t L = c->len, k = 0;
                while (k < ix->n_lens && ix->lens[k] < L) k++;
                if (k == ix->n_lens || ix->lens[k] != L) {
                    memmove(ix->lens + k + 1, ix->lens + k, ix->n_lens - k);
                    ix->lens[k] = (uint8_t)L;
                    ix->n_lens++;
                }
            }
        }
        rs->mems[(*mem_at)++] = q->mem;
        ix->codes[ix->n - 1].n_mem++;
    }
    return YB_OK;
}

static yb_rc build_indexes(build *b) {
    yb_audit_ruleset *rs = b->rs;
    if (b->n_pend) qsort(b->pend, b->n_pend, sizeof *b->pend, pend_cmp);
    rs->mems = yb__arena_alloc(&rs->arena, (b->n_pend ? b->n_pend : 1) * sizeof *rs->mems);
    if (!rs->mems) return YB_E_NOMEM;
    size_t split = 0;
    while (split < b->n_pend && !b->pend[split].prefix) split++;
    size_t at = 0;
    yb_rc rc = build_index(rs, &rs->exact, b->pend, split, &at);
    if (!rc) rc = build_index(rs, &rs->prefix, b->pend ? b->pend + split : NULL, b->n_pend - split, &at);
    rs->n_mems = at;
    if (rc) return rc;
    if (!rs->prefix.n) rs->prefix.cap = 0;
    rs->names = yb__arena_alloc(&rs->arena, (b->n_names ? b->n_names : 1) * sizeof *rs->names);
    if (!rs->names) return YB_E_NOMEM;
    if (b->n_names) memcpy(rs->names, b->names, b->n_names * sizeof *rs->names);
    rs->n_names = b->n_names;
    return YB_OK;
}

/* ------------------------------------------------------------------ the set */

yb_rc yb_audit_ruleset_build(const yb_audit_table *manifest, yb_audit_table_fn get_table, void *ctx,
                             yb_audit_ruleset **out, yb_err *err) {
    *out = NULL;
    yb_audit_ruleset *rs = calloc(1, sizeof *rs);
    if (!rs) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    build b = {.rs = rs, .err = err};
    yb_rc rc = YB_OK;
    size_t mc[M_NCOLS];
    for (int i = 0; i < M_NCOLS; i++) {
        mc[i] = tcol(manifest, manifest_cols[i]);
        if (mc[i] == SIZE_MAX) {
            rc = terr(err, YB_E_INVALID, manifest, SIZE_MAX, SIZE_MAX, "missing column '%s'", manifest_cols[i]);
            goto fail;
        }
    }
    if (manifest->nrows > YB_AUDIT_MAX_RULES) {
        rc = terr(err, YB_E_LIMIT, manifest, SIZE_MAX, SIZE_MAX, "more than %d rules", YB_AUDIT_MAX_RULES);
        goto fail;
    }
    if (!manifest->nrows) {
        rc = terr(err, YB_E_INVALID, manifest, SIZE_MAX, SIZE_MAX, "no rules");
        goto fail;
    }
    rs->rules = yb__arena_alloc(&rs->arena, manifest->nrows * sizeof *rs->rules);
    if (!rs->rules) {
        rc = yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < manifest->nrows; i++)
        if ((rc = load_rule(&b, manifest, mc, i, get_table, ctx))) goto fail;
    if ((rc = build_indexes(&b))) {
        yb_err_set(err, rc, NULL, NULL, "out of memory indexing the rule set");
        goto fail;
    }
    free(b.pend);
    free(b.names);
    *out = rs;
    return YB_OK;
fail:
    free(b.pend);
    free(b.names);
    yb_audit_ruleset_free(rs);
    return rc;
}

void yb_audit_ruleset_free(yb_audit_ruleset *rs) {
    if (!rs) return;
    yb__arena_free(&rs->arena);
    free(rs);
}

size_t yb_audit_ruleset_count(const yb_audit_ruleset *rs) { return rs ? rs->n_rules : 0; }

const yb_audit_rule_info *yb_audit_ruleset_rule(const yb_audit_ruleset *rs, size_t i) {
    return rs && i < rs->n_rules ? &rs->rules[i].info : NULL;
}

const yb_audit_rule_info *yb_audit_ruleset_find(const yb_audit_ruleset *rs, const char *id) {
    for (size_t i = 0; rs && id && i < rs->n_rules; i++)
        if (!strcmp(rs->rules[i].info.id, id)) return &rs->rules[i].info;
    return NULL;
}

size_t yb_audit_ruleset_rows(const yb_audit_ruleset *rs) { return rs ? rs->total_rows : 0; }

size_t yb_audit_ruleset_codes(const yb_audit_ruleset *rs) { return rs ? rs->exact.n + rs->prefix.n : 0; }
