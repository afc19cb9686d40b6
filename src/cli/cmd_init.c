/*
 * cmd_init.c — `yibao init [--db PATH]`: create the database (and its directory, var/ by default),
 * or bring an older one up to this program's schema. Running it again is harmless.
 */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/db_args.h"

int cmd_init(int argc, char **argv) {
    static const char usage[] = "usage: yibao init [--db PATH]";
    struct cli_db_args a;
    int rc = cli_db_args(argc, argv, "--db", usage, &a);
    if (rc) return rc;
    if (a.npos) return cli_usage("%s", usage);
    yb_db *db;
    if ((rc = cli_db_open(&a, 1, &db))) return rc;
    printf("database %s ready (schema version %d)\n", cli_db_path(a.db), yb_db_version(db));
    yb_db_close(db);
    return 0;
}
