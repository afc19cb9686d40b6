/*
 * api.h — the staff REST API, independent of the HTTP server (http/api.c; docs/staff.md).
 *
 * One call is one request: method, path (with an optional "?query", percent-encoded), body,
 * the Authorization header and the clock. It returns the HTTP status and always sets *reply to a
 * heap JSON string (NULL only when memory ran out); failures are {"error": "...", "code": "..."}
 * (and "field" when one field is at fault). The routes and the roles allowed on each are one
 * table in api.c:
 *
 *   POST /api/login                   anyone        {login, password} -> {token, expires_at, role, ...}
 *   POST /api/logout                  every role
 *   GET  /api/me                      every role
 *   GET  /api/persons/{psn_no}        all but admin (masked); ?unmasked=1 clerk and service only, logged
 *   GET  /api/visits/{mdtrt_id}       all but admin
 *   GET  /api/settlements/{setl_id}   all but admin
 *   POST /api/reversals               clerk         {setl_id, reason}
 *   GET  /api/users                   admin
 *   POST /api/users                   admin         {login, role, name?, password}
 *   POST /api/users/{login}/role      admin         {role}
 *   POST /api/users/{login}/disable   admin
 *   POST /api/users/{login}/enable    admin
 *
 * Statuses: 200 (201 for a new user); 400 malformed request, naming the field; 401 no session,
 * or one expired, ended or of a disabled user (and a failed login); 403 a role not allowed;
 * 404 unknown route or record; 405 known route, other method; 409 a state conflict (reversed
 * already, user exists); 413 body over YB_API_MAX_BODY; 500 the store failed.
 *
 * Sessions are Bearer tokens (Authorization: Bearer TOKEN) from POST /api/login, valid for
 * $YIBAO_SESSION_TTL seconds (60..604800, default 28800 = 8 hours). The audit log's actor of
 * every write made through a request is "staff LOGIN". The caller serialises calls on one db.
 */
#ifndef YIBAO_API_H
#define YIBAO_API_H

#include <stddef.h>
#include <stdint.h>

#include "yibao/store.h"

#define YB_API_MAX_BODY (64u << 10)

int yb_api_handle(yb_db *db, const char *method, const char *path, const char *body, size_t len,
                  const char *authorization, int64_t now, char **reply);

#endif
