/*
 * cmd_load.c — `yibao load policy|catalog|persons|institutions FILE [--db PATH]`: one file, one
 * transaction (a bad row loads nothing). Prints what was loaded; loading a file again updates the
 * rows it names (see service.h), which the counts show as "updated" or "unchanged".
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/db_args.h"
#include "yibao/service.h"

int cmd_load(int argc, char **argv) {
    static const char usage[] = "usage: yibao load policy|catalog|persons|institutions FILE [--db PATH]";
    struct cli_db_args a;
    int rc = cli_db_args(argc, argv, "--db", usage, &a);
    if (rc) return rc;
    if (a.npos != 2) return cli_usage("%s", usage);
    static const struct {
        const char *what;
        yb_rc (*fn)(yb_db *, const char *, yb_load_stats *, yb_err *);
    } kinds[] = {
        {"policy", yb_svc_load_policy},
        {"catalog", yb_svc_load_catalog},
        {"persons", yb_svc_load_persons},
        {"institutions", yb_svc_load_institutions},
    };
    size_t k = 0;
    while (k < sizeof kinds / sizeof kinds[0] && strcmp(kinds[k].what, a.pos[0])) k++;
    if (k == sizeof kinds / sizeof kinds[0])
        return cli_usage("cannot load '%s': policy, catalog, persons or institutions", a.pos[0]);
    yb_db *db;
    if ((rc = cli_db_open(&a, 0, &db))) return rc;
    yb_err e;
    yb_err_clear(&e);
    yb_load_stats st;
    yb_rc r = kinds[k].fn(db, a.pos[1], &st, &e);
    yb_db_close(db);
    if (r) return cli_error(&e);
    printf("loaded %s %s: %zu rows, %zu new, %zu updated, %zu unchanged\n", a.pos[0], a.pos[1], st.rows, st.inserted,
           st.updated, st.rows - st.inserted - st.updated);
    return 0;
}
