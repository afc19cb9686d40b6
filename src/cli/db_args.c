/*
 * db_args.c — see db_args.h.
 */
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
        else if (!strcmp(s, "--unmasked")) a->unmasked = 1;
        else if (i + 1 >= argc || !argv[i + 1][0]) return cli_usage("option '%s' needs a value\n%s", s, usage);
        else if (!strcmp(s, "--db")) a->db = argv[++i];
        else if (!strcmp(s, "--psn")) a->psn = argv[++i];
        else if (!strcmp(s, "--role")) a->role = argv[++i];
        else if (!strcmp(s, "--name")) a->name = argv[++i];
        else return cli_usage("unknown option '%s'\n%s", s, usage);
    }
    return 0;
}

int cli_db_open(const struct cli_db_args *a, int create, yb_db **db) {
    yb_err e;
    yb_err_clear(&e);
    if (yb_db_open(cli_db_path(a->db), create, db, &e)) return cli_error(&e);
    yb_db_set_actor(*db, cli_actor());
    return 0;
}

const char *cli_actor(void) {
    static char actor[64];
    if (!actor[0]) {
        struct passwd *pw = getpwuid(getuid());
        if (pw && pw->pw_name) snprintf(actor, sizeof actor, "local user %.40s", pw->pw_name);
        else snprintf(actor, sizeof actor, "local uid %ld", (long)getuid());
    }
    return actor;
}
