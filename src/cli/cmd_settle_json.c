/*
 * cmd_settle_json.c — `yibao settle-json FILE|- [--pre] [--db PATH]`: settle (or with --pre,
 * pre-settle: nothing written) one visit given as a 2207-shaped JSON document. Prints the
 * interface reply; on any error prints the interface error reply ({"infcode":-1,...}) on stdout,
 * the error on stderr, and exits non-zero.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/db_args.h"
#include "yibao/fileio.h"
#include "yibao/service.h"

#define BODY_MAX ((size_t)32 << 20) /* 32 MiB: far above YB_VISIT_MAX_LINES lines */

int cmd_settle_json(int argc, char **argv) {
    static const char usage[] = "usage: yibao settle-json FILE|- [--pre] [--db PATH]";
    struct cli_db_args a;
    int rc = cli_db_args(argc, argv, "--db --pre", usage, &a);
    if (rc) return rc;
    if (a.npos != 1) return cli_usage("%s", usage);
    yb_err e;
    yb_err_clear(&e);
    size_t len = 0;
    yb_db *db = NULL;
    yb_refdata *rd = NULL;
    yb_visit_doc doc;
    memset(&doc, 0, sizeof doc);
    yb_settle_result res;
    memset(&res, 0, sizeof res);
    char *body = yb_file_read(a.pos[0], BODY_MAX, &len, &e);
    yb_rc r = body ? YB_OK : (e.rc ? e.rc : YB_E_IO);
    if (!r) r = yb_visit_doc_parse(body, len, a.pos[0], &doc, &e);
    if (!r) r = yb_db_open(cli_db_path(a.db), 0, &db, &e);
    if (!r) r = yb_store_load_refdata(db, &rd, &e);
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
