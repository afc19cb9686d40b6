/*
 * cmd_show.c — `yibao show person PSN_NO [--json] [--db PATH]`: the person as the store holds
 * it, personal data masked: registry fields, each enrolment with its account balance, the
 * accumulators of every (insutype, year) in yuan (admissions as counts), and the settlements.
 * --json prints the same as one JSON object (service.h, yb_svc_show_person).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/db_args.h"
#include "yibao/service.h"

/* What an accumulator key means (docs/settlement.md §7). */
static const char *acc_meaning(const char *key) {
    static const struct { const char *prefix, *meaning; } kinds[] = {
        {"dedc/", "deductible paid (per-year block)"},
        {"adm/", "admissions (per-admission block)"},
        {"pool/", "pool paid (cap group)"},
        {"base/", "layer base this year"},
        {"paid/", "paid by the layer"},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strncmp(key, kinds[i].prefix, strlen(kinds[i].prefix))) return kinds[i].meaning;
    return "";
}

/* Print s left-aligned in `width` terminal columns: characters of 3 or 4 UTF-8 bytes (CJK) take two. */
static void put_padded(const char *s, int width) {
    int cols = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80) cols += *p >= 0xE0 ? 2 : 1;
    fputs(s, stdout);
    for (; cols < width; cols++) putchar(' ');
}

static void print_view(const yb_person_view *v) {
    char b1[32], b2[32], b3[32], b4[32];
    printf("person %s\n", v->psn_no);
    printf("  certno        %s\n", v->certno[0] ? v->certno : "-");
    printf("  psn_name      %s\n", v->psn_name[0] ? v->psn_name : "-");
    printf("  gend          %s\n", v->gend == 1 ? "1 (male)" : v->gend == 2 ? "2 (female)" : "-");
    printf("  brdy          %s\n", v->brdy[0] ? v->brdy : "-");
    printf("  insu_admdvs   %s\n", v->insu_admdvs);
    printf("  psn_type      %s\n", v->psn_type);
    printf("  cvlserv_flag  %d\n", v->cvlserv_flag);
    printf("  sp_psn_type   %s\n", v->sp_psn_type[0] ? v->sp_psn_type : "-");
    printf("insurance (account balance in yuan)\n");
    if (!v->n_insu) printf("  none\n");
    for (size_t i = 0; i < v->n_insu; i++)
        printf("  %-5s psn_type %-6s area %-6s balc %s\n", v->insu[i].insutype, v->insu[i].psn_type,
               v->insu[i].insu_admdvs[0] ? v->insu[i].insu_admdvs : "-", yb_fen_fmt(v->insu[i].balc, b1));
    printf("accumulators (yuan; admissions counted)\n");
    if (!v->n_acc) printf("  none\n");
    for (size_t i = 0; i < v->n_acc; i++) {
        const yb_person_acc_view *r = &v->acc[i];
        if (!strncmp(r->key, "adm/", 4)) snprintf(b1, sizeof b1, "%lld", (long long)r->value);
        else yb_fen_fmt(r->value, b1);
        printf("  %-5s %d  ", r->insutype, r->year);
        put_padded(r->key, 28);
        printf(" %14s  %s\n", b1, acc_meaning(r->key));
    }
    printf("settlements (yuan)");
    if (v->n_setl_total > v->n_setl) printf(", the newest %zu of %zu", v->n_setl, v->n_setl_total);
    printf("\n");
    if (!v->n_setl) printf("  none\n");
    for (size_t i = 0; i < v->n_setl; i++) {
        const yb_person_setl_view *r = &v->setl[i];
        printf("  %s  %s  %s %d  medfee %s  fund %s  account %s  cash %s", r->setl_id, r->mdtrt_id, r->insutype, r->year,
               yb_fen_fmt(r->medfee_sumamt, b1), yb_fen_fmt(r->fund_pay_sumamt, b2), yb_fen_fmt(r->acct_pay, b3),
               yb_fen_fmt(r->psn_cash_pay, b4));
        if (r->refd_setl_flag) printf("  reversal of %s", r->init_setl_id);
        if (r->reversed_by[0]) printf("  reversed by %s", r->reversed_by);
        printf("\n");
    }
}

int cmd_show(int argc, char **argv) {
    static const char usage[] = "usage: yibao show person PSN_NO [--json] [--unmasked] [--db PATH]";
    struct cli_db_args a;
    int rc = cli_db_args(argc, argv, "--db --json --unmasked", usage, &a);
    if (rc) return rc;
    if (a.npos != 2 || strcmp(a.pos[0], "person")) return cli_usage("%s", usage);
    yb_db *db;
    if ((rc = cli_db_open(&a, 0, &db))) return rc;
    yb_err e;
    yb_err_clear(&e);
    yb_rc r;
    if (a.unmasked) {
        /* personal data in the clear: the read is written to the audit log first */
        yb_person_pdata p;
        r = yb_svc_person_unmasked(db, a.pos[1], yb_db_actor(db), "yibao show person --unmasked", &p, &e);
        if (!r)
            printf("psn_no   %s\ncertno   %s\npsn_name %s\ntel      %s\naddr     %s\n", a.pos[1], p.certno, p.psn_name,
                   p.tel, p.addr);
        memset(&p, 0, sizeof p);
    } else if (a.json) {
        char *json = NULL;
        r = yb_svc_show_person(db, a.pos[1], &json, &e);
        if (!r) puts(json);
        free(json);
    } else {
        yb_person_view *v = NULL;
        r = yb_svc_person_view(db, a.pos[1], &v, &e);
        if (!r) print_view(v);
        yb_person_view_free(v);
    }
    yb_db_close(db);
    return r ? cli_error(&e) : 0;
}
