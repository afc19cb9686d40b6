/*
 * db_args.h — argument parsing shared by the commands that work on the database (init, load,
 * show, reverse, settle-json, user): options in any position, positional arguments in order.
 */
#ifndef YIBAO_CLI_DB_ARGS_H
#define YIBAO_CLI_DB_ARGS_H

#include "yibao/store.h"

#define CLI_MAX_POS 4

struct cli_db_args {
    const char *db;           /* --db PATH, else NULL (cli_db_path decides) */
    const char *psn;          /* --psn PSN_NO */
    const char *role;         /* --role ROLE (user add) */
    const char *name;         /* --name NAME (user add) */
    int pre;                  /* --pre */
    int json;                 /* --json */
    int unmasked;             /* --unmasked */
    const char *pos[CLI_MAX_POS];
    int npos;
};

/* `allowed` lists the options this command takes, e.g. "--db --psn". A lone "-" is positional.
 * Returns 0, or the usage exit code after printing the problem and `usage`. */
int cli_db_args(int argc, char **argv, const char *allowed, const char *usage, struct cli_db_args *a);
/* Open (create = 1: create and migrate) the database named by a; 0 or the exit code. */
int cli_db_open(const struct cli_db_args *a, int create, yb_db **db);
/* The audit log's actor for commands run here: "local user NAME". */
const char *cli_actor(void);

#endif
