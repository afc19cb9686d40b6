/*
 * cmd_rules.c — `yibao rules list|show ID [--rules DIR]`: what a rule set holds, and one rule
 * explained in plain words (Chinese, then English) with its parameters, its source files and
 * the first rows it was loaded from. DIR defaults to data/rules/nhsa.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "yibao/audit.h"
#include "yibao/csv.h"

#define DEFAULT_RULES "data/rules/nhsa"
#define SHOW_ROWS 3

static int usage(void) {
    return cli_usage("usage: yibao rules list [--rules DIR] | yibao rules show ID [--rules DIR]");
}

/* Print up to SHOW_ROWS data rows of DIR/file (those matching `where`, "header=value"). */
static void show_rows(const char *dir, const char *file, const char *where, size_t n_rows) {
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    yb_err err;
    yb_err_clear(&err);
    yb_csv *c;
    if (yb_csv_open(path, &c, &err) != YB_OK) {
        char b[1024];
        printf("    (%s)\n", yb_err_fmt(&err, b, sizeof b));
        return;
    }
    int wcol = -1;
    const char *wval = NULL;
    char whead[128] = "";
    if (where && *where) {
        const char *eq = strchr(where, '=');
        if (eq && (size_t)(eq - where) < sizeof whead) {
            memcpy(whead, where, (size_t)(eq - where));
            whead[eq - where] = '\0';
            wcol = yb_csv_col(c, whead);
            wval = eq + 1;
        }
    }
    if (n_rows == SIZE_MAX)
        printf("  %s (joined):\n", path);
    else
        printf("  %s (%zu rows loaded%s%s):\n", path, n_rows, wval ? ", where " : "", wval ? where : "");
    int shown = 0, r;
    while (shown < SHOW_ROWS && (r = yb_csv_next(c, &err)) == 1) {
        if (wcol >= 0 && strcmp(yb_csv_field(c, wcol, NULL), wval)) continue;
        printf("    line %ld:", yb_csv_line(c));
        for (size_t i = 0; i < yb_csv_ncols(c); i++) {
            const char *f = yb_csv_field(c, (int)i, NULL);
            if (!*f) continue;
            printf(" %s=%s", yb_csv_header(c, i), f);
        }
        printf("\n");
        shown++;
    }
    yb_csv_close(c);
}

static void show_rule(const char *dir, const yb_audit_rule_info *r) {
    char eb[11];
    printf("%s  %s  (kind %s)\n", r->id, r->name, yb_audit_kind_name(r->kind));
    printf("  3101 rule_id %s · effect %s · sev_deg %d · vola_bhvr_type %s\n", r->rule_id,
           yb_audit_effect_name(r->effect), r->sev_deg, r->vola_bhvr_type);
    printf("  version %s · effective %s · manifest line %ld\n", r->version, yb_date_fmt(r->effective, eb),
           r->manifest_line);
    printf("  source: %s\n", r->source);
    printf("  evidence prefix: %s\n", r->evid);
    printf("  what it checks:\n");
    const char *x = yb_audit_kind_explain(r->kind);
    while (*x) {
        const char *nl = strchr(x, '\n');
        int len = nl ? (int)(nl - x) : (int)strlen(x);
        printf("    %.*s\n", len, x);
        x += len + (nl != NULL);
    }
    printf("  parameters: %s\n", *r->params ? r->params : "(defaults)");
    if (*r->file) {
        printf("  columns: %s\n", r->columns);
        if (*r->names_file)
            printf("  join: %s rows take their restriction from %s through the column %s\n", r->file,
                   r->names_file, r->join);
        show_rows(dir, r->file, r->where, r->n_rows);
        if (*r->names_file) show_rows(dir, r->names_file, "", SIZE_MAX);
    } else {
        printf("  reads no file: the rule is its parameters (%zu group%s)\n", r->n_rows, r->n_rows == 1 ? "" : "s");
    }
}

int cmd_rules(int argc, char **argv) {
    const char *dir = DEFAULT_RULES, *verb = NULL, *id = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--rules")) {
            if (++i >= argc) return usage();
            dir = argv[i];
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            return usage();
        } else if (!verb) {
            verb = argv[i];
        } else if (!id) {
            id = argv[i];
        } else {
            return usage();
        }
    }
    if (!verb || (strcmp(verb, "list") && strcmp(verb, "show"))) return usage();
    if (!strcmp(verb, "list") && id) return usage();
    if (!strcmp(verb, "show") && !id) return usage();

    yb_err err;
    yb_err_clear(&err);
    yb_audit_ruleset *rs;
    if (yb_audit_ruleset_load(dir, &rs, &err) != YB_OK) return cli_error(&err);
    int rc = 0;
    if (!strcmp(verb, "list")) {
        printf("%-8s %-18s %-8s %-4s %7s  %s\n", "id", "kind", "effect", "sev", "rows", "name");
        for (size_t i = 0; i < yb_audit_ruleset_count(rs); i++) {
            const yb_audit_rule_info *r = yb_audit_ruleset_rule(rs, i);
            printf("%-8s %-18s %-8s %-4d %7zu  %s\n", r->id, yb_audit_kind_name(r->kind),
                   yb_audit_effect_name(r->effect), r->sev_deg, r->n_rows, r->name);
        }
        printf("%zu rules, %zu rows, %zu codes indexed, from %s\n", yb_audit_ruleset_count(rs),
               yb_audit_ruleset_rows(rs), yb_audit_ruleset_codes(rs), dir);
    } else {
        /* an exact id, or every rule sharing a 3101 rule_id (YB18 shows YB18 and YB18.2) */
        int found = 0;
        for (size_t i = 0; i < yb_audit_ruleset_count(rs); i++) {
            const yb_audit_rule_info *r = yb_audit_ruleset_rule(rs, i);
            if (strcmp(r->id, id) && strcmp(r->rule_id, id)) continue;
            if (found++) printf("\n");
            show_rule(dir, r);
        }
        if (!found) {
            yb_err_set(&err, YB_E_NOTFOUND, "id", id, "no rule with this id in %s", dir);
            rc = cli_error(&err);
        }
    }
    yb_audit_ruleset_free(rs);
    return rc;
}
