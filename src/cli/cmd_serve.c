/*
 * cmd_serve.c — `yibao serve [--listen HOST:PORT] [--db PATH] [--threads N] [--rules DIR]`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "yibao/http.h"

int cmd_serve(int argc, char **argv) {
    yb_http_opts o;
    memset(&o, 0, sizeof o);
    o.ready_fd = -1;
    const char *db = NULL;
    static char host[64];
    strcpy(host, "127.0.0.1");
    o.host = host;
    o.port = 8080;
    for (int i = 1; i < argc; i += 2) { /* every option takes a value */
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) return cli_usage("option '%s' needs a value", argv[i]);
        if (!strcmp(argv[i], "--listen")) {
            const char *colon = strrchr(v, ':');
            if (!colon || colon == v || (size_t)(colon - v) >= sizeof host)
                return cli_usage("--listen takes HOST:PORT, e.g. 127.0.0.1:8080");
            memcpy(host, v, (size_t)(colon - v));
            host[colon - v] = '\0';
            char *end;
            long p = strtol(colon + 1, &end, 10);
            if (*end || p < 1 || p > 65535) return cli_usage("port '%s' is not 1..65535", colon + 1);
            o.port = (int)p;
        } else if (!strcmp(argv[i], "--db")) {
            db = v;
        } else if (!strcmp(argv[i], "--threads")) {
            long t = strtol(v, NULL, 10);
            if (t < 1 || t > 256) return cli_usage("--threads takes 1..256");
            o.threads = (unsigned)t;
        } else if (!strcmp(argv[i], "--rules")) {
            o.rules_dir = v;
        } else if (!strcmp(argv[i], "--ready-fd")) {
            o.ready_fd = atoi(v) >= 0 ? (int)strtol(v, NULL, 10) : -1;
        } else {
            return cli_usage("usage: yibao serve [--listen HOST:PORT] [--db PATH] [--threads N] [--rules DIR]");
        }
    }
    o.db_path = cli_db_path(db);
    yb_err e;
    yb_err_clear(&e);
    if (yb_http_serve(&o, &e)) return cli_error(&e);
    return 0;
}
