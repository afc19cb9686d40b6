/*
 * db_args.c — see db_args.h.
 */
#include <string.h>

#include "cli/cli.h"
#include "cli/db_args.h"

/* Is `opt` one of the space-separated words of `allowed`? */
static int allowed_opt(const char *allowed, const char *opt) {
    size_t n = strlen(opt);
    for (const char *p = allowed; (p = strstr(p, opt)) != NULL; p += n)
        if ((p == allowed || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return 1;
    return 0;
}

int cli_db_args(int argc, char **argv, const char *allowed, const char *usage, struct cli_db_args *a) {
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (s[0] != '-' || !strcmp(s, "-")) {
            if (a->npos == CLI_MAX_POS) return cli_usage("too many arguments\n%s", usage);
            a->pos[a->npos++] = s;
            continue;
        }
        if (!allowed_opt(allowed, s)) return cli_usage("unknown option '%s'\n%s", s, usage);
        if (!strcmp(s, "--pre")) a->pre = 1;
        else if (!strcmp(s, "--json")) a->json = 1;
        else if (i + 1 >= argc || !argv[i + 1][0]) return cli_usage("option '%s' needs a value\n%s", s, usage);
        else if (!strcmp(s, "--db")) a->db = argv[++i];
        else if (!strcmp(s, "--psn")) a->psn = argv[++i];
        else return cli_usage("unknown option '%s'\n%s", s, usage);
    }
    return 0;
}

int cli_db_open(const struct cli_db_args *a, int create, yb_db **db) {
    yb_err e;
    yb_err_clear(&e);
    if (yb_db_open(cli_db_path(a->db), create, db, &e)) return cli_error(&e);
    return 0;
}
