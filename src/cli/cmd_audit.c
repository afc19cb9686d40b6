/*
 * cmd_audit.c — `yibao audit`: the rule set over the extract tables, after the fact.
 *
 *   yibao audit --rules DIR --mdtrt mdtrt_d.csv --fee fee_list_d.csv [--diag setl_list_diag_d.csv]
 *               [--out violations.csv] [--rejects F] [--rule-ids YB18,YB25] [--tmpdir D] [--run-bytes N]
 *               [--split-bytes N] [--keep-all-lines]
 *   yibao audit --compare DIR_A DIR_B --mdtrt ... --fee ... [--diag ...] [--out changes.csv]
 *
 * The first form writes one row per hit (include/yibao/audit_batch.h gives the columns) and
 * prints a summary by rule: hits, visits, persons, amount. The second runs both rule sets over
 * the same data in one pass and prints, per rule, the hits and amounts of each set and what the
 * second gains and loses against the first; --out then receives the hits that differ. Amounts
 * are integer fen printed in yuan. --rules defaults to data/rules/nhsa.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "yibao/audit_batch.h"

#define DEFAULT_RULES "data/rules/nhsa"

typedef struct rejects {
    char first[5][400];
    int n;
} rejects;

static void on_rejected(void *ctx, const yb_reject *r) {
    rejects *rj = ctx;
    if (rj->n < 5) {
        char b[300];
        yb_err e = *r->err;
        e.file[0] = '\0';
        e.line = 0;
        snprintf(rj->first[rj->n], sizeof rj->first[0], "%s:%ld visit %s: %s", r->file, r->line, r->mdtrt_id,
                 yb_err_fmt(&e, b, sizeof b));
    }
    rj->n++;
}

/* Print s left-aligned in `width` terminal columns: CJK characters take two columns. */
static void put_label(const char *s, int width) {
    int cols = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        unsigned cp = *p;
        int n = cp < 0x80 ? 1 : cp < 0xE0 ? 2 : cp < 0xF0 ? 3 : 4;
        if (n == 3) cp = (unsigned)(p[0] & 0x0F) << 12 | (unsigned)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
        cols += n >= 3 && cp >= 0x1100 ? 2 : 1;
        for (int k = 0; k < n && *p; k++) p++;
    }
    fputs(s, stdout);
    for (; cols < width; cols++) putchar(' ');
}

static void print_head(const yb_audit_batch_stats *st, const rejects *rj) {
    if (st->diags_unread)
        printf("  visits read %zu, fee lines read %zu, diagnoses not read (no rule run reads them), persons %zu\n",
               st->visits, st->lines, st->persons);
    else
        printf("  visits read %zu, fee lines read %zu, diagnoses read %zu, persons %zu\n", st->visits, st->lines, st->diags,
               st->persons);
    printf("  fee lines some rule needs %zu of %zu (the others are counted, not sorted)\n", st->lines_kept, st->lines);
    printf("  visits audited %zu, rejected %zu%s\n", st->audited, st->rejected,
           st->orphan_lines || st->orphan_diags ? " (including rows without a visit)" : "");
    if (rj->n) {
        printf("  rejected (first %d of %d):\n", rj->n < 5 ? rj->n : 5, rj->n);
        for (int i = 0; i < rj->n && i < 5; i++) printf("    %s\n", rj->first[i]);
    }
}

static void print_tail(const yb_audit_batch_stats *st) {
    double s = st->elapsed_s;
    printf("  time %.2f s (reading and sorting %.2f s), %.0f fee lines per second", s, st->read_s,
           s > 0 ? (double)st->lines / s : 0.0);
    if (st->fee_parts > 1) printf(" (fee lines read in %d parts)", st->fee_parts);
    if (st->runs) printf(" (sorted on disk: %zu runs, at most %zu files open)", st->runs, st->peak_run_files);
    printf("\n");
}

static void print_summary(const char *dir, const yb_audit_ruleset *rs, const yb_audit_batch_stats *st,
                          const rejects *rj) {
    char b[48];
    printf("智能审核汇总 audit summary (rules %s)\n", dir);
    print_head(st, rj);
    printf("\n  rule     name                        effect     hits   visits  persons        amount\n");
    for (size_t i = 0; i < st->n_rules[0]; i++) {
        const yb_audit_rule_info *r = yb_audit_ruleset_rule(rs, i);
        const yb_audit_rule_sum *s = &st->rules[0][i];
        printf("  %-8s ", r->id);
        put_label(r->name, 27);
        printf(" %-7s %7zu  %7zu  %7zu %13s\n", yb_audit_effect_name(r->effect), s->hits, s->visits, s->persons,
               yb_fen_fmt(s->amount, b));
    }
    printf("  %-8s %-27s %-7s %7zu %33s\n", "total", "", "", st->hits[0], yb_fen_fmt(st->amount[0], b));
    print_tail(st);
}

/* Index in set a of the rule with this id, SIZE_MAX when none. */
static size_t index_of(const yb_audit_ruleset *a, const char *id) {
    const yb_audit_rule_info *r = yb_audit_ruleset_find(a, id);
    for (size_t k = 0; r && k < yb_audit_ruleset_count(a); k++)
        if (yb_audit_ruleset_rule(a, k) == r) return k;
    return SIZE_MAX;
}

static void compare_row(const char *id, const char *name, const yb_audit_rule_sum *sa, const yb_audit_rule_sum *sb,
                        const yb_audit_rule_sum *diff) {
    char b1[48], b2[48], b3[48], b4[48];
    printf("  %-8s ", id);
    put_label(name, 27);
    printf(" %7zu %8zu %7zu %7zu %7zu %12s %12s %11s %11s\n", sa ? sa->hits : 0, sb ? sb->hits : 0, diff->gained,
           diff->lost, diff->changed, yb_fen_fmt(sa ? sa->amount : 0, b1), yb_fen_fmt(sb ? sb->amount : 0, b2),
           yb_fen_fmt(diff->gained_amt, b3), yb_fen_fmt(diff->lost_amt, b4));
}

static void print_compare(const char *da, const char *db, const yb_audit_ruleset *a, const yb_audit_ruleset *bset,
                          const yb_audit_batch_stats *st, const rejects *rj) {
    char b1[48], b2[48], b3[48], b4[48];
    printf("规则对比 rule set comparison: A = %s, B = %s\n", da, db);
    print_head(st, rj);
    printf("\n  rule     name                         hits A   hits B  gained    lost changed     amount A     amount B"
           "  gained amt    lost amt\n");
    yb_audit_rule_sum tot;
    memset(&tot, 0, sizeof tot);
    for (size_t i = 0; i < st->n_rules[1]; i++) {
        const yb_audit_rule_info *r = yb_audit_ruleset_rule(bset, i);
        size_t k = index_of(a, r->id);
        const yb_audit_rule_sum *s = &st->rules[1][i];
        compare_row(r->id, r->name, k == SIZE_MAX ? NULL : &st->rules[0][k], s, s);
        tot.gained += s->gained, tot.lost += s->lost, tot.changed += s->changed;
        tot.gained_amt += s->gained_amt, tot.lost_amt += s->lost_amt;
    }
    for (size_t k = 0; k < st->n_rules[0]; k++) { /* rules that B does not have */
        const yb_audit_rule_info *r = yb_audit_ruleset_rule(a, k);
        if (yb_audit_ruleset_find(bset, r->id)) continue;
        const yb_audit_rule_sum *s = &st->rules[0][k];
        compare_row(r->id, r->name, s, NULL, s);
        tot.lost += s->lost, tot.lost_amt += s->lost_amt;
    }
    printf("  %-8s %-27s %7zu %8zu %7zu %7zu %7zu %12s %12s %11s %11s\n", "total", "", st->hits[0], st->hits[1],
           tot.gained, tot.lost, tot.changed, yb_fen_fmt(st->amount[0], b1), yb_fen_fmt(st->amount[1], b2),
           yb_fen_fmt(tot.gained_amt, b3), yb_fen_fmt(tot.lost_amt, b4));
    print_tail(st);
}

static int usage(void) {
    return cli_usage("usage: yibao audit [--rules DIR | --compare DIR_A DIR_B] --mdtrt mdtrt_d.csv --fee fee_list_d.csv"
                     " [--diag setl_list_diag_d.csv] [--out F] [--rejects F] [--rule-ids ID,...] [--tmpdir D]"
                     " [--run-bytes N] [--split-bytes N] [--keep-all-lines]");
}

int cmd_audit(int argc, char **argv) {
    yb_audit_batch_opts o;
    memset(&o, 0, sizeof o);
    const char *dirs[2] = {NULL, NULL};
    int compare = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--keep-all-lines")) {
            o.keep_all_lines = 1;
            continue;
        }
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) return cli_usage("option '%s' needs a value", a);
        if (!strcmp(a, "--compare")) {
            if (i + 2 >= argc) return cli_usage("--compare needs two rule set directories");
            dirs[0] = argv[i + 1];
            dirs[1] = argv[i + 2];
            compare = 1;
            i += 2;
            continue;
        }
        if (!strcmp(a, "--rules")) dirs[0] = v;
        else if (!strcmp(a, "--mdtrt")) o.mdtrt_path = v;
        else if (!strcmp(a, "--fee")) o.fee_path = v;
        else if (!strcmp(a, "--diag")) o.diag_path = v;
        else if (!strcmp(a, "--out")) o.out_path = v;
        else if (!strcmp(a, "--rejects")) o.rejects_path = v;
        else if (!strcmp(a, "--rule-ids")) o.rule_ids = v;
        else if (!strcmp(a, "--tmpdir")) o.tmpdir = v;
        else if (!strcmp(a, "--run-bytes")) {
            char *end;
            unsigned long long n = strtoull(v, &end, 10);
            if (*end || n < 4096 || n > (1ull << 34)) return cli_usage("--run-bytes takes a number from 4096 to 2^34");
            o.run_bytes = (size_t)n;
        } else if (!strcmp(a, "--split-bytes")) {
            char *end;
            unsigned long long n = strtoull(v, &end, 10);
            if (*end || n < 4096 || n > (1ull << 40)) return cli_usage("--split-bytes takes a number from 4096 to 2^40");
            o.split_min_bytes = (size_t)n;
        } else return cli_usage("unknown option '%s'", a);
        i++;
    }
    if (!o.mdtrt_path || !o.fee_path) return usage();
    if (!dirs[0]) dirs[0] = DEFAULT_RULES;
    yb_err e;
    yb_err_clear(&e);
    yb_audit_ruleset *rs[2] = {NULL, NULL};
    o.n_sets = compare ? 2 : 1;
    for (size_t s = 0; s < o.n_sets; s++) {
        if (yb_audit_ruleset_load(dirs[s], &rs[s], &e)) {
            yb_audit_ruleset_free(rs[0]);
            return cli_error(&e);
        }
        o.sets[s] = rs[s];
    }
    rejects rj;
    memset(&rj, 0, sizeof rj);
    o.on_rejected = on_rejected;
    o.ctx = &rj;
    yb_audit_batch_stats st;
    yb_rc rc = yb_audit_batch_run(&o, &st, &e);
    int code = 0;
    if (rc) code = cli_error(&e);
    else if (compare) print_compare(dirs[0], dirs[1], rs[0], rs[1], &st, &rj);
    else print_summary(dirs[0], rs[0], &st, &rj);
    yb_audit_batch_stats_release(&st);
    yb_audit_ruleset_free(rs[0]);
    yb_audit_ruleset_free(rs[1]);
    return code;
}
