/*
 * pcache.c — SQLite's own page cache, with one change: the temporary page number of a B-tree
 * rebalance does not make every commit scan the whole cache (see include/yibao/store.h,
 * yb__pcache_install).
 *
 * When SQLite rebalances B-tree pages it may swap two pages' numbers, and for the swap it parks
 * one page under a page number no database page uses: the page after the one holding the
 * "pending byte" (page 262,145 of a 4 KiB-page database, whatever the database's size). The
 * default cache (pcache1) remembers the highest key it has held; at every commit SQLite drops
 * cached pages past the end of the database, and when that highest key is further past the end
 * than the cache has hash buckets, pcache1 walks every bucket and every cached page. With a large
 * cache (the server's writer keeps 128 MiB) that walk cost more than a millisecond per commit,
 * on almost every commit of a growing database: a fifth of the writer's time.
 *
 * This cache passes every call to the default one, except that the parking page number is
 * replaced by one just above the highest page number the cache has been given: not in use (no
 * cached page has a higher number), and close enough to the end of the database that the drop
 * at commit looks at a few buckets only. The parking lasts from the rekey onto that number to
 * the rekey away from it (SQLite asks for nothing else under it meanwhile); outside a parking, a
 * request for that page number passes through as it is.
 */
#include <stdlib.h>

#include <sqlite3.h>

#include "yibao/store.h"

typedef struct pcache {
    sqlite3_pcache *inner;
    unsigned park;      /* the page number SQLite parks pages under */
    unsigned max_key;   /* no page of a higher number is in the inner cache */
    unsigned alias;     /* while parked: the number the parked page has in the inner cache */
    int parked;
} pcache;

static sqlite3_pcache_methods2 base;
/* for the tests (every connection of the process, any thread) */
static unsigned long long st_parks, st_truncates;
static unsigned st_span;

static unsigned key_in(pcache *c, unsigned key) { return c->parked && key == c->park ? c->alias : key; }

static void seen(pcache *c, unsigned key) {
    if (key > c->max_key) c->max_key = key;
}

static int p_init(void *arg) { return base.xInit ? base.xInit(arg) : SQLITE_OK; }
static void p_shutdown(void *arg) {
    if (base.xShutdown) base.xShutdown(arg);
}

static sqlite3_pcache *p_create(int sz_page, int sz_extra, int purgeable) {
    pcache *c = sqlite3_malloc(sizeof *c);
    if (!c) return NULL;
    c->inner = base.xCreate(sz_page, sz_extra, purgeable);
    if (!c->inner) {
        sqlite3_free(c);
        return NULL;
    }
    /* SQLite's PENDING_BYTE is 0x40000000 (only its test builds move it) */
    c->park = (unsigned)(0x40000000u / (unsigned)sz_page) + 1;
    c->max_key = 0;
    c->alias = 0;
    c->parked = 0;
    return (sqlite3_pcache *)c;
}

static void p_cachesize(sqlite3_pcache *p, int n) { base.xCachesize(((pcache *)p)->inner, n); }
static int p_pagecount(sqlite3_pcache *p) { return base.xPagecount(((pcache *)p)->inner); }

static sqlite3_pcache_page *p_fetch(sqlite3_pcache *p, unsigned key, int create) {
    pcache *c = (pcache *)p;
    unsigned k = key_in(c, key);
    sqlite3_pcache_page *pg = base.xFetch(c->inner, k, create);
    if (pg) seen(c, k);
    return pg;
}

static void p_unpin(sqlite3_pcache *p, sqlite3_pcache_page *pg, int discard) {
    base.xUnpin(((pcache *)p)->inner, pg, discard);
}

static void p_rekey(sqlite3_pcache *p, sqlite3_pcache_page *pg, unsigned from, unsigned to) {
    pcache *c = (pcache *)p;
    unsigned f = key_in(c, from), t;
    if (to == c->park && !c->parked) {
        t = c->alias = c->max_key + 1;
        c->parked = 1;
        __atomic_fetch_add(&st_parks, 1, __ATOMIC_RELAXED);
    } else {
        t = key_in(c, to);
    }
    if (from == c->park && c->parked && f == c->alias) c->parked = 0;
    base.xRekey(c->inner, pg, f, t);
    seen(c, t);
}

static void p_truncate(sqlite3_pcache *p, unsigned limit) {
    pcache *c = (pcache *)p;
    if (limit <= c->max_key) {
        unsigned span = c->max_key - limit, was = __atomic_load_n(&st_span, __ATOMIC_RELAXED);
        while (span > was && !__atomic_compare_exchange_n(&st_span, &was, span, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
        }
        __atomic_fetch_add(&st_truncates, 1, __ATOMIC_RELAXED);
    }
    base.xTruncate(c->inner, limit);
    if (limit == 0) c->max_key = 0;
    else if (limit - 1 < c->max_key) c->max_key = limit - 1;
    if (c->parked && c->alias >= limit) c->parked = 0;
}

static void p_destroy(sqlite3_pcache *p) {
    pcache *c = (pcache *)p;
    base.xDestroy(c->inner);
    sqlite3_free(c);
}

static void p_shrink(sqlite3_pcache *p) { base.xShrink(((pcache *)p)->inner); }

int yb__pcache_install(void) {
    sqlite3_pcache_methods2 m;
    int rc = sqlite3_config(SQLITE_CONFIG_GETPCACHE2, &base);
    if (rc != SQLITE_OK) return rc;
    if (base.iVersion < 1 || !base.xCreate) return SQLITE_ERROR;
    m = (sqlite3_pcache_methods2){1,          base.pArg,  p_init,     p_shutdown, p_create, p_cachesize,
                                  p_pagecount, p_fetch,   p_unpin,    p_rekey,    p_truncate,
                                  p_destroy,   p_shrink};
    return sqlite3_config(SQLITE_CONFIG_PCACHE2, &m);
}

void yb__pcache_stats(unsigned long long *parks, unsigned long long *truncates, unsigned *max_span) {
    *parks = __atomic_exchange_n(&st_parks, 0, __ATOMIC_RELAXED);
    *truncates = __atomic_exchange_n(&st_truncates, 0, __ATOMIC_RELAXED);
    *max_span = __atomic_exchange_n(&st_span, 0, __ATOMIC_RELAXED);
}
