/*
 * cmd_verify_log.c — `yibao verify-log [--db PATH]`: walk the audit log's hash chain.
 *
 * Prints "audit log: N entries, chain holds, head HASH" and exits 0, or names the first entry that
 * is wrong (edited, missing, out of order, cut off the end) and exits 1. Keep the printed head
 * somewhere else too: it proves later that nothing before it was rewritten.
 */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/db_args.h"
#include "yibao/alog.h"

int cmd_verify_log(int argc, char **argv) {
    static const char usage[] = "usage: yibao verify-log [--db PATH]";
    struct cli_db_args a;
    int rc = cli_db_args(argc, argv, "--db", usage, &a);
    if (rc) return rc;
    if (a.npos) return cli_usage("%s", usage);
    yb_db *db;
    if ((rc = cli_db_open(&a, 0, &db))) return rc;
    yb_err e;
    yb_err_clear(&e);
    yb_alog_report r;
    yb_rc x = yb_alog_verify(db, &r, &e);
    yb_db_close(db);
    if (x) return cli_error(&e);
    if (r.bad_seq) {
        printf("audit log: BROKEN at entry %lld: %s (%lld entries before it hold)\n", r.bad_seq, r.problem, r.entries);
        return 1;
    }
    printf("audit log: %lld entries, chain holds, head %s\n", r.entries, r.entries ? r.head : "-");
    return 0;
}
