/*
 * main.c — the `yibao` command: a table of subcommands (as git's builtin table), each a
 * cmd_<name>() in its own file. Shared CLI helpers live here too.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
};

static const struct command commands[] = {
    {"init", cmd_init, "create or migrate the database (--db PATH)"},
    {"load", cmd_load, "load policy|catalog|persons|institutions FILE"},
    {"show", cmd_show, "show person PSN_NO (with accumulators)"},
    {"settle", cmd_settle, "batch-settle extract tables: --mdtrt F --fee F --out F [--detail F] [--acct F]"},
    {"settle-json", cmd_settle_json, "settle one visit from a JSON document (FILE or -) [--pre]"},
    {"reverse", cmd_reverse, "reverse a settlement: SETL_ID"},
    {"serve", cmd_serve, "serve the institution interface over HTTP: [--listen HOST:PORT] [--db PATH]"},
    {"gen", cmd_gen, "generate the demo city's extract tables (deterministic)"},
    {"rules", cmd_rules, "audit rule sets: list | show ID [--rules DIR] (default data/rules/nhsa)"},
    {"user", cmd_user, "staff accounts: add LOGIN --role ROLE | passwd LOGIN | role LOGIN ROLE | disable|enable LOGIN | list"},
    {"verify-log", cmd_verify_log, "check the audit log's hash chain: [--db PATH]"},
    {"audit", cmd_audit, "audit extract tables: --rules DIR --mdtrt F --fee F [--diag F] --out F | --compare A B ..."},
};

static void usage(FILE *fp) {
    fprintf(fp, "usage: yibao <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(fp, "  %-12s %s\n", commands[i].name, commands[i].help);
    fprintf(fp, "\nSee README.md for the full reference. Database: --db PATH, $YIBAO_DB, or var/yibao.db.\n");
}

int cli_error(const yb_err *e) {
    char buf[1024];
    fprintf(stderr, "yibao: error: %s\n", yb_err_fmt(e, buf, sizeof buf));
    return yb_rc_exit(e->rc);
}

int cli_usage(const char *fmt, ...) {
    va_list ap;
    fputs("yibao: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return yb_rc_exit(YB_E_USAGE);
}

const char *cli_db_path(const char *given) {
    if (given && *given) return given;
    const char *env = getenv("YIBAO_DB");
    if (env && *env) return env;
    return "var/yibao.db";
}

int main(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return argc < 2 ? yb_rc_exit(YB_E_USAGE) : 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "yibao: '%s' is not a command\n", argv[1]);
    usage(stderr);
    return yb_rc_exit(YB_E_USAGE);
}
