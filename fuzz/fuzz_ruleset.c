/*
 * fuzz_ruleset.c — libFuzzer target for rule-set loading and the engine over what loads.
 *
 * Input: byte 0 picks one of the manifests below; the rest is the rule file (two files for a
 * names/codes join, split at the first NUL byte). The files are written to a private temporary
 * directory and loaded with yb_audit_ruleset_load. Properties: a failed load returns no set and
 * a recorded error; a set that loads runs over two visits whose line codes are taken from the
 * input, and every hit's vola_amt is the sum of its violating refs, each >= 0, and each ref of
 * the current visit names a line that exists. Nothing crashes or leaks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "yibao/audit.h"

#define MH "id,kind,name,effect,sev_deg,vola_bhvr_type,evid,file,names_file,join,columns,where,params,version,effective,source\n"

static const char *const manifests[] = {
    MH "YB18,frequency,f,deny,1,02,e,a.csv,,,code=项目编码;name=项目名称;limit=限制数量;unit=数量单位,,,v,2020-01-01,s\n",
    MH "YB09,gender,g,deny,1,03,e,a.csv,b.csv,药品通用名,code=药品代码;value=限定对象;desc=药品说明,,,v,2020-01-01,s\n",
    MH "YB25,duplicate,d,deny,1,01,e,a.csv,,,main=主项编码;sub=从项编码;window=频度;main_name=主项名称;sub_name=从项名称,,,v,2020-01-01,s\n",
    MH "YB20,course,c,deny,1,02,e,a.csv,,,code=项目代码;name=项目名称;value=备注,,,v,2020-01-01,s\n",
    MH "YB19,drug_course,dc,deny,1,02,e,a.csv,b.csv,药品通用名,code=国标代码;value=限定值域,,,v,2020-01-01,s\n",
    MH "YB29,related,r,warn,3,07,e,a.csv,,,code=主项编码;name=主项名称;target=关联编码;target_name=关联名称,,match=prefix,v,2020-01-01,s\n",
    MH "YB27,surcharge_qty,sq,review,2,01,e,a.csv,,,main=主项编码;sub=从项编码;limit=加收限制,,,v,2020-01-01,s\n"
       "YB31,surcharge_main,sm,review,2,07,e,a.csv,,,main=主项编码;sub=从项编码,,,v,2020-01-01,s\n",
    MH "YB38,primary_secondary,p,review,1,02,e,a.csv,,,code=国标代码;group=限定值域,,rate=0.5,v,2020-01-01,s\n",
    MH "YB17,quantity,q,review,2,02,e,a.csv,,,code=诊疗编码;value=数量限制,,match=prefix;skip_empty=1,v,2020-01-01,s\n"
       "YB22,total,t,review,2,02,e,a.csv,,,code=诊疗编码;value=总额限制,,match=prefix;skip_empty=1,v,2020-01-01,s\n",
    MH "YB18.2,cycle,cy,deny,1,02,e,a.csv,,,code=项目代码;limit=频次上限;days=疗程周期,,,v,2020-01-01,s\n",
    MH "YB37,split,sp,warn,3,05,e,a.csv,,,parts=分项编码;parts_name=分项名称;main=主项编码;main_name=主项名称,,match=prefix,v,2020-01-01,s\n",
    /* the manifest itself fuzzed: a.csv is the manifest's only data */
    NULL,
};
#define NMAN (sizeof manifests / sizeof manifests[0])

static char dir[64];

static void put(const char *name, const uint8_t *d, size_t n) {
    char p[128];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    if (!f) abort();
    if (n && fwrite(d, 1, n, f) != n) abort();
    fclose(f);
}

typedef struct chk {
    size_t n_lines;
    size_t hits;
} chk;

static yb_rc check_hit(void *ctx, const yb_audit_hit *h) {
    chk *c = ctx;
    yb_fen sum = 0;
    for (size_t i = 0; i < h->n_refs; i++) {
        const yb_audit_ref *r = &h->refs[i];
        if (r->item_type != 1 && r->item_type != 2) abort();
        if (r->vola_amt < 0) abort();
        if (r->line != SIZE_MAX && r->line >= c->n_lines) abort();
        if (r->item_type == 1) sum += r->vola_amt;
    }
    if (sum != h->vola_amt || !h->rule || !h->rule_id) abort();
    c->hits++;
    return YB_OK;
}

/* Up to 8 code-like tokens of the input become line codes. */
static size_t tokens(const uint8_t *d, size_t n, char codes[][YB_CODE_MAX]) {
    size_t k = 0, i = 0;
    while (i < n && k < 8) {
        size_t j = i;
        while (j < n && ((d[j] >= '0' && d[j] <= '9') || (d[j] >= 'A' && d[j] <= 'Z') || (d[j] >= 'a' && d[j] <= 'z'))) j++;
        if (j > i && j - i < YB_CODE_MAX) {
            memcpy(codes[k], d + i, j - i);
            codes[k][j - i] = '\0';
            k++;
        }
        i = j + 1;
    }
    return k;
}

static void run_engine(const yb_audit_ruleset *rs, const uint8_t *d, size_t n) {
    char codes[8][YB_CODE_MAX];
    size_t nc = tokens(d, n, codes);
    yb_auditor *a;
    if (yb_auditor_new(rs, &a) != YB_OK) abort();
    yb_audit_history *h = yb_audit_history_new();
    if (!h) abort();
    yb_audit_line lines[16];
    for (int v = 0; v < 2; v++) {
        yb_audit_visit vis;
        memset(&vis, 0, sizeof vis);
        snprintf(vis.person.psn_no, sizeof vis.person.psn_no, "P");
        vis.person.gend = 1 + v;
        yb_date_make(1990, 1, 1, &vis.person.brdy);
        snprintf(vis.visit.mdtrt_id, sizeof vis.visit.mdtrt_id, "V%d", v);
        snprintf(vis.visit.med_type, sizeof vis.visit.med_type, "%s", v ? "21" : "11");
        snprintf(vis.visit.hosp_lv, sizeof vis.visit.hosp_lv, "05");
        snprintf(vis.visit.fixmedins_code, sizeof vis.visit.fixmedins_code, "H%d", v);
        yb_date d0;
        yb_date_make(2024, 5, 1 + 3 * v, &d0);
        vis.visit.begntime = (yb_datetime)d0 * 86400;
        vis.visit.endtime = vis.visit.begntime + 4 * 86400;
        size_t nl = 0;
        for (size_t i = 0; i < nc && nl < 16; i++)
            for (int r = 0; r < 2 && nl < 16; r++) {
                yb_audit_line *l = &lines[nl];
                memset(l, 0, sizeof *l);
                snprintf(l->line.feedetl_sn, sizeof l->line.feedetl_sn, "%zu", nl);
                memcpy(l->line.med_list_codg, codes[i], sizeof l->line.med_list_codg);
                l->line.fee_ocur_time = vis.visit.begntime + (yb_datetime)(r * 3600 + i * 60);
                l->line.cnt = (yb_qty)(1 + r) * YB_QTY_ONE;
                l->line.pric = 12 * YB_PRICE_ONE;
                l->line.sumamt = 1200 * (1 + r);
                l->prd_days = 7;
                l->name = "导管";
                nl++;
            }
        vis.lines = lines;
        vis.n_lines = nl;
        chk c = {nl, 0};
        yb_err e;
        yb_err_clear(&e);
        if (yb_audit_visit_run(a, h, &vis, check_hit, &c, &e) != YB_OK) abort();
    }
    yb_audit_history_free(h);
    yb_auditor_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/yb_fuzz_rules_XXXXXX");
        if (!mkdtemp(dir)) abort();
    }
    if (size < 1) return 0;
    const char *m = manifests[data[0] % NMAN];
    const uint8_t *body = data + 1;
    size_t n = size - 1;
    const uint8_t *nul = memchr(body, 0, n);
    size_t na = nul ? (size_t)(nul - body) : n;
    if (m) {
        put("manifest.csv", (const uint8_t *)m, strlen(m));
        put("a.csv", body, na);
        put("b.csv", nul ? nul + 1 : body, nul ? n - na - 1 : 0);
    } else {
        put("manifest.csv", body, na);
        put("a.csv", nul ? nul + 1 : body, nul ? n - na - 1 : 0);
        char p[128];
        snprintf(p, sizeof p, "%s/b.csv", dir);
        unlink(p);   /* no file left over from an earlier input */
    }
    yb_audit_ruleset *rs = NULL;
    yb_err e;
    yb_err_clear(&e);
    yb_rc rc = yb_audit_ruleset_load(dir, &rs, &e);
    if (rc == YB_OK) {
        if (!rs || e.rc != YB_OK) abort();
        run_engine(rs, body, n);
        yb_audit_ruleset_free(rs);
    } else if (rs || e.rc == YB_OK) {
        abort();
    }
    return 0;
}
