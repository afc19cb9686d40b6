/*
 * cmd_user.c — `yibao user add|passwd|role|disable|enable|list`: staff accounts on the command
 * line (service/staff.c, docs/staff.md).
 *
 *   yibao user add LOGIN --role ROLE [--name NAME]   password from standard input
 *   yibao user passwd LOGIN                          new password from standard input
 *   yibao user role LOGIN ROLE
 *   yibao user disable LOGIN | yibao user enable LOGIN
 *   yibao user list
 *
 * A password is read from standard input, one line, never from argv (where `ps` and the shell's
 * history would show it). On a terminal it is asked for twice with echo off; from a pipe the first
 * line is taken. The buffers holding it are wiped before returning. The actor of every change in
 * the audit log is "local user NAME".
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/db_args.h"
#include "yibao/staff.h"

static const char usage[] =
    "usage: yibao user add LOGIN --role ROLE [--name NAME]   (password on standard input)\n"
    "       yibao user passwd LOGIN                          (password on standard input)\n"
    "       yibao user role LOGIN ROLE\n"
    "       yibao user disable|enable LOGIN\n"
    "       yibao user list\n"
    "all take [--db PATH]; ROLE is clerk 经办, underwriter 核保, auditor 稽核财务, admin 信息, service 客服, regulator 监管";

/* One line of standard input into buf (without the line end); -1 at end of input, -2 when longer than cap - 2. */
static int read_line(char *buf, size_t cap) {
    if (!fgets(buf, (int)cap, stdin)) return -1;
    size_t n = strlen(buf);
    if (n && buf[n - 1] == '\n') buf[--n] = '\0';
    else if (n == cap - 1) {
        /* swallow the rest of the over-long line */
        int c;
        while ((c = getchar()) != EOF && c != '\n') {}
        sodium_memzero(buf, cap);
        return -2;
    }
    if (n && buf[n - 1] == '\r') buf[--n] = '\0';
    return 0;
}

/* Prompt on the terminal with echo off. */
static int read_hidden(const char *prompt, char *buf, size_t cap) {
    struct termios old, quiet;
    int tty = tcgetattr(STDIN_FILENO, &old) == 0;
    fputs(prompt, stderr);
    fflush(stderr);
    if (tty) {
        quiet = old;
        quiet.c_lflag &= (tcflag_t)~ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    int r = read_line(buf, cap);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    return r;
}

#define PW_BUF (YB_PASSWORD_MAX + 2)

/* The new password: 0, or the exit code after saying what is wrong (never the password). */
static int get_password(const char *login, char pw[PW_BUF]) {
    int r;
    if (isatty(STDIN_FILENO)) {
        char again[PW_BUF], prompt[96];
        snprintf(prompt, sizeof prompt, "new password for %s: ", login);
        r = read_hidden(prompt, pw, PW_BUF);
        if (!r) r = read_hidden("the same again: ", again, sizeof again) ? -1 : 0;
        if (!r && strcmp(pw, again)) r = -3;
        sodium_memzero(again, sizeof again);
    } else {
        r = read_line(pw, PW_BUF);
    }
    if (r == -1) return cli_usage("no password on standard input (one line)");
    if (r == -2) return cli_usage("the password is longer than %d bytes", YB_PASSWORD_MAX);
    if (r == -3) return cli_usage("the two passwords differ");
    yb_err e;
    yb_err_clear(&e);
    if (yb_staff_check_password(pw, &e)) return cli_error(&e);
    return 0;
}

static void print_users(const yb_staff_user *u, size_t n, int64_t now) {
    printf("%-20s %-12s %-10s %-36s %s\n", "login", "role", "", "state", "name");
    for (size_t i = 0; i < n; i++) {
        char state[64], when[24];
        if (u[i].disabled) snprintf(state, sizeof state, "disabled");
        else if (u[i].locked_until > now) {
            time_t t = (time_t)u[i].locked_until;
            struct tm tm;
            gmtime_r(&t, &tm);
            strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
            snprintf(state, sizeof state, "locked until %s", when);
        } else if (u[i].failed) snprintf(state, sizeof state, "active, %d wrong password(s)", u[i].failed);
        else snprintf(state, sizeof state, "active");
        /* a Chinese character takes two terminal columns: pad the role name by hand */
        const char *rn = yb_role_name(u[i].role);
        int cols = 0;
        for (const unsigned char *p = (const unsigned char *)rn; *p; p++)
            if ((*p & 0xC0) != 0x80) cols += *p >= 0xE0 ? 2 : 1;
        printf("%-20s %-12s %s%*s %-36s %s\n", u[i].login, yb_role_code(u[i].role), rn, 10 - cols, "", state,
               u[i].name[0] ? u[i].name : "-");
    }
    if (!n) printf("no users; add one with: yibao user add LOGIN --role admin\n");
}

int cmd_user(int argc, char **argv) {
    struct cli_db_args a;
    int rc = cli_db_args(argc, argv, "--db --role --name", usage, &a);
    if (rc) return rc;
    if (a.npos < 1) return cli_usage("%s", usage);
    const char *verb = a.pos[0];
    int want = !strcmp(verb, "list") ? 1 : !strcmp(verb, "role") ? 3 : 2;
    if (strcmp(verb, "add") && strcmp(verb, "passwd") && strcmp(verb, "role") && strcmp(verb, "disable") &&
        strcmp(verb, "enable") && strcmp(verb, "list"))
        return cli_usage("'%s' is not a user command\n%s", verb, usage);
    if (a.npos != want) return cli_usage("%s", usage);
    if ((a.role || a.name) && strcmp(verb, "add")) return cli_usage("--role and --name go with 'user add'\n%s", usage);
    int role = -1;
    if (!strcmp(verb, "add")) {
        if (!a.role) return cli_usage("user add needs --role ROLE\n%s", usage);
        if ((role = yb_role_parse(a.role)) < 0) return cli_usage("'%s' is not a role\n%s", a.role, usage);
    } else if (!strcmp(verb, "role") && (role = yb_role_parse(a.pos[2])) < 0) {
        return cli_usage("'%s' is not a role\n%s", a.pos[2], usage);
    }
    const char *login = want > 1 ? a.pos[1] : NULL;
    char pw[PW_BUF] = "";
    /* the password first: a mistyped one costs nothing, and the database is not opened for it */
    if (!strcmp(verb, "add") || !strcmp(verb, "passwd")) {
        if ((rc = get_password(login, pw))) {
            sodium_memzero(pw, sizeof pw);
            return rc;
        }
    }
    yb_db *db;
    if ((rc = cli_db_open(&a, 0, &db))) {
        sodium_memzero(pw, sizeof pw);
        return rc;
    }
    yb_err e;
    yb_err_clear(&e);
    int64_t now = (int64_t)time(NULL);
    yb_rc r = YB_OK;
    if (!strcmp(verb, "add")) {
        r = yb_staff_add(db, login, a.name, (yb_role)role, pw, now, &e);
        if (!r) printf("user %s added, role %s %s\n", login, yb_role_code((yb_role)role), yb_role_name((yb_role)role));
    } else if (!strcmp(verb, "passwd")) {
        r = yb_staff_set_password(db, login, pw, now, &e);
        if (!r) printf("password of %s set; the user's open sessions are ended\n", login);
    } else if (!strcmp(verb, "role")) {
        r = yb_staff_set_role(db, NULL, login, (yb_role)role, now, &e);
        if (!r) printf("user %s now has role %s %s\n", login, yb_role_code((yb_role)role), yb_role_name((yb_role)role));
    } else if (!strcmp(verb, "disable") || !strcmp(verb, "enable")) {
        int off = !strcmp(verb, "disable");
        r = yb_staff_set_disabled(db, NULL, login, off, now, &e);
        if (!r) printf("user %s %s\n", login, off ? "disabled; the user's open sessions are ended" : "enabled");
    } else {
        yb_staff_user *u = NULL;
        size_t n = 0;
        r = yb_staff_list(db, &u, &n, &e);
        if (!r) print_users(u, n, now);
        free(u);
    }
    sodium_memzero(pw, sizeof pw);
    yb_db_close(db);
    return r ? cli_error(&e) : 0;
}
