/*
 * cmd_settle.c — `yibao settle`: batch settlement of extract tables, and the summary a
 * settlement officer reads: visits and amounts by insurance type and benefit block, fund payments
 * by fund type, the top institutions, the rejected visits, and the time taken. Every sum is in
 * integer fen and the summary reconciles (fund + person = total).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "yibao/audit.h"
#include "yibao/batch.h"
#include "yibao/catalog_csv.h"
#include "yibao/fileio.h"
#include "yibao/service.h"

typedef struct grp {
    char insutype[8], block[YB_POL_NAME];
    size_t visits;
    yb_fen medfee, inscp, fund, psn, acct;
} grp;

typedef struct fundsum {
    char type[8];
    size_t rows;
    yb_fen paid;
} fundsum;

typedef struct inst {
    char code[32], name[96];
    size_t visits;
    yb_fen medfee, fund;
} inst;

typedef struct summary {
    grp g[64];
    int ng;
    fundsum f[32];
    int nf;
    inst *in;
    size_t nin, incap;
    size_t *slots;   /* hash of institution code -> index + 1 */
    size_t nslots;
    yb_fen medfee, fund, psn, acct, cash;
    char first_rejects[5][400];
    int nrej;
    const char *rules;   /* the audit rule set's directory, NULL without */
} summary;

static size_t hash_code(const char *s) {
    size_t h = 5381;
    for (; *s; s++) h = h * 33 + (unsigned char)*s;
    return h;
}

static inst *inst_for(summary *sm, const char *code, const char *name) {
    if (sm->nin * 2 >= sm->nslots) {
        size_t ns = sm->nslots ? sm->nslots * 2 : 1024;
        size_t *nsl = calloc(ns, sizeof *nsl);
        if (!nsl) return NULL;
        for (size_t i = 0; i < sm->nin; i++) {
            size_t h = hash_code(sm->in[i].code) & (ns - 1);
            while (nsl[h]) h = (h + 1) & (ns - 1);
            nsl[h] = i + 1;
        }
        free(sm->slots);
        sm->slots = nsl;
        sm->nslots = ns;
    }
    size_t h = hash_code(code) & (sm->nslots - 1);
    while (sm->slots[h]) {
        if (!strcmp(sm->in[sm->slots[h] - 1].code, code)) return &sm->in[sm->slots[h] - 1];
        h = (h + 1) & (sm->nslots - 1);
    }
    if (sm->nin == sm->incap) {
        size_t nc = sm->incap ? sm->incap * 2 : 256;
        inst *ni = realloc(sm->in, nc * sizeof *ni);
        if (!ni) return NULL;
        sm->in = ni;
        sm->incap = nc;
    }
    inst *x = &sm->in[sm->nin];
    memset(x, 0, sizeof *x);
    snprintf(x->code, sizeof x->code, "%s", code);
    snprintf(x->name, sizeof x->name, "%s", name);
    sm->slots[h] = ++sm->nin;
    return x;
}

static void on_settled(void *ctx, const yb_person *p, const yb_visit *v, const char *fixname, const yb_settlement *s) {
    summary *sm = ctx;
    grp *g = NULL;
    for (int i = 0; i < sm->ng && !g; i++)
        if (!strcmp(sm->g[i].insutype, p->insutype) && !strcmp(sm->g[i].block, s->block)) g = &sm->g[i];
    if (!g && sm->ng < 64) {
        g = &sm->g[sm->ng++];
        memset(g, 0, sizeof *g);
        snprintf(g->insutype, sizeof g->insutype, "%s", p->insutype);
        snprintf(g->block, sizeof g->block, "%s", s->block);
    }
    if (g) {
        g->visits++;
        g->medfee += s->medfee_sumamt;
        g->inscp += s->inscp_scp_amt;
        g->fund += s->fund_pay_sumamt;
        g->psn += s->psn_part_amt;
        g->acct += s->acct_pay;
    }
    for (int i = 0; i < s->n_funds; i++) {
        fundsum *f = NULL;
        for (int k = 0; k < sm->nf && !f; k++)
            if (!strcmp(sm->f[k].type, s->funds[i].fund_pay_type)) f = &sm->f[k];
        if (!f && sm->nf < 32) {
            f = &sm->f[sm->nf++];
            memset(f, 0, sizeof *f);
            snprintf(f->type, sizeof f->type, "%s", s->funds[i].fund_pay_type);
        }
        if (f) {
            f->rows++;
            f->paid += s->funds[i].payamt;
        }
    }
    inst *x = inst_for(sm, v->fixmedins_code, fixname);
    if (x) {
        x->visits++;
        x->medfee += s->medfee_sumamt;
        x->fund += s->fund_pay_sumamt;
    }
    sm->medfee += s->medfee_sumamt;
    sm->fund += s->fund_pay_sumamt;
    sm->psn += s->psn_part_amt;
    sm->acct += s->acct_pay;
    sm->cash += s->psn_cash_pay;
}

static void on_rejected(void *ctx, const yb_reject *r) {
    summary *sm = ctx;
    if (sm->nrej < 5) {
        char b[300];
        yb_err e = *r->err;
        e.file[0] = '\0';
        e.line = 0;
        snprintf(sm->first_rejects[sm->nrej], sizeof sm->first_rejects[0], "%s:%ld visit %s: %s", r->file, r->line,
                 r->mdtrt_id, yb_err_fmt(&e, b, sizeof b));
    }
    sm->nrej++;
}

static const char *fund_name(const char *t) {
    static const struct {
        const char *t, *n;
    } names[] = {
        {"310100", "职工基本医疗保险统筹基金"}, {"310200", "职工个人账户"}, {"320100", "公务员医疗补助"},
        {"330100", "职工大额医疗费用补助"},     {"340100", "离休人员医疗保障"}, {"350100", "残疾军人医疗补助"},
        {"370100", "企业补充医疗保险"},         {"390100", "城乡居民基本医疗保险统筹基金"},
        {"390200", "城乡居民大病保险"},         {"510100", "生育保险"}, {"610100", "医疗救助"},
        {"610102", "医疗救助再救助"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(names[i].t, t)) return names[i].n;
    return "";
}

static const char *insutype_name(const char *t) {
    if (!strcmp(t, "310")) return "职工基本医疗保险";
    if (!strcmp(t, "390")) return "城乡居民基本医疗保险";
    if (!strcmp(t, "320")) return "公务员医疗补助";
    return "";
}

static int by_fund_desc(const void *a, const void *b) {
    const inst *x = a, *y = b;
    return x->fund < y->fund ? 1 : x->fund > y->fund ? -1 : strcmp(x->code, y->code);
}

static int by_group(const void *a, const void *b) {
    const grp *x = a, *y = b;
    int c = strcmp(x->insutype, y->insutype);
    return c ? c : strcmp(x->block, y->block);
}

static int by_type(const void *a, const void *b) { return strcmp(((const fundsum *)a)->type, ((const fundsum *)b)->type); }

static const char *yuan(yb_fen v, char *b) { return yb_fen_fmt(v, b); }

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

static void print_summary(summary *sm, const yb_batch_stats *st) {
    double secs = st->elapsed_s;
    char b1[48], b2[48], b3[48], b4[48], b5[48];
    printf("\n结算汇总 settlement summary\n");
    printf("  visits read %zu, fee lines read %zu, persons %zu\n", st->visits, st->lines, st->persons);
    printf("  settled %zu, rejected %zu%s\n", st->settled, st->rejected,
           st->orphan_lines ? " (including fee lines without a visit)" : "");
    printf("\n  by insurance type and benefit block          visits        medfee         inscp          fund        person\n");
    qsort(sm->g, (size_t)sm->ng, sizeof sm->g[0], by_group);
    for (int i = 0; i < sm->ng; i++) {
        const grp *g = &sm->g[i];
        char label[160];
        snprintf(label, sizeof label, "%s %s / %s", g->insutype, insutype_name(g->insutype),
                 g->block[0] ? g->block : "(no pool block)");
        printf("  ");
        put_label(label, 44);
        printf(" %8zu %13s %13s %13s %13s\n", g->visits, yuan(g->medfee, b1), yuan(g->inscp, b2),
               yuan(g->fund, b3), yuan(g->psn, b4));
    }
    printf("\n  fund payments by fund_pay_type                           rows          paid\n");
    qsort(sm->f, (size_t)sm->nf, sizeof sm->f[0], by_type);
    yb_fen fsum = 0;
    for (int i = 0; i < sm->nf; i++) {
        char label[120];
        snprintf(label, sizeof label, "%s %s", sm->f[i].type, fund_name(sm->f[i].type));
        printf("  ");
        put_label(label, 50);
        printf(" %10zu %13s\n", sm->f[i].rows, yuan(sm->f[i].paid, b1));
        fsum += sm->f[i].paid;
    }
    printf("  %-50s %10s %13s\n", "total", "", yuan(fsum, b1));
    printf("\n  top institutions by fund paid                          visits        medfee          fund\n");
    qsort(sm->in, sm->nin, sizeof *sm->in, by_fund_desc);
    for (size_t i = 0; i < sm->nin && i < 10; i++) {
        char label[160];
        snprintf(label, sizeof label, "%s %s", sm->in[i].code, sm->in[i].name);
        printf("  ");
        put_label(label, 52);
        printf(" %7zu %13s %13s\n", sm->in[i].visits, yuan(sm->in[i].medfee, b1), yuan(sm->in[i].fund, b2));
    }
    if (sm->nrej) {
        printf("\n  rejected visits (first %d of %d):\n", sm->nrej < 5 ? sm->nrej : 5, sm->nrej);
        for (int i = 0; i < sm->nrej && i < 5; i++) printf("    %s\n", sm->first_rejects[i]);
    }
    printf("\n  reconciliation: medfee %s = fund %s + person %s (account %s + cash %s): %s\n", yuan(sm->medfee, b1),
           yuan(sm->fund, b2), yuan(sm->psn, b3), yuan(sm->acct, b4), yuan(sm->cash, b5),
           sm->medfee == sm->fund + sm->psn && sm->psn == sm->acct + sm->cash && fsum == sm->fund ? "ok" : "MISMATCH");
    printf("  time %.2f s, %.0f fee lines per second", secs, secs > 0 ? (double)st->lines / secs : 0.0);
    if (st->runs) printf(" (sorted on disk: %zu runs, at most %zu files open)", st->runs, st->peak_run_files);
    printf("\n");
    if (sm->rules)
        printf("  audit (rules %s): %zu hits, %zu deny; %zu lines denied for %s (settled as 全自费); %zu visits to review\n",
               sm->rules, st->audit_hits, st->audit_deny_hits, st->denied_lines, yuan(st->denied_amt, b1),
               st->audit_review_visits);
}

int cmd_settle(int argc, char **argv) {
    yb_batch_opts o;
    memset(&o, 0, sizeof o);
    const char *db_path = NULL, *catalog_path = NULL, *rules_dir = NULL;
    const char *policy_paths[64];
    size_t npolicy = 0;
    for (int i = 1; i < argc; i += 2) { /* every option takes a value */
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) return cli_usage("option '%s' needs a value", a);
        if (!strcmp(a, "--mdtrt")) o.mdtrt_path = v;
        else if (!strcmp(a, "--fee")) o.fee_path = v;
        else if (!strcmp(a, "--out")) o.out_path = v;
        else if (!strcmp(a, "--detail")) o.detail_path = v;
        else if (!strcmp(a, "--acct")) o.acct_path = v;
        else if (!strcmp(a, "--rejects")) o.rejects_path = v;
        else if (!strcmp(a, "--tmpdir")) o.tmpdir = v;
        else if (!strcmp(a, "--run-bytes")) {
            char *end;
            unsigned long long n = strtoull(v, &end, 10);
            if (*end || n < 4096 || n > (1ull << 34)) return cli_usage("--run-bytes takes a number from 4096 to 2^34");
            o.run_bytes = (size_t)n;
        }
        else if (!strcmp(a, "--db")) db_path = v;
        else if (!strcmp(a, "--policy")) {
            if (npolicy == sizeof policy_paths / sizeof policy_paths[0]) return cli_usage("at most 64 --policy files");
            policy_paths[npolicy++] = v;
        }
        else if (!strcmp(a, "--catalog")) catalog_path = v;
        else if (!strcmp(a, "--rules")) rules_dir = v;
        else return cli_usage("unknown option '%s'", a);
    }
    if (!o.mdtrt_path || !o.fee_path || !o.out_path)
        return cli_usage("usage: yibao settle --mdtrt mdtrt_d.csv --fee fee_list_d.csv --out setl_d.csv [--detail F]"
                         " [--acct balances.csv] [--rejects F] [--db PATH | --policy F [--policy F ...] --catalog F]"
                         " [--tmpdir D] [--run-bytes N] [--rules DIR]");
    if ((npolicy > 0) != (catalog_path != NULL)) return cli_usage("--policy and --catalog go together");
    yb_err e;
    yb_err_clear(&e);
    yb_refdata *rd = NULL;
    yb_rc rc;
    if (npolicy) {
        /* reference data from files: the catalogue, and every policy (areas and versions) */
        rd = yb_refdata_new();
        yb_catalog *cat = NULL;
        rc = rd ? yb_catalog_csv_load(catalog_path, &cat, &e) : YB_E_NOMEM;
        if (!rc) {
            yb_catalog_free(rd->catalog);
            rd->catalog = cat;
        }
        for (size_t i = 0; !rc && i < npolicy; i++) {
            size_t n = 0;
            char *text = yb_file_read(policy_paths[i], (size_t)16 << 20, &n, &e);
            if (!text) {
                rc = e.rc;
                break;
            }
            yb_policy *p = NULL;
            rc = yb_policy_from_json(text, n, policy_paths[i], &p, &e);
            if (!rc) rc = yb_refdata_add_policy(rd, p, &e);
            if (rc) {
                free(p);
                yb_err_at(&e, policy_paths[i], 0);
            }
            free(text);
        }
    } else {
        yb_db *db = NULL;
        rc = yb_db_open(cli_db_path(db_path), 0, &db, &e);
        if (!rc) rc = yb_store_load_refdata(db, &rd, &e);
        yb_db_close(db);
    }
    yb_audit_ruleset *rules = NULL;
    if (!rc && rules_dir) rc = yb_audit_ruleset_load(rules_dir, &rules, &e);
    if (rc) {
        yb_refdata_free(rd);
        return cli_error(&e);
    }
    o.rules = rules;
    summary *sm = calloc(1, sizeof *sm);
    if (!sm) return cli_usage("out of memory");
    sm->rules = rules_dir;
    o.on_settled = on_settled;
    o.on_rejected = on_rejected;
    o.ctx = sm;
    yb_batch_stats st;
    rc = yb_batch_settle(rd, &o, &st, &e);
    int code = 0;
    if (rc) code = cli_error(&e);
    else print_summary(sm, &st);
    free(sm->in);
    free(sm->slots);
    free(sm);
    yb_refdata_free(rd);
    yb_audit_ruleset_free(rules);
    return code;
}
