/*
 * audit_int.h — internals of the audit engine shared by src/core/audit*.c (not a public header).
 *
 * A rule set holds its rules (manifest order), each with its parsed rows, and two code indexes:
 * exact codes and code prefixes, each an open-addressing hash table from the code text to a run
 * of memberships {rule, role, row}. Rules whose pattern is the bare material class `C` match
 * by name instead (a list of name fragments). Everything is allocated from the set's arena
 * and read-only after the build, so one set can be shared by any number of auditors.
 */
#ifndef YIBAO_AUDIT_INT_H
#define YIBAO_AUDIT_INT_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include "yibao/audit.h"

/* ------------------------------------------------------------------ arena */

typedef struct ar_chunk ar_chunk;
typedef struct yb__arena {
    ar_chunk *head;
    size_t bytes;                /* total allocated */
} yb__arena;

void *yb__arena_alloc(yb__arena *a, size_t n);       /* zeroed, 16-aligned; NULL on failure */
char *yb__arena_strdup(yb__arena *a, const char *s); /* NULL on failure */
char *yb__arena_strndup(yb__arena *a, const char *s, size_t n);
void yb__arena_free(yb__arena *a);

/* Grow *p (of *cap elements of elem bytes) to hold need elements, doubling. 0 when out of memory. */
int yb__grow(void **p, size_t *cap, size_t need, size_t elem);

/* ------------------------------------------------------------------ hashing */

static inline uint64_t yb__hash(const char *s, size_t n) {
    /* 8 bytes at a time with a multiply-xorshift mix (splitmix64 constants): codes are 11..23
     * bytes, so this is 2-3 rounds instead of 23 byte steps. */
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (uint64_t)n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
        h ^= h >> 31;
        s += 8;
        n -= 8;
    }
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++) w |= (uint64_t)(unsigned char)s[i] << (8 * i);
    /* full avalanche (murmur3 fmix64): the trailing digits of a code, the ones that vary, sit in
     * the high bytes of the last word and must reach the low bits that pick the slot */
    h ^= w;
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ULL;
    h ^= h >> 33;
    return h;
}

/* ------------------------------------------------------------------ rules */

enum { AR_ROLE_SUBJ = 0, AR_ROLE_MAIN = 1, AR_ROLE_TARGET = 2 };

/* Membership of a code in a rule: the line is the rule's subject (row = its row), the main or
 * base item of pair rules (row = key shared by all rows with that main), or the target of a
 * related-item rule (row = the rule row). */
typedef struct ar_mem {
    uint16_t rule;
    uint8_t role;
    uint8_t pad;
    uint32_t row;
} ar_mem;

enum { AR_DAY = 0, AR_WEEK = 1, AR_MONTH = 2, AR_YEAR = 3 };
enum { AR_WIN_DAY = 0, AR_WIN_VISIT = 1, AR_WIN_6H = 2, AR_WIN_1H = 3 };
enum { AR_BAND_NEWBORN = 0, AR_BAND_INFANT = 1, AR_BAND_CHILD = 2, AR_BAND_ADULT = 3 };
enum { AR_COURSE_EPISODE = 1, AR_COURSE_WEEKLY = 2 };

/* One data row of a rule. Field use by kind (see audit_rules.c for the parsing):
 *   gender a=sex · age_band a=band · insutype a=1 工伤/2 生育 · medtype a=1 住院/2 门诊,
 *   b=1 when the description allows 急诊 · hosplv a=minimum tier · quantity v=max units ·
 *   frequency v=limit units, a=period · cycle v=K units, a=M days · course a=span days,
 *   b=interval days, c=flags · drug_course a=N days, key2=group (generic name) ·
 *   total v=cap fen · duplicate a=window, key2=main key · surcharge v=limit units, key2=base
 *   key · primary_secondary key2=group · bed_days/dup_institution: one row per group. */
typedef struct ar_row {
    const char *name;            /* item / generic name of the subject */
    const char *desc;            /* description or note, "" */
    const char *code;            /* subject code or pattern as written */
    const char *code2;           /* main / base / target / package code as written, "" */
    const char *name2;           /* its name, "" */
    const char *value;           /* restriction cell as written */
    int32_t a, b, c;
    int64_t v;
    uint32_t key2;
    long line;                   /* source line of the row (of the codes file for joins) */
} ar_row;

typedef struct ar_rule {
    yb_audit_rule_info info;
    uint16_t idx;
    ar_row *rows;
    size_t n_rows;
    /* parameters, defaults filled in */
    int newborn_days, infant_years, child_years;
    int retire_male, retire_female;
    const char *maternity_med_types, *maternity_insutypes;
    const char *inpatient_prefix, *inpatient_med_types, *emergency_med_types;
    int period;
    int window;
    int match_prefix;
    int skip_empty;                  /* rows with an empty value cell carry no restriction */
    int gap_days, restart_days;
    yb_ratio rate;
    int tolerance;
    int days;
    int diag_len;
    int max_days;
    yb_ratio share;
    const char *exam_types, *treat_types;
    size_t n_keys;               /* distinct main/base keys or groups */
} ar_rule;

typedef struct ar_code {
    const char *code;
    uint32_t len;
    uint32_t mem_off, n_mem;
    uint64_t hash;
} ar_code;

typedef struct ar_index {
    ar_code *codes;
    size_t n;
    uint32_t *slot;              /* 0 empty, else codes index + 1 */
    size_t cap;                  /* power of two */
    uint8_t lens[64];            /* prefix index: distinct lengths present, ascending */
    size_t n_lens;
} ar_index;

typedef struct ar_name_rule {
    const char *frag;            /* substring of the line name */
    ar_mem mem;
} ar_name_rule;

struct yb_audit_ruleset {
    yb__arena arena;
    ar_rule *rules;
    size_t n_rules;
    ar_mem *mems;                /* runs referenced by the indexes */
    size_t n_mems;
    ar_index exact, prefix;
    ar_name_rule *names;         /* rules matched on the bare material class C */
    size_t n_names;
    size_t total_rows;
};

/* Find a code in an index (n bytes of s). NULL when absent. */
const ar_code *yb__index_find(const ar_index *ix, const char *s, size_t n, uint64_t h);

/* Does a '|'-separated list contain s exactly? */
int yb__list_has(const char *list, const char *s);

#endif
