/*
 * cmd_db.c — `yibao init`, `yibao load`, `yibao show person`, `yibao reverse`, `yibao settle-json`:
 * the commands that work on the database through the services.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "yibao/fileio.h"
#include "yibao/service.h"

/* Split argv into --db and positional arguments; flags listed in `bool_flags` take no value. */
struct args {
    const char *db;
    const char *pos[8];
    int npos;
    int pre;
    const char *psn;
};

static int parse_args(int argc, char **argv, struct args *a) {
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc) a->db = argv[++i];
        else if (!strcmp(argv[i], "--psn") && i + 1 < argc) a->psn = argv[++i];
        else if (!strcmp(argv[i], "--pre")) a->pre = 1;
        else if (argv[i][0] == '-' && argv[i][1] == '-') return cli_usage("unknown option '%s'", argv[i]);
        else if (a->npos < 8) a->pos[a->npos++] = argv[i];
        else return cli_usage("too many arguments");
    }
    return 0;
}

static int open_db(const struct args *a, int create, yb_db **db) {
    yb_err e;
    yb_err_clear(&e);
    if (yb_db_open(cli_db_path(a->db), create, db, &e)) return cli_error(&e);
    return 0;
}

int cmd_init(int argc, char **argv) {
    struct args a;
    int rc = parse_args(argc, argv, &a);
    if (rc) return rc;
    if (a.npos) return cli_usage("usage: yibao init [--db PATH]");
    yb_db *db;
    if ((rc = open_db(&a, 1, &db))) return rc;
    printf("database %s ready (schema version %d)\n", cli_db_path(a.db), yb_db_version(db));
    yb_db_close(db);
    return 0;
}

int cmd_load(int argc, char **argv) {
    struct args a;
    int rc = parse_args(argc, argv, &a);
    if (rc) return rc;
    if (a.npos != 2) return cli_usage("usage: yibao load policy|catalog|persons|institutions FILE [--db PATH]");
    yb_rc (*fn)(yb_db *, const char *, yb_load_stats *, yb_err *) = NULL;
    if (!strcmp(a.pos[0], "policy")) fn = yb_svc_load_policy;
    else if (!strcmp(a.pos[0], "catalog")) fn = yb_svc_load_catalog;
    else if (!strcmp(a.pos[0], "persons")) fn = yb_svc_load_persons;
    else if (!strcmp(a.pos[0], "institutions")) fn = yb_svc_load_institutions;
    else return cli_usage("cannot load '%s': policy, catalog, persons or institutions", a.pos[0]);
    yb_db *db;
    if ((rc = open_db(&a, 0, &db))) return rc;
    yb_err e;
    yb_err_clear(&e);
    yb_load_stats st;
    yb_rc r = fn(db, a.pos[1], &st, &e);
    yb_db_close(db);
    if (r) return cli_error(&e);
    printf("loaded %s %s: %zu rows, %zu new, %zu updated, %zu unchanged\n", a.pos[0], a.pos[1], st.rows, st.inserted,
           st.updated, st.rows - st.inserted - st.updated);
    return 0;
}

int cmd_show(int argc, char **argv) {
    struct args a;
    int rc = parse_args(argc, argv, &a);
    if (rc) return rc;
    if (a.npos != 2 || strcmp(a.pos[0], "person")) return cli_usage("usage: yibao show person PSN_NO [--db PATH]");
    yb_db *db;
    if ((rc = open_db(&a, 0, &db))) return rc;
    yb_err e;
    yb_err_clear(&e);
    char *json = NULL;
    yb_rc r = yb_svc_show_person(db, a.pos[1], &json, &e);
    yb_db_close(db);
    if (r) return cli_error(&e);
    puts(json);
    free(json);
    return 0;
}

int cmd_reverse(int argc, char **argv) {
    struct args a;
    int rc = parse_args(argc, argv, &a);
    if (rc) return rc;
    if (a.npos != 1) return cli_usage("usage: yibao reverse SETL_ID [--psn PSN_NO] [--db PATH]");
    yb_db *db;
    if ((rc = open_db(&a, 0, &db))) return rc;
    yb_err e;
    yb_err_clear(&e);
    yb_settle_result res;
    yb_rc r = yb_svc_reverse(db, a.pos[0], a.psn, &res, &e);
    yb_db_close(db);
    if (r) return cli_error(&e);
    puts(res.reply);
    yb_settle_result_release(&res);
    return 0;
}

int cmd_settle_json(int argc, char **argv) {
    struct args a;
    int rc = parse_args(argc, argv, &a);
    if (rc) return rc;
    if (a.npos != 1) return cli_usage("usage: yibao settle-json FILE|- [--pre] [--db PATH]");
    yb_err e;
    yb_err_clear(&e);
    size_t len = 0;
    char *body = yb_file_read(a.pos[0], (size_t)32 << 20, &len, &e);
    if (!body) return cli_error(&e);
    yb_db *db = NULL;
    yb_refdata *rd = NULL;
    yb_visit_doc doc;
    memset(&doc, 0, sizeof doc);
    yb_settle_result res;
    memset(&res, 0, sizeof res);
    yb_rc r = yb_db_open(cli_db_path(a.db), 0, &db, &e);
    if (!r) r = yb_store_load_refdata(db, &rd, &e);
    if (!r) r = yb_visit_doc_parse(body, len, a.pos[0], &doc, &e);
    if (!r) r = yb_svc_settle(db, rd, &doc, body, len, a.pre, &res, &e);
    if (r) {
        char *reply = yb_reply_error(&e, doc.msgid);
        if (reply) puts(reply);
        free(reply);
        rc = cli_error(&e);
    } else {
        puts(res.reply);
        rc = 0;
    }
    yb_settle_result_release(&res);
    yb_visit_doc_release(&doc);
    yb_refdata_free(rd);
    yb_db_close(db);
    free(body);
    return rc;
}
