/*
 * http.h — `yibao serve`: the institution interface over HTTP (http/server.c, GNU libmicrohttpd).
 *
 * POST /fsi/api/rsfComIfsService/callService (and any path ending in /callService) takes one
 * envelope and answers the interface reply (service/fsi.c); GET /healthz answers "ok". Request
 * bodies are bounded (8 MiB). One access-log line per request on stderr, without personal data.
 */
#ifndef YIBAO_HTTP_H
#define YIBAO_HTTP_H

#include "yibao/rc.h"

typedef struct yb_http_opts {
    const char *host;      /* listen address, default 127.0.0.1 */
    int port;              /* default 8080 */
    const char *db_path;
    unsigned threads;      /* worker threads, default 4 */
    const char *rules_dir; /* audit rule set run before each settlement (2206/2207/2303/2304); NULL = none */
    int ready_fd;          /* when >= 0, "ready\n" is written here once listening (for scripts) */
} yb_http_opts;

/* Serve until SIGTERM or SIGINT; then stop accepting, finish the requests in flight, and return. */
yb_rc yb_http_serve(const yb_http_opts *o, yb_err *err);

#endif
