/*
 * csv.c — streaming RFC 4180 reader and writer (see include/yibao/csv.h).
 *
 * The reader keeps a window of the input in `buf` and decodes each record IN PLACE: a field's
 * delimiter (',' or the line end) is overwritten with NUL, a quoted field is unescaped where it
 * lies ("" -> ") — decoded text is never longer than the raw text — so an ordinary record is never
 * copied. A record is found in two phases:
 *
 *   1. scan: from `pos`, find where each field starts and where the record ends, without writing.
 *      The common record (one line, no quote, no CR inside) takes a fast path: one pass that finds
 *      its commas and its line feed 16 bytes at a time (SSE2 where the compiler targets it, a plain
 *      loop otherwise). Anything else takes the general state machine.
 *      If the window ends before the record does, the window is refilled (the partial record moved
 *      to the front, the buffer grown up to YB_CSV_MAX_RECORD plus one read) and the scan starts
 *      over; since scanning writes nothing this is always safe, and it happens once per window.
 *   2. decode: terminate and unescape each field.
 *
 * Dialect: fields separated by ','; records end at LF, CRLF or a lone CR (each counts as one line);
 * a field is quoted only when its first character is '"', then "" is a literal quote and line
 * breaks are data (they count as lines for error messages); after a closing quote only ',', a line
 * end or the end of input may follow; a stray '"' inside an unquoted field is a literal character
 * (exports do this); a UTF-8 byte order mark at the start is skipped; an empty line is not a
 * record (unless the header has one column); the last record need not end with a line break.
 * Bounds: YB_CSV_MAX_RECORD raw bytes and YB_CSV_MAX_FIELDS fields per record.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__) && !defined(YB_CSV_NO_SIMD)
#include <emmintrin.h>
#define YB_CSV_SSE2 1
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define YB_CSV_AVX2 1   /* a second fast path, chosen at run time (cpu_avx2) */
#endif
#endif

#include "io/csv_int.h"
#include "yibao/csv.h"

#define READ_CHUNK ((size_t)1 << 20)
/* the bounds as text, for messages */
#define YB_CSV_MAX_RECORD_STR "1048576"
#define YB_CSV_MAX_FIELDS_STR "512"
_Static_assert(YB_CSV_MAX_RECORD == 1048576u && YB_CSV_MAX_FIELDS == 512, "update the bounds' text");

/* the window never needs more: a record of MAX_RECORD bytes, its CRLF look-ahead, and one read */
#define MAX_WINDOW ((size_t)YB_CSV_MAX_RECORD + READ_CHUNK)

struct yb_csv {
    FILE *fp;             /* stream source, or NULL for memory */
    int own_fp;
    size_t left;          /* bytes the stream may still give (a part of a file), SIZE_MAX = all */
    const char *mem;      /* memory source (borrowed) */
    size_t mem_len, mem_pos;
    char name[160];
    char *buf;            /* window: buf[pos..len) is unread input; cap + 1 bytes allocated */
    size_t cap, pos, len;
    int eof;              /* the source has nothing after buf[len) */
    int ioerr;            /* the stream reported a read error */
    size_t chunk;         /* testing: first window size and largest read (0 = READ_CHUNK, no limit) */
    size_t *start;        /* scan: absolute offset of each field's first raw byte */
    size_t nf;            /* fields of the current record (0 when there is none) */
    char **fptr;          /* decoded fields of the current record (when not lazy) */
    uint32_t *flen;
    int lazy;             /* the record has no quote: field i is start[i] .. start[i+1] - 1 (or
                             rec_end), NUL-terminated when it is asked for (yb_csv_field) */
    size_t rec_end;
    int only;             /* yb_csv_only: the fast path keeps the starts of needed fields only */
    int avx2;             /* the CPU has AVX2 and POPCNT: fast_line goes 32 bytes a step */
    uint64_t need[YB_CSV_MAX_FIELDS / 64 + 2]; /* field i's start is kept (bit i) */
    uint64_t sel[YB_CSV_MAX_FIELDS / 64 + 2];  /* field i was selected */
    long line;            /* physical line of buf[pos] (header = 1) */
    long rec_line;        /* line where the current record starts */
    int quote_at_end;     /* the input ended inside a quoted field */
    char **hdr;
    size_t nh;
};

static void set_name(yb_csv *c, const char *name) { snprintf(c->name, sizeof c->name, "%s", name ? name : "-"); }

static int fail(yb_csv *c, yb_err *err, yb_rc rc, const char *fmt, const char *arg) {
    yb_err_set(err, rc, NULL, NULL, fmt, arg);
    yb_err_at(err, c->name, c->rec_line);
    return -1;
}

/* Move the unread input to the front, grow the window when it is full, read more.
 * 1 = more input arrived, 0 = the source is exhausted, -1 = out of memory. */
static int refill(yb_csv *c) {
    if (c->eof) return 0;
    size_t keep = c->len - c->pos;
    if (c->pos) {
        memmove(c->buf, c->buf + c->pos, keep);
        c->pos = 0;
        c->len = keep;
    }
    if (c->len == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : c->chunk ? c->chunk : READ_CHUNK;
        if (nc > MAX_WINDOW) nc = MAX_WINDOW;
        if (nc <= c->cap) return -1; /* cannot happen: scan refuses a record before the window is full */
        char *nb = realloc(c->buf, nc + 1);
        if (!nb) return -1;
        c->buf = nb;
        c->cap = nc;
    }
    size_t want = c->cap - c->len, got;
    if (c->chunk && want > c->chunk) want = c->chunk;
    if (c->fp) {
        if (want > c->left) want = c->left;
        got = want ? fread(c->buf + c->len, 1, want, c->fp) : 0;
        c->left -= got;
        if (got < want || !c->left) {
            c->eof = 1;
            c->ioerr = ferror(c->fp) != 0;
        }
    } else {
        got = c->mem_len - c->mem_pos < want ? c->mem_len - c->mem_pos : want;
        memcpy(c->buf + c->len, c->mem + c->mem_pos, got);
        c->mem_pos += got;
        if (c->mem_pos == c->mem_len) c->eof = 1;
    }
    c->len += got;
    return got > 0 ? 1 : 0;
}

/* First ',', LF or CR in [p, e), or e. */
static const char *find_delim(const char *p, const char *e) {
#ifdef YB_CSV_SSE2
    const __m128i comma = _mm_set1_epi8(','), lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
    while (e - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, lf)), _mm_cmpeq_epi8(v, cr)));
        if (m) return p + __builtin_ctz(m);
        p += 16;
    }
#endif
    while (p < e && *p != ',' && *p != '\n' && *p != '\r') p++;
    return p;
}

#ifdef YB_CSV_SSE2
static const uint8_t pop8[256] = {
#define B2(n) n, n + 1, n + 1, n + 2
#define B4(n) B2(n), B2(n + 1), B2(n + 1), B2(n + 2)
#define B6(n) B4(n), B4(n + 1), B4(n + 1), B4(n + 2)
    B6(0), B6(1), B6(1), B6(2)
#undef B2
#undef B4
#undef B6
};
#endif

static int add_start(yb_csv *c, size_t at) {
    if (c->nf >= YB_CSV_MAX_FIELDS) return -1;
    c->start[c->nf++] = at;
    return 0;
}

/* The starts (into st from field nf) of the fields that the commas of a block at i (mask mc) begin;
 * the new field count. */
static inline size_t put_starts(size_t *st, size_t nf, size_t i, uint32_t mc) {
    while (mc) {
        st[nf++] = i + (size_t)__builtin_ctz(mc) + 1;
        mc &= mc - 1;
    }
    return nf;
}

/* The record of fast_line (nf fields from pos) ends in the block at i, at i + stop with a terminator
 * of t bytes: 1 = done (c->nf, *end, *term set), 0 = longer than YB_CSV_MAX_RECORD. */
static inline int rec_done(yb_csv *c, size_t nf, size_t pos, size_t i, size_t stop, size_t t, size_t *end,
                           size_t *term) {
    if (i + stop - pos > YB_CSV_MAX_RECORD) return 0;
    c->nf = nf;
    *end = i + stop;
    *term = t;
    return 1;
}

/* The rest of fast_line one byte at a time from i (nf fields found so far). */
static int fast_tail(yb_csv *c, size_t i, size_t nf, size_t *end, size_t *term) {
    const char *b = c->buf;
    size_t pos = c->pos, len = c->len, *st = c->start;
    for (; i < len; i++) {
        char ch = b[i];
        if (ch == ',') {
            if (nf == YB_CSV_MAX_FIELDS) return -1;
            st[nf++] = i + 1;
        } else if (ch == '\n' || ch == '\r') {
            if (ch == '\r' && !(i + 1 < len && b[i + 1] == '\n')) return 0;
            return rec_done(c, nf, pos, i, 0, ch == '\r' ? 2 : 1, end, term);
        } else if (ch == '"') {
            return 0;
        }
    }
    return 0;
}

#ifdef YB_CSV_SSE2
/* One block of `width` bytes at i of fast_line, from its masks of line feeds (ml), commas (*mc) and
 * quotes or CRs (*mb): where the record ends in it (*stop, terminator *t bytes; *t = 0 when it
 * goes on), commas and CRs after the end dropped. 0 when the record is not for the fast path (a
 * quote, or a CR that is not the CR of a CRLF). */
static inline int block_end(const char *b, size_t i, size_t len, unsigned width, uint32_t ml, uint32_t *mc,
                            uint32_t *mb, size_t *stop, size_t *t) {
    *stop = *t = 0;
    if (ml) {
        unsigned at = (unsigned)__builtin_ctz(ml);
        uint32_t keep = at ? (uint32_t)((1ull << at) - 1) : 0;
        *mc &= keep;
        *mb &= keep;
        *stop = at;
        *t = 1;
        if (*mb && *mb == 1u << (at - 1)) { /* only the CR of a CRLF (a quote here would be a bit too) */
            if (b[i + at - 1] != '\r') return 0;
            *mb = 0;
            *stop = at - 1;
            *t = 2;
        }
    } else if (*mb == 1u << (width - 1) && b[i + width - 1] == '\r' && i + width < len && b[i + width] == '\n') {
        *mb = 0; /* a CRLF across two blocks */
        *stop = width - 1;
        *t = 2;
    }
    return !*mb;
}

/* The needed-start bits (yb_csv_only) of fields nf .. nf + k - 1 (k <= 32), bit 0 for field nf. */
static inline uint64_t need_bits(const yb_csv *c, size_t nf, size_t k) {
    uint64_t w = c->need[nf >> 6] >> (nf & 63);
    if ((nf & 63) + k > 64) w |= c->need[(nf >> 6) + 1] << (64 - (nf & 63));
    return w & ((1ull << k) - 1);
}
#endif

#ifdef YB_CSV_AVX2
/* fast_line 32 bytes a step (AVX2, BMI2, POPCNT), the same decisions as the 16-byte loop below;
 * with a selection, the starts of the needed fields are picked out of the comma mask directly
 * (pdep: the j-th comma) instead of walking every comma. */
__attribute__((target("avx2,bmi2,popcnt"))) static int fast_line_avx2(yb_csv *c, size_t *end, size_t *term) {
    const char *b = c->buf;
    size_t pos = c->pos, len = c->len;
    size_t *st = c->start, nf = 0, i = pos;
    st[nf++] = pos;
    const __m256i comma = _mm256_set1_epi8(','), lf = _mm256_set1_epi8('\n'), cr = _mm256_set1_epi8('\r'),
                  quote = _mm256_set1_epi8('"');
    const int only = c->only;
    for (; i + 32 <= len; i += 32) {
        if (i - pos > YB_CSV_MAX_RECORD) return 0;
        __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(b + i));
        uint32_t ml = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, lf));
        uint32_t mc = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, comma));
        uint32_t mb = (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(_mm256_cmpeq_epi8(v, quote), _mm256_cmpeq_epi8(v, cr)));
        size_t stop, t;
        if (!block_end(b, i, len, 32, ml, &mc, &mb, &stop, &t)) return 0;
        if (mc) {
            size_t k = (size_t)__builtin_popcount(mc);
            if (nf + k > YB_CSV_MAX_FIELDS) return -1;
            if (only) {
                uint64_t w = need_bits(c, nf, k);
                while (w) {
                    unsigned j = (unsigned)__builtin_ctzll(w);
                    st[nf + j] = i + (size_t)__builtin_ctz(_pdep_u32(1u << j, mc)) + 1;
                    w &= w - 1;
                }
                nf += k;
                mc = 0;
            }
            nf = put_starts(st, nf, i, mc);
        }
        if (t) return rec_done(c, nf, pos, i, stop, t, end, term);
    }
    return fast_tail(c, i, nf, end, term);
}
#endif

/* Fast path: the record at pos is one line in the window without '"' or CR (a CRLF end is fine).
 * One pass finds its commas and its end, 16 bytes at a time with SSE2 (32 with AVX2). 1 = done
 * (c->nf, *end, *term set), 0 = not such a record (the general path decides), -1 = too many fields.
 * (Locals rather than c->nf: stores through `st` would make the compiler reload the struct.) */
static int fast_line(yb_csv *c, size_t *end, size_t *term) {
#ifdef YB_CSV_AVX2
    if (c->avx2) return fast_line_avx2(c, end, term);
#endif
    const char *b = c->buf;
    size_t pos = c->pos, len = c->len;
    size_t *st = c->start, nf = 0, i = pos;
    st[nf++] = pos;
#ifdef YB_CSV_SSE2
    const __m128i comma = _mm_set1_epi8(','), lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'),
                  quote = _mm_set1_epi8('"');
    const int only = c->only;
    for (; i + 16 <= len; i += 16) {
        if (i - pos > YB_CSV_MAX_RECORD) return 0;
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
        uint32_t ml = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf));
        uint32_t mc = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma));
        uint32_t mb = (uint32_t)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, cr)));
        size_t stop, t; /* the record ends in this block at i + stop, terminator t bytes */
        if (!block_end(b, i, len, 16, ml, &mc, &mb, &stop, &t)) return 0;
        if (mc) {
            if (only) {
                /* the fields this block starts are nf .. nf + k - 1: keep their starts only when
                 * one of them is needed, else just count them */
                size_t k = (size_t)pop8[mc & 0xff] + pop8[mc >> 8];
                if (nf + k > YB_CSV_MAX_FIELDS) return -1;
                if (!need_bits(c, nf, k)) {
                    nf += k;
                    mc = 0;
                }
            } else if (nf + 16 > YB_CSV_MAX_FIELDS && nf + (size_t)__builtin_popcount(mc) > YB_CSV_MAX_FIELDS) {
                /* (the count only near the bound: without -mpopcnt it is a library call) */
                return -1;
            }
            nf = put_starts(st, nf, i, mc);
        }
        if (t) return rec_done(c, nf, pos, i, stop, t, end, term);
    }
#endif
    return fast_tail(c, i, nf, end, term);
}

enum { SCAN_NEED = 0, SCAN_OK = 1, SCAN_ERR = -1 };

/* Phase 1: find the fields and the end of the record that starts at pos. Writes nothing into the
 * window. On SCAN_OK *end is the record's end (the terminator or len) and *term the terminator's
 * length (0 at the end of input, 1 for LF or CR, 2 for CRLF), *nl the line breaks inside quotes. */
static int scan(yb_csv *c, size_t *end, size_t *term, long *nl, yb_err *err) {
    const char *b = c->buf;
    size_t pos = c->pos, len = c->len;
    c->nf = 0;
    c->lazy = 0;
    *nl = 0;
    /* fast path: a whole line in the window without quotes or CRs (a CRLF end is allowed) */
    int f = fast_line(c, end, term);
    if (f < 0) return fail(c, err, YB_E_LIMIT, "more than %s fields in a record", YB_CSV_MAX_FIELDS_STR);
    if (f > 0) {
        c->lazy = 1;
        return SCAN_OK;
    }
    c->nf = 0;
    /* general path */
    size_t i = pos;
    for (;;) {
        if (i - pos > YB_CSV_MAX_RECORD)
            return fail(c, err, YB_E_LIMIT, "record longer than %s bytes", YB_CSV_MAX_RECORD_STR);
        if (add_start(c, i)) return fail(c, err, YB_E_LIMIT, "more than %s fields in a record", YB_CSV_MAX_FIELDS_STR);
        if (i < len && b[i] == '"') {
            size_t from = i + 1;
            for (;;) {
                const char *q = memchr(b + from, '"', len - from);
                if (!q) {
                    if (!c->eof) goto need;
                    c->quote_at_end = 1;
                    return fail(c, err, YB_E_INVALID, "unterminated quoted field%s", "");
                }
                size_t qi = (size_t)(q - b);
                if (qi + 1 >= len && !c->eof) goto need;
                if (qi + 1 < len && b[qi + 1] == '"') {
                    from = qi + 2;
                    continue;
                }
                for (const char *p = b + i; (p = memchr(p, '\n', (size_t)(q - p))) != NULL; p++) (*nl)++;
                i = qi + 1;
                break;
            }
            if (i < len && b[i] != ',' && b[i] != '\n' && b[i] != '\r')
                return fail(c, err, YB_E_INVALID, "unexpected character after a closing quote%s", "");
        } else {
            i = (size_t)(find_delim(b + i, b + len) - b);
        }
        if (i - pos > YB_CSV_MAX_RECORD)
            return fail(c, err, YB_E_LIMIT, "record longer than %s bytes", YB_CSV_MAX_RECORD_STR);
        if (i >= len) {
            if (!c->eof) goto need;
            *end = len;
            *term = 0;
            return SCAN_OK;
        }
        if (b[i] == ',') {
            i++;
            continue;
        }
        *end = i;
        if (b[i] == '\n') {
            *term = 1;
        } else { /* CR: CRLF or a lone CR */
            if (i + 1 >= len && !c->eof) goto need;
            *term = i + 1 < len && b[i + 1] == '\n' ? 2 : 1;
        }
        return SCAN_OK;
    }
need:
    if (len - pos > YB_CSV_MAX_RECORD)
        return fail(c, err, YB_E_LIMIT, "record longer than %s bytes", YB_CSV_MAX_RECORD_STR);
    return SCAN_NEED;
}

/* Phase 2: terminate and unescape the fields of the scanned record [pos, end). */
static void decode(yb_csv *c, size_t end) {
    char *b = c->buf;
    const size_t *st = c->start;
    char **fp = c->fptr;
    uint32_t *fl = c->flen;
    size_t nf = c->nf;
    for (size_t k = 0; k < nf; k++) {
        size_t s = st[k], e = k + 1 < nf ? st[k + 1] - 1 : end;
        if (s < e && b[s] == '"') {
            /* quoted: content is (s, e - 1), the closing quote at e - 1 */
            char *r = b + s + 1, *stop = b + e - 1, *w = r;
            for (;;) {
                char *q = memchr(r, '"', (size_t)(stop - r));
                size_t n = (size_t)((q ? q + 1 : stop) - r);
                if (w != r) memmove(w, r, n);
                w += n;
                if (!q) break;
                r = q + 2; /* skip the second quote of "" */
            }
            *w = '\0';
            fp[k] = b + s + 1;
            fl[k] = (uint32_t)(w - (b + s + 1));
        } else {
            b[e] = '\0';
            fp[k] = b + s;
            fl[k] = (uint32_t)(e - s);
        }
    }
}

/* Read one record. 1 = record, 0 = end of input, -1 = error. */
static int read_record(yb_csv *c, yb_err *err) {
    for (;;) {
        c->nf = 0;
        c->rec_line = c->line;
        if (c->pos == c->len) {
            int r = refill(c);
            if (r < 0) return fail(c, err, YB_E_NOMEM, "out of memory%s", "");
            if (c->ioerr) return fail(c, err, YB_E_IO, "read error%s", "");
            if (r == 0) return 0;
        }
        size_t end = 0, term = 0;
        long nl = 0;
        int s;
        while ((s = scan(c, &end, &term, &nl, err)) == SCAN_NEED) {
            int r = refill(c);
            if (r < 0) return fail(c, err, YB_E_NOMEM, "out of memory%s", "");
            if (c->ioerr) return fail(c, err, YB_E_IO, "read error%s", "");
        }
        if (s == SCAN_ERR) {
            c->nf = 0;
            return -1;
        }
        size_t at = c->pos;
        c->pos = end + term;
        c->line += nl + (term ? 1 : 0);
        /* an empty line is not a record (only matters for files of more than one column) */
        if (c->nf == 1 && end == at && c->nh != 1) continue;
        if (c->lazy) c->rec_end = end;
        else decode(c, end);
        return 1;
    }
}

static int cpu_avx2(void) {
#ifdef YB_CSV_AVX2
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("popcnt");
#else
    return 0;
#endif
}

int yb__csv_set_avx2(yb_csv *c, int on) {
    c->avx2 = on && cpu_avx2();
    return c->avx2;
}

static yb_rc open_common(yb_csv *c, yb_csv **out, yb_err *err) {
    c->line = 1;
    c->avx2 = cpu_avx2();
    c->start = malloc(YB_CSV_MAX_FIELDS * sizeof *c->start);
    c->fptr = malloc(YB_CSV_MAX_FIELDS * sizeof *c->fptr);
    c->flen = malloc(YB_CSV_MAX_FIELDS * sizeof *c->flen);
    if (!c->start || !c->fptr || !c->flen || refill(c) < 0) {
        yb_csv_close(c);
        return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    }
    /* skip a UTF-8 byte order mark */
    while (c->len - c->pos < 3 && !c->eof)
        if (refill(c) < 0) {
            yb_csv_close(c);
            return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
        }
    if (c->len - c->pos >= 3 && !memcmp(c->buf + c->pos, "\xEF\xBB\xBF", 3)) c->pos += 3;
    int r = read_record(c, err);
    if (r <= 0) {
        if (r == 0) {
            yb_err_set(err, c->ioerr ? YB_E_IO : YB_E_INVALID, NULL, NULL, "%s",
                       c->ioerr ? "read error" : "empty file: no header row");
            yb_err_at(err, c->name, 1);
        }
        yb_rc rc = err && err->rc ? err->rc : YB_E_INVALID;
        yb_csv_close(c);
        return rc;
    }
    c->nh = c->nf;
    c->hdr = calloc(c->nh, sizeof *c->hdr);
    if (!c->hdr) {
        yb_csv_close(c);
        return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    }
    for (size_t i = 0; i < c->nh; i++) {
        c->hdr[i] = strdup(yb_csv_field(c, (int)i, NULL));
        if (!c->hdr[i]) {
            yb_csv_close(c);
            return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
        }
        for (size_t j = 0; j < i; j++)
            if (c->hdr[i][0] && !strcmp(c->hdr[i], c->hdr[j])) {
                yb_err_set(err, YB_E_INVALID, c->hdr[i], NULL, "column named twice in the header");
                yb_err_at(err, c->name, 1);
                yb_csv_close(c);
                return YB_E_INVALID;
            }
    }
    c->nf = 0;
    *out = c;
    return YB_OK;
}

yb_rc yb_csv_open_fp(FILE *fp, const char *name, yb_csv **out, yb_err *err) {
    yb_csv *c = calloc(1, sizeof *c);
    if (!c) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    c->fp = fp;
    c->left = SIZE_MAX;
    set_name(c, name);
    return open_common(c, out, err);
}

yb_rc yb_csv_open(const char *path, yb_csv **out, yb_err *err) {
    FILE *fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!fp) {
        yb_err_set(err, YB_E_IO, NULL, NULL, "cannot open the file");
        yb_err_at(err, path, 0);
        return YB_E_IO;
    }
    yb_rc rc = yb_csv_open_fp(fp, path, out, err);
    if (rc == YB_OK) (*out)->own_fp = fp != stdin;
    else if (fp != stdin) fclose(fp);
    return rc;
}

yb_rc yb_csv_open_mem(const char *buf, size_t len, const char *name, yb_csv **out, yb_err *err) {
    return yb__csv_open_mem_chunked(buf, len, name, 0, out, err);
}

yb_rc yb__csv_open_mem_chunked(const char *buf, size_t len, const char *name, size_t chunk, yb_csv **out, yb_err *err) {
    yb_csv *c = calloc(1, sizeof *c);
    if (!c) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    c->chunk = chunk;
    c->mem = buf ? buf : "";
    c->mem_len = buf ? len : 0;
    if (!c->mem_len) c->eof = 1;
    set_name(c, name);
    return open_common(c, out, err);
}

int yb_csv_set_end(yb_csv *c, size_t end) {
    if (!c->fp) return -1;
    long at = ftell(c->fp);
    if (at < 0 || (size_t)at > end) return -1;
    c->left = end - (size_t)at;
    if (!c->left) c->eof = 1;
    return 0;
}

long yb_csv_next_line(const yb_csv *c) { return c->line; }

int yb_csv_ended_in_quote(const yb_csv *c) { return c->quote_at_end; }

yb_rc yb_csv_open_part(const yb_csv *whole, const char *path, size_t off, size_t len, long line, yb_csv **out,
                       yb_err *err) {
    yb_csv *c = calloc(1, sizeof *c);
    if (!c) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    set_name(c, whole->name);
    c->fp = fopen(path, "rb");
    c->own_fp = 1;
    c->left = len;
    c->line = line;
    c->nh = whole->nh;
    c->start = malloc(YB_CSV_MAX_FIELDS * sizeof *c->start);
    c->fptr = malloc(YB_CSV_MAX_FIELDS * sizeof *c->fptr);
    c->flen = malloc(YB_CSV_MAX_FIELDS * sizeof *c->flen);
    c->hdr = calloc(c->nh ? c->nh : 1, sizeof *c->hdr);
    int ok = c->fp && fseek(c->fp, (long)off, SEEK_SET) == 0 && c->start && c->fptr && c->flen && c->hdr;
    for (size_t i = 0; ok && i < c->nh; i++) ok = (c->hdr[i] = strdup(whole->hdr[i])) != NULL;
    c->only = whole->only;
    c->avx2 = whole->avx2;
    memcpy(c->need, whole->need, sizeof c->need);
    memcpy(c->sel, whole->sel, sizeof c->sel);
    if (!ok) {
        yb_csv_close(c);
        yb_err_set(err, YB_E_IO, NULL, NULL, "cannot open a part of the file");
        yb_err_at(err, path, 0);
        return YB_E_IO;
    }
    if (!len) c->eof = 1;
    *out = c;
    return YB_OK;
}

void yb_csv_close(yb_csv *c) {
    if (!c) return;
    if (c->own_fp && c->fp) fclose(c->fp);
    free(c->buf);
    free(c->start);
    free(c->fptr);
    free(c->flen);
    for (size_t i = 0; c->hdr && i < c->nh; i++) free(c->hdr[i]);
    free(c->hdr);
    free(c);
}

int yb_csv_col(const yb_csv *c, const char *name) {
    for (size_t i = 0; i < c->nh; i++)
        if (!strcmp(c->hdr[i], name)) return (int)i;
    return -1;
}

yb_rc yb_csv_require(const yb_csv *c, const char *const *names, size_t n, int *idx, yb_err *err) {
    for (size_t i = 0; i < n; i++) {
        idx[i] = yb_csv_col(c, names[i]);
        if (idx[i] < 0) {
            yb_err_set(err, YB_E_INVALID, names[i], NULL, "missing column '%s'", names[i]);
            yb_err_at(err, c->name, 1);
            return YB_E_INVALID;
        }
    }
    return YB_OK;
}

size_t yb_csv_ncols(const yb_csv *c) { return c->nh; }

const char *yb_csv_header(const yb_csv *c, size_t i) { return i < c->nh ? c->hdr[i] : NULL; }

int yb_csv_next(yb_csv *c, yb_err *err) {
    int r = read_record(c, err);
    if (r <= 0) {
        c->nf = 0;
        return r;
    }
    if (c->nf != c->nh) {
        char b[64];
        snprintf(b, sizeof b, "%zu fields where the header has %zu", c->nf, c->nh);
        yb_err_set(err, YB_E_INVALID, NULL, NULL, "%s", b);
        yb_err_at(err, c->name, c->rec_line);
        c->nf = 0;
        return -1;
    }
    return 1;
}

const char *yb_csv_field(const yb_csv *c, int i, size_t *len) {
    if (i < 0 || (size_t)i >= c->nf) {
        if (len) *len = 0;
        return "";
    }
    if (c->only && !(c->sel[i >> 6] >> (i & 63) & 1)) {
        if (len) *len = 0;
        return "";
    }
    if (c->lazy) {
        size_t s = c->start[i], e = (size_t)i + 1 < c->nf ? c->start[i + 1] - 1 : c->rec_end;
        c->buf[e] = '\0';   /* the separator after the field, or the terminator (or buf[len]) */
        if (len) *len = e - s;
        return c->buf + s;
    }
    if (len) *len = c->flen[i];
    return c->fptr[i];
}

void yb_csv_fields(const yb_csv *c, const int *cols, size_t n, const char **ptr, size_t *len) {
    if (!c->lazy) {
        for (size_t k = 0; k < n; k++) ptr[k] = yb_csv_field(c, cols[k], &len[k]);
        return;
    }
    /* locals: the NUL stores through buf (char) would otherwise reload all of *c each time */
    char *buf = c->buf;
    const size_t *st = c->start, nf = c->nf, rec_end = c->rec_end;
    const uint64_t *sel = c->only ? c->sel : NULL;
    for (size_t k = 0; k < n; k++) {
        int i = cols[k];
        if (i < 0 || (size_t)i >= nf || (sel && !(sel[i >> 6] >> (i & 63) & 1))) {
            ptr[k] = "";
            len[k] = 0;
            continue;
        }
        size_t s = st[i], e = (size_t)i + 1 < nf ? st[i + 1] - 1 : rec_end;
        buf[e] = '\0';
        ptr[k] = buf + s;
        len[k] = e - s;
    }
}

long yb_csv_line(const yb_csv *c) { return c->rec_line; }

void yb_csv_only(yb_csv *c, const int *cols, size_t n) {
    memset(c->need, 0, sizeof c->need);
    memset(c->sel, 0, sizeof c->sel);
    c->only = 1;
    for (size_t k = 0; k < n; k++) {
        int i = cols[k];
        if (i < 0 || i >= YB_CSV_MAX_FIELDS) continue;
        c->sel[i >> 6] |= 1ull << (i & 63);
        c->need[i >> 6] |= 1ull << (i & 63);   /* its start */
        c->need[(i + 1) >> 6] |= 1ull << ((i + 1) & 63);   /* and where it ends */
    }
}

const char *yb_csv_name(const yb_csv *c) { return c->name; }

void yb_csv_put(FILE *fp, const char *s, size_t n) {
    int quote = 0;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        fwrite(s, 1, n, fp);
        return;
    }
    fputc('"', fp);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') fputc('"', fp);
        fputc(s[i], fp);
    }
    fputc('"', fp);
}

void yb_csv_put_row(FILE *fp, const char *const *fields, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (i) fputc(',', fp);
        const char *s = fields[i] ? fields[i] : "";
        yb_csv_put(fp, s, strlen(s));
    }
    fputc('\n', fp);
}
