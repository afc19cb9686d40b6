/*
 * cmd_reverse.c — `yibao reverse SETL_ID [--psn PSN_NO] [--db PATH]`: reverse one settlement
 * (accumulators and balance restored exactly, a negative settlement row written) and print the
 * negative setlinfo as the interface's reply JSON. A refused reversal changes nothing.
 */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/db_args.h"
#include "yibao/service.h"

int cmd_reverse(int argc, char **argv) {
    static const char usage[] = "usage: yibao reverse SETL_ID [--psn PSN_NO] [--db PATH]";
    struct cli_db_args a;
    int rc = cli_db_args(argc, argv, "--db --psn", usage, &a);
    if (rc) return rc;
    if (a.npos != 1) return cli_usage("%s", usage);
    yb_db *db;
    if ((rc = cli_db_open(&a, 0, &db))) return rc;
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
