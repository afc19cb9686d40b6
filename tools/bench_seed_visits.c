/*
 * bench_seed_visits.c — registered outpatient visits with uploaded fee lines, for bench/bench_serve.sh.
 *
 *   build-dir/bench_seed_visits --persons-csv FILE [--persons N]
 *   build-dir/bench_seed_visits --db PATH --fix CODE --visits N --out FILE [--persons N] [--start K]
 *                               [--lines MAX] [--seed S]
 *
 * The first form writes the persons file of the benchmark (load it with `yibao load persons`):
 * N synthetic persons BP00000000.. of area 360100 — three in four employees (310, some retired, some
 * civil servants, with an account balance), one in four residents (390). No ID numbers, no names.
 *
 * The second form signs institution CODE in (9001), then for each of N visits sends 2201 (register an
 * outpatient visit of a person drawn at random among the N persons) and 2204 (upload 1..MAX fee lines
 * of codes drawn from the loaded catalogue, priced around their cap), all through yb_fsi_handle — the
 * same code path as `yibao serve`, with real envelopes — on the database the server will use. Nothing
 * is written behind the services' back; only this connection's own durability is relaxed
 * (synchronous=OFF): a crash while seeding loses seed data, never acknowledged settlements.
 *
 * FILE gets one line per visit, what a 2207 of that visit needs:
 *   mdtrt_id psn_no insutype acct_used_flag sign_no medfee_sumamt fulamt_ownpay_amt overlmt_selfpay
 *   preselfpay_amt inscp_scp_amt
 * the five totals (yuan, 2 decimals) being the sums of the split the 2204 reply returned, as a
 * hospital system declares them. --start makes visit indexes (and so dates and persons) continue
 * from an earlier call. The last line on stdout is "seeded N visits (L fee lines) in S s: R visits/s".
 *
 * The third form is the server's writer without HTTP, for profiling (perf, callgrind):
 *   build-dir/bench_seed_visits --db PATH --fix CODE --settle FILE [--group G] [--durable]
 * sends a 2207 for each visit of FILE (the same body as bench/serve/settle.lua) through yb_fsi_handle,
 * G requests (default 16) in one group transaction as `yibao serve` commits them; synchronous=OFF
 * unless --durable (then FULL; the server commits with NORMAL and syncs the WAL on another thread),
 * with the server's page cache, in-memory statement journals and WAL-gathering VFS (environment
 * YB_NO_WALBUF=1: without that VFS, to compare). Any reply other than infcode 0 stops it. The last
 * line is "settled N visits in S s: R settlements/s".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "yibao/fsi.h"
#include "yibao/json_num.h"
#include "yibao/service.h"

#define AREA "360100"
#define MAX_PERSONS 10000000L
#define MAX_VISITS 100000000L
#define MAX_LINES 40
#define MAX_CODES 4096

static uint64_t mix64(uint64_t z) {
    z += UINT64_C(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* ---------------------------------------------------------------- persons */

typedef struct person {
    char psn_no[16];
    const char *insutype, *psn_type;
    int cvl, gend;
    int by, bm, bd;       /* birth date */
    yb_fen balc;
} person;

static void person_make(long j, person *p) {
    uint64_t r = mix64((uint64_t)j * 2 + 1);
    snprintf(p->psn_no, sizeof p->psn_no, "BP%08ld", j);
    int employee = j % 4 != 3;
    int retired = employee && (r % 10) < 3;
    p->cvl = employee && (r >> 8) % 20 == 0;
    p->insutype = employee ? "310" : "390";
    p->psn_type = !employee ? "1501" : retired ? (p->cvl ? "1202" : "1201") : (p->cvl ? "1102" : "1101");
    p->gend = 1 + (int)((r >> 16) & 1);
    p->by = retired ? 1940 + (int)((r >> 20) % 20) : 1960 + (int)((r >> 20) % 45);
    p->bm = 1 + (int)((r >> 28) % 12);
    p->bd = 1 + (int)((r >> 32) % 28);
    p->balc = employee ? (yb_fen)(20000 + (r >> 40) % 300000) : 0; /* 200.00 .. 3199.99 yuan */
}

static int write_persons(const char *path, long n) {
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "bench_seed_visits: cannot write %s\n", path);
        return 1;
    }
    fprintf(f, "psn_no,certno,psn_name,gend,brdy,insutype,psn_type,cvlserv_flag,sp_psn_type,insu_admdvs,balc\n");
    for (long j = 0; j < n; j++) {
        person p;
        char b[32];
        person_make(j, &p);
        fprintf(f, "%s,,,%d,%04d-%02d-%02d,%s,%s,%d,,%s,%s\n", p.psn_no, p.gend, p.by, p.bm, p.bd, p.insutype, p.psn_type,
                p.cvl, AREA, yb_fen_fmt(p.balc, b));
    }
    if (fclose(f)) {
        fprintf(stderr, "bench_seed_visits: write error on %s\n", path);
        return 1;
    }
    printf("wrote %ld persons to %s\n", n, path);
    return 0;
}

/* ---------------------------------------------------------------- visits */

typedef struct code {
    const char *codg;
    yb_price cap;   /* class-3 cap, -1 none */
} code;

typedef struct seeder {
    yb_fsi fsi;
    char fix[32], sign_no[40];
    code codes[MAX_CODES];
    size_t n_codes;
    long persons, max_lines;
    uint64_t seed;
    yb_date year0;  /* 2025-01-01: visits are spread over that year */
} seeder;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The catalogue entries valid in every area and on every day of 2025 (the visits' year). */
static int pick_codes(seeder *s) {
    const yb_catalog *c = s->fsi.rd->catalog;
    yb_date end;
    yb_date_make(2025, 12, 31, &end);
    for (size_t i = 0; c && i < yb_catalog_count(c) && s->n_codes < MAX_CODES; i++) {
        const yb_cat_entry *e = yb_catalog_at(c, i);
        if (e->begndate > s->year0 || e->enddate < end || (e->admdvs[0] && strcmp(e->admdvs, AREA))) continue;
        if (yb_catalog_find(c, e->code, AREA, s->year0) != e || yb_catalog_find(c, e->code, AREA, end) != e) continue;
        s->codes[s->n_codes].codg = e->code;
        s->codes[s->n_codes].cap = e->cap[3];
        s->n_codes++;
    }
    if (!s->n_codes) {
        fprintf(stderr, "bench_seed_visits: no catalogue entry valid through 2025 in %s (load data/demo/catalog.csv)\n", AREA);
        return 1;
    }
    return 0;
}

/* The interface envelope around input (malloc'd, *len its length; NULL when out of memory). */
static char *envelope(const seeder *s, const char *infno, const char *msgid, const char *sign_no, const char *input,
                      size_t *len) {
    size_t cap = strlen(input) + 512;
    char *body = malloc(cap);
    if (!body) return NULL;
    int n = snprintf(body, cap,
                     "{\"infno\":\"%s\",\"msgid\":\"%s\",\"mdtrtarea_admvs\":\"" AREA "\",\"insuplc_admdvs\":\"" AREA "\","
                     "\"recer_sys_code\":\"YBXT\",\"infver\":\"V1.0\",\"opter_type\":\"1\",\"opter\":\"1001\","
                     "\"opter_name\":\"bench\",\"inf_time\":\"2025-06-01 09:00:00\",\"fixmedins_code\":\"%s\","
                     "\"fixmedins_name\":\"bench\",\"sign_no\":\"%s\",\"input\":%s}",
                     infno, msgid, s->fix, sign_no, input);
    *len = (size_t)n;
    return body;
}

/* One interface call; the reply is parsed into *out (caller puts it). */
static int call(seeder *s, const char *infno, const char *msgid, const char *input, json_object **out) {
    size_t n;
    char *body = envelope(s, infno, msgid, s->sign_no, input, &n);
    if (!body) return 1;
    char *reply = NULL;
    yb_rc rc = yb_fsi_handle(&s->fsi, body, n, NULL, &reply);
    free(body);
    yb_err e;
    yb_err_clear(&e);
    json_object *o = NULL;
    if (reply && yb_json_parse(reply, strlen(reply), "reply", &o, &e) == YB_OK && rc == YB_OK) {
        free(reply);
        *out = o;
        return 0;
    }
    /* the reply names the field and value; the values here are synthetic */
    json_object *m = NULL;
    fprintf(stderr, "bench_seed_visits: %s refused: %s\n", infno,
            o && json_object_object_get_ex(o, "err_msg", &m) ? json_object_get_string(m) : reply ? reply : "(no reply)");
    if (o) json_object_put(o);
    free(reply);
    return 1;
}

static json_object *path_get(json_object *o, const char *a, const char *b, const char *c) {
    const char *k[3] = {a, b, c};
    for (int i = 0; i < 3 && o && k[i]; i++)
        if (!json_object_object_get_ex(o, k[i], &o)) return NULL;
    return o;
}

static int sign_in(seeder *s) {
    json_object *o;
    char msgid[64];
    snprintf(msgid, sizeof msgid, "%sBSIGN%lld", s->fix, (long long)time(NULL));
    if (call(s, "9001", msgid, "{\"signIn\":{\"opter_no\":\"1001\",\"mac\":\"\",\"ip\":\"127.0.0.1\"}}", &o)) return 1;
    json_object *v = path_get(o, "output", "signinoutb", "sign_no");
    snprintf(s->sign_no, sizeof s->sign_no, "%s", v ? json_object_get_string(v) : "");
    json_object_put(o);
    if (!s->sign_no[0]) {
        fprintf(stderr, "bench_seed_visits: 9001 answered without sign_no\n");
        return 1;
    }
    return 0;
}

/* Visit idx: 2201 + 2204; appends its line to out. *n_lines counts the fee lines. */
static int seed_one(seeder *s, long long idx, FILE *out, long *n_lines) {
    uint64_t r = mix64(s->seed ^ mix64((uint64_t)idx));
    person p;
    person_make((long)(r % (uint64_t)s->persons), &p);
    int y, m, d;
    yb_date_ymd(s->year0 + (yb_date)((r >> 24) % 365), &y, &m, &d);
    int hh = 8 + (int)((r >> 34) % 10), mi = (int)((r >> 40) % 60);
    char begn[24], input[16384], msgid[64];
    snprintf(begn, sizeof begn, "%04d-%02d-%02d %02d:%02d:00", y, m, d, hh, mi);
    snprintf(input, sizeof input,
             "{\"data\":{\"psn_no\":\"%s\",\"insutype\":\"%s\",\"begntime\":\"%s\",\"mdtrt_cert_type\":\"01\","
             "\"ipt_otp_no\":\"OP%lld\"}}",
             p.psn_no, p.insutype, begn, idx);
    snprintf(msgid, sizeof msgid, "%sB%sR%012lld", s->fix, s->sign_no, idx);
    json_object *o;
    if (call(s, "2201", msgid, input, &o)) return 1;
    json_object *v = path_get(o, "output", "data", "mdtrt_id");
    char mdtrt[YB_ID_MAX];
    snprintf(mdtrt, sizeof mdtrt, "%s", v ? json_object_get_string(v) : "");
    json_object_put(o);
    if (!mdtrt[0]) {
        fprintf(stderr, "bench_seed_visits: 2201 answered without mdtrt_id\n");
        return 1;
    }

    int nl = 1 + (int)((r >> 48) % (uint64_t)s->max_lines);
    size_t used = (size_t)snprintf(input, sizeof input, "{\"feedetail\":[");
    for (int i = 0; i < nl; i++) {
        uint64_t q = mix64(r + (uint64_t)i + 1);
        const code *c = &s->codes[q % s->n_codes];
        /* price in fen: 80..109 % of the class-3 cap when there is one, else 1.00 .. 200.00 yuan */
        yb_fen pric = c->cap > 0 ? (yb_fen)(c->cap / 10000 * (80 + (int64_t)((q >> 20) % 30)) / 100)
                                 : (yb_fen)(100 + (q >> 20) % 19901);
        if (pric < 1) pric = 1;
        int cnt = 1 + (int)((q >> 40) % 3);
        char pb[32], sb[32];
        used += (size_t)snprintf(input + used, sizeof input - used,
                                 "%s{\"feedetl_sn\":\"%d\",\"mdtrt_id\":\"%s\",\"psn_no\":\"%s\",\"chrg_bchno\":\"B1\","
                                 "\"fee_ocur_time\":\"%s\",\"med_list_codg\":\"%s\",\"cnt\":%d,\"pric\":%s,"
                                 "\"det_item_fee_sumamt\":%s}",
                                 i ? "," : "", i + 1, mdtrt, p.psn_no, begn, c->codg, cnt, yb_fen_fmt(pric, pb),
                                 yb_fen_fmt(pric * cnt, sb));
        if (used >= sizeof input - 16) {
            fprintf(stderr, "bench_seed_visits: fee upload longer than %zu bytes\n", sizeof input);
            return 1;
        }
    }
    snprintf(input + used, sizeof input - used, "]}");
    snprintf(msgid, sizeof msgid, "%sB%sF%012lld", s->fix, s->sign_no, idx);
    if (call(s, "2204", msgid, input, &o)) return 1;
    /* the declared totals of the 2207: the sums of the split this upload returned */
    static const char *const keys[5] = {"det_item_fee_sumamt", "fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt",
                                        "inscp_scp_amt"};
    yb_fen tot[5] = {0, 0, 0, 0, 0};
    json_object *res = path_get(o, "output", "result", NULL);
    size_t nres = res && json_object_get_type(res) == json_type_array ? json_object_array_length(res) : 0;
    yb_err e;
    yb_err_clear(&e);
    for (size_t i = 0; i < nres; i++) {
        json_object *line = json_object_array_get_idx(res, i);
        for (int k = 0; k < 5; k++) {
            json_object *x = NULL;
            yb_fen a = 0;
            if (!json_object_object_get_ex(line, keys[k], &x) || yb_json_money(x, keys[k], 0, &a, &e)) {
                fprintf(stderr, "bench_seed_visits: 2204 reply without a valid %s\n", keys[k]);
                json_object_put(o);
                return 1;
            }
            tot[k] += a;
        }
    }
    json_object_put(o);
    if ((int)nres != nl) {
        fprintf(stderr, "bench_seed_visits: 2204 answered %zu lines for %d\n", nres, nl);
        return 1;
    }
    *n_lines += nl;
    char t[5][32];
    for (int k = 0; k < 5; k++) yb_fen_fmt(tot[k], t[k]);
    /* accounts pay for employees (310 has an account in the demo policy) */
    fprintf(out, "%s %s %s %s %s %s %s %s %s %s\n", mdtrt, p.psn_no, p.insutype, strcmp(p.insutype, "310") ? "0" : "1",
            s->sign_no, t[0], t[1], t[2], t[3], t[4]);
    return 0;
}

typedef struct settle_group {
    seeder *s;
    char **bodies;
    size_t *lens;
    long n;
    int bad;
} settle_group;

static void settle_pass(void *arg) {
    settle_group *g = arg;
    g->bad = 0;
    for (long i = 0; i < g->n && !g->bad; i++) {
        char *reply = NULL;
        yb_fsi_handle(&g->s->fsi, g->bodies[i], g->lens[i], NULL, &reply);
        if (!reply || !strstr(reply, "\"infcode\":0")) {
            fprintf(stderr, "bench_seed_visits: 2207 refused: %.300s\n", reply ? reply : "(no reply)");
            g->bad = 1;
        }
        free(reply);
    }
}

/* The writer's work for each visit of the pool file, in groups of `group`. */
static int settle_pool(seeder *s, const char *pool, long group) {
    FILE *in = fopen(pool, "r");
    if (!in) {
        fprintf(stderr, "bench_seed_visits: cannot read %s\n", pool);
        return 1;
    }
    char line[1024];
    char **bodies = calloc((size_t)group, sizeof *bodies);
    size_t *lens = calloc((size_t)group, sizeof *lens);
    long done = 0, n = 0;
    int bad = !bodies || !lens, eof = 0;
    double t0 = now_s();
    while (!bad && !eof) {
        n = 0;
        while (n < group) {
            if (!fgets(line, sizeof line, in)) {
                eof = 1;
                break;
            }
            char f[10][64];
            if (sscanf(line, "%63s %63s %63s %63s %63s %63s %63s %63s %63s %63s", f[0], f[1], f[2], f[3], f[4], f[5], f[6],
                       f[7], f[8], f[9]) != 10) {
                fprintf(stderr, "bench_seed_visits: %s: malformed line %ld\n", pool, done + n + 1);
                bad = 1;
                break;
            }
            char input[1024], msgid[64];
            snprintf(input, sizeof input,
                     "{\"data\":{\"psn_no\":\"%s\",\"mdtrt_id\":\"%s\",\"insutype\":\"%s\",\"acct_used_flag\":\"%s\","
                     "\"medfee_sumamt\":%s,\"fulamt_ownpay_amt\":%s,\"overlmt_selfpay\":%s,\"preselfpay_amt\":%s,"
                     "\"inscp_scp_amt\":%s}}",
                     f[1], f[0], f[2], f[3], f[5], f[6], f[7], f[8], f[9]);
            snprintf(msgid, sizeof msgid, "%sW%012ld", s->fix, done + n);
            free(bodies[n]);
            bodies[n] = envelope(s, "2207", msgid, f[4], input, &lens[n]);
            if (!bodies[n]) bad = 1;
            n++;
        }
        if (bad || !n) break;
        yb_err e;
        yb_err_clear(&e);
        settle_group g = {s, bodies, lens, n, 0};
        yb_rc rc = yb_db_group_run(s->fsi.db, settle_pass, &g, NULL, &e); /* as the server's writer */
        if (g.bad) bad = 1;
        if (rc) {
            char msg[600];
            fprintf(stderr, "bench_seed_visits: %s\n", yb_err_fmt(&e, msg, sizeof msg));
            bad = 1;
        }
        done += n;
    }
    double dt = now_s() - t0;
    for (long i = 0; bodies && i < group; i++) free(bodies[i]);
    free(bodies);
    free(lens);
    fclose(in);
    if (!bad) printf("settled %ld visits in %.2f s: %.0f settlements/s\n", done, dt, dt > 0 ? (double)done / dt : 0.0);
    return bad;
}

static int parse_long(const char *v, long lo, long hi, long *out) {
    char *end;
    long n = v ? strtol(v, &end, 10) : 0;
    if (!v || !*v || *end || n < lo || n > hi) return 1;
    *out = n;
    return 0;
}

static int usage(void) {
    fprintf(stderr, "usage: bench_seed_visits --persons-csv FILE [--persons N]\n"
                    "       bench_seed_visits --db PATH --fix CODE --visits N --out FILE [--persons N] [--start K]"
                    " [--lines MAX] [--seed S]\n"
                    "       bench_seed_visits --db PATH --fix CODE --settle FILE [--group G] [--durable]\n");
    return 2;
}

int main(int argc, char **argv) {
    const char *db_path = NULL, *out_path = NULL, *persons_csv = NULL, *fix = NULL, *settle = NULL;
    long persons = 20000, visits = -1, start = 0, max_lines = 6, seed = 2025, group = 16;
    int durable = 0;
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--durable")) {
            durable = 1;
            i--;
            continue;
        }
        if (!v) return usage();
        if (!strcmp(a, "--db")) db_path = v;
        else if (!strcmp(a, "--out")) out_path = v;
        else if (!strcmp(a, "--persons-csv")) persons_csv = v;
        else if (!strcmp(a, "--fix")) fix = v;
        else if (!strcmp(a, "--settle")) settle = v;
        else if (!strcmp(a, "--group") && !parse_long(v, 1, 512, &group)) continue;
        else if (!strcmp(a, "--persons") && !parse_long(v, 1, MAX_PERSONS, &persons)) continue;
        else if (!strcmp(a, "--visits") && !parse_long(v, 0, MAX_VISITS, &visits)) continue;
        else if (!strcmp(a, "--start") && !parse_long(v, 0, MAX_VISITS * 100, &start)) continue;
        else if (!strcmp(a, "--lines") && !parse_long(v, 1, MAX_LINES, &max_lines)) continue;
        else if (!strcmp(a, "--seed") && !parse_long(v, 0, 0x7fffffffL, &seed)) continue;
        else return usage();
    }
    if (persons_csv) return write_persons(persons_csv, persons);
    if (!db_path || !fix || strlen(fix) > 20 || (!settle && (!out_path || visits < 0))) return usage();

    static seeder s;
    snprintf(s.fix, sizeof s.fix, "%s", fix);
    s.persons = persons;
    s.max_lines = max_lines;
    s.seed = (uint64_t)seed;
    yb_date_make(2025, 1, 1, &s.year0);
    yb_err e;
    yb_err_clear(&e);
    yb_refdata *rd = NULL;
    char msg[600];
    if (!getenv("YB_NO_WALBUF")) yb_db_buffer_wal(); /* as the server does */
    yb_rc rc = yb_db_open(db_path, 0, &s.fsi.db, &e);
    /* this connection only: seed data need not be durable (see the comment at the top) */
    if (!rc) rc = yb_db_exec(s.fsi.db, durable ? "PRAGMA synchronous=FULL; PRAGMA cache_size=-131072; PRAGMA temp_store=MEMORY"
                : "PRAGMA synchronous=OFF; PRAGMA cache_size=-131072; PRAGMA temp_store=MEMORY", &e);
    if (!rc) rc = yb_store_load_refdata(s.fsi.db, &rd, &e);
    if (rc) {
        fprintf(stderr, "bench_seed_visits: %s\n", yb_err_fmt(&e, msg, sizeof msg));
        yb_db_close(s.fsi.db);
        return 1;
    }
    s.fsi.rd = rd;
    snprintf(s.fsi.area, sizeof s.fsi.area, "%s", rd->n_policies ? rd->policies[0]->admdvs : "000000");
    if (settle) {
        snprintf(s.sign_no, sizeof s.sign_no, "-"); /* each pool line names its own */
        int bad = settle_pool(&s, settle, group);
        yb_refdata_free(rd);
        yb_db_close(s.fsi.db);
        return bad;
    }
    FILE *out = NULL;
    int bad = pick_codes(&s) || sign_in(&s);
    if (!bad && !(out = fopen(out_path, "w"))) {
        fprintf(stderr, "bench_seed_visits: cannot write %s\n", out_path);
        bad = 1;
    }
    double t0 = now_s();
    long n_lines = 0, done = 0;
    for (; !bad && done < visits; done++) bad = seed_one(&s, start + done, out, &n_lines);
    if (out && fclose(out)) {
        fprintf(stderr, "bench_seed_visits: write error on %s\n", out_path);
        bad = 1;
    }
    double dt = now_s() - t0;
    if (!bad)
        printf("seeded %ld visits (%ld fee lines) in %.1f s: %.0f visits/s\n", done, n_lines, dt, dt > 0 ? (double)done / dt : 0.0);
    yb_refdata_free(rd);
    yb_db_close(s.fsi.db);
    return bad;
}
