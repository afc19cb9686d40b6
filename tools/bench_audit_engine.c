/*
 * bench_audit_engine.c — the audit engine alone, without CSV parsing: nanoseconds per line.
 *
 *   build-dir/bench_audit_engine [LINES] [RULES_DIR] [PERCENT_RULE_LINES]
 *   defaults: 4000000 data/rules/nhsa 5    (run from the repository root)
 *
 * 200 synthetic visits of 40 lines (5 visits a person) are built once and audited in a loop
 * (as a streaming reader would hand over one visit at a time from a reused buffer); a line's code
 * is a real rule code with the given probability, else one of 20,000 codes no rule names. All
 * rules of the set run, with a per-person history. Prints lines, hits, seconds, ns per line and
 * the history's bytes (bounded by one person).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "yibao/audit.h"

static const char *const CODES[] = {
    "001102000050000", "001109000010000", "002503020030000", "001103000010000", "001102000030000",
    "XL02BBA326A001010102180", "002101030300000", "003402000050000", "XB01AXA223B002010100156",
    "003309000090000", "003309000090001", "003310010140000", "003310010160000", "001205000010000",
    "C01020304050607", "XA03AXE020X001010101234", "003106030010000",
};

static yb_rc count(void *ctx, const yb_audit_hit *h) {
    (void)h;
    (*(size_t *)ctx)++;
    return YB_OK;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static unsigned long long xorshift(unsigned long long *r) {
    *r ^= *r << 13;
    *r ^= *r >> 7;
    *r ^= *r << 17;
    return *r;
}

int main(int argc, char **argv) {
    size_t total = argc > 1 ? strtoul(argv[1], NULL, 10) : 4000000;
    const char *dir = argc > 2 ? argv[2] : "data/rules/nhsa";
    int pct = argc > 3 ? atoi(argv[3]) : 5;
    enum { PER = 40, NV = 200 };
    yb_err err;
    yb_err_clear(&err);
    yb_audit_ruleset *rs;
    char b[1024];
    if (yb_audit_ruleset_load(dir, &rs, &err) != YB_OK) {
        fprintf(stderr, "%s\n", yb_err_fmt(&err, b, sizeof b));
        return 1;
    }
    yb_auditor *a;
    yb_audit_history *h = yb_audit_history_new();
    if (yb_auditor_new(rs, &a) != YB_OK || !h) return 1;
    static yb_audit_line lines[NV * PER];
    static yb_audit_visit visits[NV];
    yb_audit_diag dg = {"I63.900", 1, "脑梗死"};
    yb_date base;
    yb_date_make(2024, 1, 1, &base);
    unsigned long long r = 88172645463325252ULL;
#define RND() xorshift(&r)
    for (size_t v = 0; v < NV; v++) {
        yb_audit_visit *x = &visits[v];
        snprintf(x->person.psn_no, sizeof x->person.psn_no, "P%zu", v / 5);
        x->person.gend = 1 + (int)(v & 1);
        x->person.brdy = base - 365 * 40;
        snprintf(x->person.insutype, sizeof x->person.insutype, "310");
        snprintf(x->visit.mdtrt_id, sizeof x->visit.mdtrt_id, "V%zu", v);
        snprintf(x->visit.med_type, sizeof x->visit.med_type, "21");
        snprintf(x->visit.hosp_lv, sizeof x->visit.hosp_lv, "05");
        snprintf(x->visit.fixmedins_code, sizeof x->visit.fixmedins_code, "H1");
        x->visit.begntime = (yb_datetime)(base + (yb_date)(v % 5) * 20) * 86400 + 8 * 3600;
        x->visit.endtime = x->visit.begntime + 5 * 86400;
        x->diags = &dg;
        x->n_diags = 1;
        for (size_t i = 0; i < PER; i++) {
            yb_audit_line *l = &lines[v * PER + i];
            snprintf(l->line.feedetl_sn, sizeof l->line.feedetl_sn, "%zu", i);
            if ((int)(RND() % 100) < pct)
                snprintf(l->line.med_list_codg, sizeof l->line.med_list_codg, "%s",
                         CODES[RND() % (sizeof CODES / sizeof CODES[0])]);
            else
                snprintf(l->line.med_list_codg, sizeof l->line.med_list_codg, "X%022llu", RND() % 20000);
            l->line.fee_ocur_time = x->visit.begntime + (yb_datetime)(RND() % 5) * 86400 + (yb_datetime)(RND() % 36000);
            l->line.cnt = YB_QTY_ONE;
            l->line.pric = 20 * YB_PRICE_ONE;
            l->line.sumamt = 2000;
            l->name = "一次性导管";
        }
        x->lines = &lines[v * PER];
        x->n_lines = PER;
    }
    size_t hits = 0, nvis = total / PER;
    double t0 = now();
    for (size_t v = 0; v < nvis; v++) {
        if (v % 5 == 0) yb_audit_history_reset(h);
        if (yb_audit_visit_run(a, h, &visits[v % NV], count, &hits, &err) != YB_OK) {
            fprintf(stderr, "%s\n", yb_err_fmt(&err, b, sizeof b));
            return 1;
        }
    }
    double s = now() - t0;
    printf("%zu lines, %zu hits, %.3f s, %.1f ns/line, history %zu bytes (%s, %d%% rule lines)\n", nvis * PER, hits, s,
           s * 1e9 / (double)(nvis * PER), yb_audit_history_bytes(h), dir, pct);
    yb_audit_history_free(h);
    yb_auditor_free(a);
    yb_audit_ruleset_free(rs);
    return 0;
}
