/*
 * test_gen.c — the demo-city generator (`yibao gen`, src/cli/cmd_gen.c).
 *
 * Runs the real command entry point into temporary directories and checks what the generator
 * promises: same seed → byte-identical files, another seed → other files; headers equal the
 * national extract-table layouts; every certno is a valid GB 11643 number agreeing with gend and
 * brdy; every det_item_fee_sumamt equals round(cnt × pric) (recomputed here with plain 128-bit
 * arithmetic, not with money.h); fee times lie inside their visit; the mix has what the demo needs
 * (all hospital levels, the med_types, cross-region classes 1/2/3, lines outside the catalogue and
 * above the cap, visits in scrambled order); --lines-target gives at least that many lines.
 *
 * The command lives in the CLI, not in the library, so its source is compiled into this test.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli/cmd_gen.c"

#include "yibao/catalog.h"

#ifndef YB_SOURCE_DIR
#define YB_SOURCE_DIR "."
#endif
#define CATALOG YB_SOURCE_DIR "/data/demo/catalog.csv"

/* The CLI helpers of main.c (not linked into tests): same behaviour, quiet. */
int cli_error(const yb_err *e) {
    char buf[1024];
    fprintf(stderr, "yibao: error: %s\n", yb_err_fmt(e, buf, sizeof buf));
    return yb_rc_exit(e->rc);
}
int cli_usage(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return yb_rc_exit(YB_E_USAGE);
}

/* The national header lines, copied from the extract-table templates (mdtrt_d.csv, fee_list_d.csv). */
static const char MDTRT_HEADER[] =
    "mdtrt_id,medins_setl_id,psn_no,psn_insu_rlts_id,psn_cert_type,certno,psn_name,gend,naty,brdy,age,coner_name,"
    "tel,addr,insutype,psn_type,cvlserv_flag,cvlserv_lv,sp_psn_type,sp_psn_type_lv,clct_grde,flxempe_flag,nwb_flag,"
    "insu_admdvs,emp_no,emp_name,emp_type,econ_type,afil_indu,afil_rlts,emp_mgt_type,pay_loc,fixmedins_code,"
    "fixmedins_name,hosp_lv,fix_blng_admdvs,lmtpric_hosp_lv,dedc_hosp_lv,begntime,endtime,mdtrt_cert_type,"
    "mdtrt_cert_no,med_type,rloc_type,ars_year_ipt_flag,pre_pay_flag,year,refl_old_mdtrt_id,ipt_otp_no,medrcdno,"
    "chfpdr_code,adm_diag_dscr,adm_dept_codg,adm_dept_name,adm_bed,wardarea_bed,traf_dept_flag,dscg_maindiag_code,"
    "dscg_dept_codg,dscg_dept_name,dscg_bed,dscg_way,main_cond_dscr,dise_no,dise_name,oprn_oprt_code,"
    "oprn_oprt_name,otp_diag_info,inhosp_stas,die_date,ipt_days,geso_val,birctrl_type,fetts,fetus_cnt,matn_type,"
    "prey_time,latechb_flag,pret_flag,fpsc_no,birctrl_matn_date,cop_flag,trt_dcla_detl_sn,vali_flag,memo,rid,"
    "updt_time,crter_id,crter_name,crte_time,crte_optins_no,opter_id,opter_name,opt_time,optins_no,poolarea_no,"
    "chfpdr_name,dscg_maindiag_name,adm_caty,dscg_caty,ttp_pay_flag,ttp_pay_prop,dise_type_code,"
    "same_dise_adm_flag,quts_type,pt";
static const char FEE_HEADER[] =
    "bkkp_sn,mdtrt_id,fee_ocur_time,setl_id,rx_drord_no,fixmedins_code,fixmedins_name,psn_no,psn_insu_rlts_id,"
    "insu_admdvs,pay_loc,med_type,cnt,pric,det_item_fee_sumamt,pric_uplmt_amt,selfpay_prop,fulamt_ownpay_amt,"
    "overlmt_selfpay,preselfpay_amt,inscp_amt,cvlserv_bedfee_amt,medins_disc_amt,chrgitm_lv,hilist_code,"
    "hilist_name,list_type,med_list_codg,medins_list_codg,medins_list_name,med_chrgitm_type,prodname,spec,"
    "dosform_name,bilg_dept_codg,bilg_dept_name,bilg_dr_code,bilg_dr_name,acord_dept_codg,acord_dept_name,"
    "acord_dr_code,acord_dr_name,lmt_used_flag,hosp_prep_flag,hosp_appr_flag,tcmdrug_used_way,prodplac_type,"
    "bas_medn_flag,hi_nego_drug_flag,prcu_drug_flag,chld_medc_flag,etip_flag,etip_hosp_code,dscg_tkdrug_flag,"
    "list_sp_item_flag,matn_fee_flag,drt_reim_flag,reim_prop,oprn_oprt_code,sin_dos_dscr,used_frqu_dscr,prd_days,"
    "medc_way_dscr,memo,vali_flag,rid,updt_time,crter_id,crter_name,crte_time,crte_optins_no,opter_id,opter_name,"
    "opt_time,optins_no,poolarea_no,rx_circ_flag,dise_codg,chrg_bchno,init_feedetl_sn,comb_no,pt";

static const char *const FILES[] = {"persons.csv", "institutions.csv", "mdtrt_d.csv", "fee_list_d.csv",
                                    "balances.csv"};
#define NFILES 5

static char g_root[256];   /* temporary directory of this run */

static int run_gen(const char *sub, const char *const *extra, int nextra) {
    char out[512];
    snprintf(out, sizeof out, "%s/%s", g_root, sub);
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)"gen";
    argv[argc++] = (char *)"--out";
    argv[argc++] = out;
    argv[argc++] = (char *)"--catalog";
    argv[argc++] = (char *)CATALOG;
    for (int k = 0; k < nextra && argc < 31; k++) argv[argc++] = (char *)extra[k];
    argv[argc] = NULL;
    fflush(stdout);
    return cmd_gen(argc, argv);
}

static void path_of(char *buf, size_t cap, const char *sub, const char *file) {
    snprintf(buf, cap, "%s/%s/%s", g_root, sub, file);
}

/* FNV-1a 64 of a whole file; 0 when it cannot be read */
static uint64_t file_hash(const char *sub, const char *file) {
    char p[600];
    path_of(p, sizeof p, sub, file);
    FILE *f = fopen(p, "rb");
    if (!f) return 0;
    uint64_t h = UINT64_C(0xCBF29CE484222325);
    int c;
    while ((c = fgetc(f)) != EOF) h = (h ^ (unsigned char)c) * UINT64_C(0x100000001B3);
    fclose(f);
    return h;
}

static void first_line(const char *sub, const char *file, char *buf, size_t cap) {
    char p[600];
    path_of(p, sizeof p, sub, file);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    assert_non_null(fgets(buf, (int)cap, f));
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
}

static yb_csv *open_csv(const char *sub, const char *file) {
    char p[600];
    path_of(p, sizeof p, sub, file);
    yb_csv *c = NULL;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_csv_open(p, &c, &e), YB_OK);
    return c;
}

static int col(yb_csv *c, const char *name) {
    int i = yb_csv_col(c, name);
    assert_true(i >= 0);
    return i;
}

static const char *fld(yb_csv *c, int i) { return yb_csv_field(c, i, NULL); }

static void rm_tree(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        if (de->d_type == DT_DIR) rm_tree(p);
        else unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static int setup(void **state) {
    (void)state;
    snprintf(g_root, sizeof g_root, "/tmp/yb_test_gen.XXXXXX");
    if (!mkdtemp(g_root)) return -1;
    static const char *const a[] = {"--seed", "7", "--persons", "1500"};
    static const char *const c[] = {"--seed", "8", "--persons", "1500"};
    if (run_gen("a", a, 4) || run_gen("b", a, 4) || run_gen("c", c, 4)) return -1;
    return 0;
}

static int teardown(void **state) {
    (void)state;
    rm_tree(g_root);
    return 0;
}

static void test_same_seed_same_bytes(void **state) {
    (void)state;
    for (int k = 0; k < NFILES; k++) {
        uint64_t ha = file_hash("a", FILES[k]), hb = file_hash("b", FILES[k]);
        assert_true(ha != 0);
        assert_true(ha == hb);
    }
}

static void test_other_seed_other_bytes(void **state) {
    (void)state;
    /* institutions are the city's fixed list; everything about people and visits changes */
    assert_true(file_hash("a", "institutions.csv") == file_hash("c", "institutions.csv"));
    static const char *const differ[] = {"persons.csv", "mdtrt_d.csv", "fee_list_d.csv", "balances.csv"};
    for (int k = 0; k < 4; k++) assert_true(file_hash("a", differ[k]) != file_hash("c", differ[k]));
}

static void test_headers(void **state) {
    (void)state;
    char line[8192], want[8192];
    first_line("a", "mdtrt_d.csv", line, sizeof line);
    snprintf(want, sizeof want, "%s,acct_used_flag", MDTRT_HEADER);
    assert_string_equal(line, want);
    first_line("a", "fee_list_d.csv", line, sizeof line);
    assert_string_equal(line, FEE_HEADER);
    first_line("a", "persons.csv", line, sizeof line);
    assert_string_equal(line, "psn_no,certno,psn_name,gend,brdy,insutype,psn_type,cvlserv_flag,sp_psn_type,insu_admdvs,balc");
    first_line("a", "institutions.csv", line, sizeof line);
    assert_string_equal(line, "fixmedins_code,fixmedins_name,hosp_lv,admdvs,begndate,enddate");
    first_line("a", "balances.csv", line, sizeof line);
    assert_string_equal(line, "psn_no,insutype,balc");
    /* 106 national columns + acct_used_flag; 82 */
    yb_csv *c = open_csv("a", "mdtrt_d.csv");
    assert_int_equal(yb_csv_ncols(c), 107);
    yb_csv_close(c);
    c = open_csv("a", "fee_list_d.csv");
    assert_int_equal(yb_csv_ncols(c), 82);
    yb_csv_close(c);
}

static int str_cmp(const void *a, const void *b) { return strcmp(a, b); }

/* every certno valid, unique among persons, agreeing with gend and brdy; names are synthetic */
static void check_ids(const char *file, int unique) {
    yb_csv *c = open_csv("a", file);
    int ic = col(c, "certno"), ig = col(c, "gend"), ib = col(c, "brdy"), in = col(c, "psn_name");
    yb_err e;
    yb_date today;
    assert_int_equal(yb_date_make(2025, 1, 1, &today), YB_OK);
    size_t n = 0, cap = 4096;
    char (*seen)[20] = unique ? malloc(cap * sizeof *seen) : NULL;
    int r;
    while ((r = yb_csv_next(c, &e)) == 1) {
        size_t len;
        const char *cert = yb_csv_field(c, ic, &len);
        yb_date birth;
        int sex;
        yb_err_clear(&e);
        assert_int_equal(len, 18);
        assert_int_equal(yb_idcard_check(cert, len, today, &birth, &sex, &e), YB_OK);
        assert_int_equal(sex, fld(c, ig)[0] - '0');
        char bd[12];
        assert_string_equal(yb_date_fmt(birth, bd), fld(c, ib));
        assert_memory_equal(fld(c, in), "演示", strlen("演示"));
        if (unique) {
            if (n == cap) seen = realloc(seen, (cap *= 2) * sizeof *seen);
            snprintf(seen[n++], 20, "%s", cert);
        }
    }
    assert_int_equal(r, 0);
    yb_csv_close(c);
    if (unique) {
        assert_int_equal(n, 1500);
        qsort(seen, n, sizeof *seen, str_cmp);
        for (size_t k = 1; k < n; k++) assert_true(strcmp(seen[k - 1], seen[k]) != 0);
        free(seen);
    }
}

static void test_certno_valid(void **state) {
    (void)state;
    check_ids("persons.csv", 1);
    check_ids("mdtrt_d.csv", 0);
}

/* one visit as read back for cross-checks */
typedef struct visit {
    char id[40];
    yb_datetime b, e;
    char area[8], hosp_lv[4], med_type[8];
    int inpatient, nlines;
} visit;

static int visit_cmp(const void *a, const void *b) { return strcmp(((const visit *)a)->id, ((const visit *)b)->id); }

static visit *read_visits(const char *sub, size_t *nout) {
    yb_csv *c = open_csv(sub, "mdtrt_d.csv");
    int im = col(c, "mdtrt_id"), ib = col(c, "begntime"), ie = col(c, "endtime"), ia = col(c, "fix_blng_admdvs"),
        ih = col(c, "hosp_lv"), it = col(c, "med_type");
    size_t n = 0, cap = 1024;
    visit *v = malloc(cap * sizeof *v);
    yb_err e;
    while (yb_csv_next(c, &e) == 1) {
        if (n == cap) v = realloc(v, (cap *= 2) * sizeof *v);
        visit *x = &v[n++];
        memset(x, 0, sizeof *x);
        snprintf(x->id, sizeof x->id, "%s", fld(c, im));
        assert_int_equal(yb_datetime_parse(fld(c, ib), strlen(fld(c, ib)), &x->b), YB_OK);
        assert_int_equal(yb_datetime_parse(fld(c, ie), strlen(fld(c, ie)), &x->e), YB_OK);
        assert_true(x->b <= x->e);
        snprintf(x->area, sizeof x->area, "%s", fld(c, ia));
        snprintf(x->hosp_lv, sizeof x->hosp_lv, "%s", fld(c, ih));
        snprintf(x->med_type, sizeof x->med_type, "%s", fld(c, it));
        x->inpatient = x->med_type[0] == '2';
    }
    yb_csv_close(c);
    qsort(v, n, sizeof *v, visit_cmp);
    *nout = n;
    return v;
}

static void test_fee_lines(void **state) {
    (void)state;
    size_t nv;
    visit *v = read_visits("a", &nv);
    assert_true(nv > 1500);
    yb_catalog *cat = NULL;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_catalog_csv_load(CATALOG, &cat, &e), YB_OK);

    yb_csv *c = open_csv("a", "fee_list_d.csv");
    int im = col(c, "mdtrt_id"), it = col(c, "fee_ocur_time"), in = col(c, "cnt"), ip = col(c, "pric"),
        is = col(c, "det_item_fee_sumamt"), ic = col(c, "med_list_codg"), ih = col(c, "hilist_code"),
        isn = col(c, "bkkp_sn");
    long lines = 0, outside = 0, above = 0, unordered = 0;
    char prev[40] = "";
    int r;
    while ((r = yb_csv_next(c, &e)) == 1) {
        lines++;
        size_t len;
        const char *s = yb_csv_field(c, in, &len);
        yb_qty cnt;
        yb_price pric;
        yb_fen sum;
        assert_int_equal(yb_qty_parse(s, len, 0, &cnt), YB_OK);    /* at most 4 decimals */
        s = yb_csv_field(c, ip, &len);
        assert_int_equal(yb_price_parse(s, len, 0, &pric), YB_OK); /* at most 6 decimals */
        s = yb_csv_field(c, is, &len);
        assert_true(len >= 4 && s[len - 3] == '.');                 /* exactly 2 decimals */
        assert_int_equal(yb_fen_parse(s, len, 0, &sum), YB_OK);
        assert_true(cnt > 0 && pric > 0);
        /* round(cnt x pric) to the fen: cnt in 1/10^4, pric in 1/10^6, fen = 1/10^2, so
         * fen = (cnt x pric) / 10^8 rounded half up: add 5 x 10^7 and divide (all non-negative). */
        yb_i128 prod = (yb_i128)cnt * pric;
        int64_t want = (int64_t)((prod + 50000000) / 100000000);
        assert_int_equal(sum, want);
        assert_string_equal(fld(c, ic), fld(c, ih));
        /* the line belongs to a visit and happens inside it */
        visit key;
        snprintf(key.id, sizeof key.id, "%s", fld(c, im));
        visit *x = bsearch(&key, v, nv, sizeof *v, visit_cmp);
        assert_non_null(x);
        x->nlines++;
        assert_memory_equal(fld(c, isn), x->id, strlen(x->id));
        yb_datetime t;
        assert_int_equal(yb_datetime_parse(fld(c, it), strlen(fld(c, it)), &t), YB_OK);
        assert_true(x->b <= t && t <= x->e);
        /* outside the catalogue of the place of treatment on that day, or above the level's cap */
        const yb_cat_entry *ce = yb_catalog_find(cat, fld(c, ic), x->area, yb_datetime_date(t));
        if (!ce) outside++;
        else {
            int cls = class_of(x->hosp_lv);
            if (ce->cap[cls] >= 0 && pric > ce->cap[cls]) above++;
        }
        if (strcmp(prev, key.id) > 0) unordered++;
        snprintf(prev, sizeof prev, "%s", key.id);
    }
    assert_int_equal(r, 0);
    yb_csv_close(c);
    yb_catalog_free(cat);
    assert_true(lines > 5000);
    /* some lines of each kind, but few: 1.5 % off-catalogue drugs plus codes not valid on the day */
    assert_true(outside > lines / 200 && outside < lines / 10);
    assert_true(above > lines / 200 && above < lines / 5);
    assert_true(unordered > lines / 10); /* scrambled, not grouped by visit */
    /* visit sizes: outpatient 1..8 lines, day surgery 8..25, admissions 10..80 */
    for (size_t k = 0; k < nv; k++) {
        if (!v[k].inpatient) assert_true(v[k].nlines >= 1 && v[k].nlines <= 8);
        else if (!strcmp(v[k].med_type, "28")) assert_true(v[k].nlines >= 8 && v[k].nlines <= 25);
        else assert_true(v[k].nlines >= 10 && v[k].nlines <= 80);
    }
    free(v);
}

static void test_mix(void **state) {
    (void)state;
    /* every hospital level 01..14 among the institutions */
    int lv_seen[15] = {0};
    yb_csv *c = open_csv("a", "institutions.csv");
    int ih = col(c, "hosp_lv");
    yb_err e;
    while (yb_csv_next(c, &e) == 1) {
        const char *h = fld(c, ih);
        assert_true(strlen(h) == 2);
        int lv = (h[0] - '0') * 10 + (h[1] - '0');
        assert_true(lv >= 1 && lv <= 14);
        lv_seen[lv]++;
    }
    yb_csv_close(c);
    for (int lv = 1; lv <= 14; lv++) assert_true(lv_seen[lv] > 0);

    static const char *const med[] = {"11", "13", "14", "21", "24", "28"};
    long med_n[6] = {0}, rloc_n[4] = {0}, acct1 = 0, ins[2] = {0}, sp = 0, visits = 0, psn_desc = 0;
    char prev_psn[40] = "";
    c = open_csv("a", "mdtrt_d.csv");
    int im = col(c, "med_type"), ir = col(c, "rloc_type"), ia = col(c, "insu_admdvs"), ifa = col(c, "fix_blng_admdvs"),
        iac = col(c, "acct_used_flag"), ii = col(c, "insutype"), is = col(c, "sp_psn_type"), ip = col(c, "psn_no"),
        iy = col(c, "year"), id = col(c, "dscg_maindiag_code");
    while (yb_csv_next(c, &e) == 1) {
        visits++;
        for (int k = 0; k < 6; k++) med_n[k] += !strcmp(fld(c, im), med[k]);
        int cross = strcmp(fld(c, ia), fld(c, ifa)) != 0;
        const char *rl = fld(c, ir);
        if (cross) {
            assert_true(rl[0] >= '1' && rl[0] <= '3' && !rl[1]);
            rloc_n[rl[0] - '0']++;
        } else {
            assert_string_equal(rl, "");
            rloc_n[0]++;
        }
        if (!strcmp(fld(c, iac), "1")) {
            acct1++;
            assert_string_equal(fld(c, ii), "310"); /* only employees have an account */
        }
        ins[!strcmp(fld(c, ii), "390")]++;
        sp += fld(c, is)[0] != '\0';
        assert_string_equal(fld(c, iy), "2025");
        assert_true(strlen(fld(c, id)) >= 7);
        if (strcmp(prev_psn, fld(c, ip)) > 0) psn_desc++;
        snprintf(prev_psn, sizeof prev_psn, "%s", fld(c, ip));
    }
    yb_csv_close(c);
    for (int k = 0; k < 6; k++) assert_true(med_n[k] > 0);
    assert_true(med_n[0] > visits / 2);                   /* mostly ordinary outpatient */
    for (int k = 0; k < 4; k++) assert_true(rloc_n[k] > 0);
    assert_true(rloc_n[0] > visits * 8 / 10);             /* mostly local */
    assert_true(acct1 > 0 && ins[0] > 0 && ins[1] > 0 && sp > 0);
    assert_true(psn_desc > visits / 4);                   /* not sorted by person */
}

static void test_lines_target(void **state) {
    (void)state;
    static const char *const a[] = {"--seed", "3", "--lines-target", "20000"};
    assert_int_equal(run_gen("t", a, 4), 0);
    char p[600];
    path_of(p, sizeof p, "t", "fee_list_d.csv");
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    long nl = 0;
    int ch;
    while ((ch = fgetc(f)) != EOF) nl += ch == '\n';
    fclose(f);
    nl -= 1; /* header */
    /* at least the target; the overshoot is less than one person's lines (40 visits x 80) */
    assert_true(nl >= 20000);
    assert_true(nl < 20000 + 40 * 80);
}

static void test_usage_errors(void **state) {
    (void)state;
    char *no_out[] = {(char *)"gen", (char *)"--seed", (char *)"1", NULL};
    assert_int_equal(cmd_gen(3, no_out), yb_rc_exit(YB_E_USAGE));
    static const char *const both[] = {"--persons", "5", "--lines-target", "100"};
    assert_int_equal(run_gen("x", both, 4), yb_rc_exit(YB_E_USAGE));
    static const char *const bad_seed[] = {"--seed", "12x"};
    assert_int_equal(run_gen("x", bad_seed, 2), yb_rc_exit(YB_E_USAGE));
    static const char *const bad_area[] = {"--admdvs", "3601"};
    assert_int_equal(run_gen("x", bad_area, 2), yb_rc_exit(YB_E_USAGE));
    static const char *const zero[] = {"--persons", "0"};
    assert_int_equal(run_gen("x", zero, 2), yb_rc_exit(YB_E_USAGE));
    /* a missing catalogue is an I/O error naming the file, and no file is written */
    char out[512];
    snprintf(out, sizeof out, "%s/nocat", g_root);
    char *nocat[] = {(char *)"gen", (char *)"--out", out, (char *)"--catalog", (char *)"/nonexistent/catalog.csv", NULL};
    assert_int_equal(cmd_gen(5, nocat), yb_rc_exit(YB_E_IO));
    char p[600];
    path_of(p, sizeof p, "nocat", "persons.csv");
    assert_int_equal(access(p, F_OK), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_bytes), cmocka_unit_test(test_other_seed_other_bytes),
        cmocka_unit_test(test_headers),              cmocka_unit_test(test_certno_valid),
        cmocka_unit_test(test_fee_lines),            cmocka_unit_test(test_mix),
        cmocka_unit_test(test_lines_target),         cmocka_unit_test(test_usage_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
