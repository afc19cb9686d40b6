/*
 * cli.h — the `yibao` commands. Each command is cmd_<name>() in its own file under src/cli/,
 * listed once in the table in main.c. A command returns the process exit code
 * (yb_rc_exit of its result) and prints errors through cli_error().
 */
#ifndef YIBAO_CLI_H
#define YIBAO_CLI_H

#include "yibao/rc.h"

int cmd_init(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_settle(int argc, char **argv);
int cmd_settle_json(int argc, char **argv);
int cmd_reverse(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_verify_log(int argc, char **argv);
int cmd_user(int argc, char **argv);

/* "yibao: error: <formatted yb_err>" on stderr; returns yb_rc_exit(e->rc). */
int cli_error(const yb_err *e);
/* "yibao: <fmt>" on stderr; returns the usage exit code. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* --db PATH, else $YIBAO_DB, else "var/yibao.db". */
const char *cli_db_path(const char *given);

#endif
