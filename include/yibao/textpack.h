/*
 * textpack.h — recorded interface replies, stored compressed.
 *
 * msg_log keeps the reply of every message that wrote, for the replay of its msgid. A settlement's
 * reply is about 2.3 KB of JSON, most of it the same field names in every reply: stored as text it
 * took a page of the database per settlement, more than any other row of the settlement. Packed
 * (LZ4 with a dictionary of those names built into the program) it is about a quarter of that.
 *
 * A packed text is a BLOB: one byte naming the format (1: LZ4 block with dictionary 1), the text's
 * length in bytes as an unsigned LEB128 number (1 to YB_PACK_MAX), then the LZ4 block. Text is
 * stored packed only when that is smaller; readers take a TEXT value as it is and unpack a BLOB.
 * A format, once written, is never changed: a new dictionary is a new format number, and every
 * format written by a release stays readable.
 */
#ifndef YB_TEXTPACK_H
#define YB_TEXTPACK_H

#include <stddef.h>
#include <sqlite3.h>

#include "yibao/rc.h"

#define YB_PACK_MAX (16u << 20) /* the longest text packed or unpacked, in bytes */
#define YB_PACK_MIN 64          /* shorter texts are stored as they are */

/* Packs s[0..n) into a malloc'd blob (*out, *outn). When packing would not make it smaller (or n
 * is below YB_PACK_MIN or above YB_PACK_MAX), *out is NULL and the text is to be stored as it is.
 * Fails only when out of memory. */
yb_rc yb_pack_text(const char *s, size_t n, unsigned char **out, size_t *outn, yb_err *err);

/* Unpacks blob b[0..n) into a malloc'd NUL-terminated text (*out, its length *outn). A blob that is
 * not a packed text of a known format, or does not unpack to exactly its stated length, or unpacks
 * to text containing a NUL byte, is an error (YB_E_INVALID) and *out is NULL. */
yb_rc yb_unpack_text(const void *b, size_t n, char **out, size_t *outn, yb_err *err);

/* Column col of a stepped statement as a malloc'd NUL-terminated text: a TEXT value copied, a BLOB
 * unpacked, NULL as "". */
yb_rc yb_col_unpacked(sqlite3_stmt *st, int col, char **out, yb_err *err);

/* The dictionary of a format (tests check that a format's dictionary never changes); NULL if unknown. */
const char *yb__pack_dict(int format, size_t *n);

#endif
