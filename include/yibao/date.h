/*
 * date.h — calendar dates and date-times without time zones.
 *
 * A yb_date is the number of days since 1970-01-01 (proleptic Gregorian), so dates compare and
 * subtract as integers. A yb_datetime is seconds since 1970-01-01 00:00:00 in the same local
 * civil time the input used (the national interface carries no zone). YB_DATE_NONE /
 * YB_DATETIME_NONE mean "absent".
 */
#ifndef YIBAO_DATE_H
#define YIBAO_DATE_H

#include <stdint.h>
#include <stddef.h>
#include "yibao/rc.h"

typedef int32_t yb_date;
typedef int64_t yb_datetime;

#define YB_DATE_NONE INT32_MIN
#define YB_DATE_MAX INT32_MAX          /* "open-ended" end date */
#define YB_DATETIME_NONE INT64_MIN

/* Days since epoch of a valid y-m-d (1..9999); YB_E_INVALID for a date that does not exist. */
yb_rc yb_date_make(int y, int m, int d, yb_date *out);
void yb_date_ymd(yb_date d, int *y, int *m, int *dd);
/* "yyyy-MM-dd" (also "yyyyMMdd"). Exactly these forms; YB_E_INVALID otherwise. */
yb_rc yb_date_parse(const char *s, size_t n, yb_date *out);
/* "yyyy-MM-dd HH:mm:ss", "yyyy-MM-ddTHH:mm:ss", or a date alone (midnight). */
yb_rc yb_datetime_parse(const char *s, size_t n, yb_datetime *out);
/* buf >= 11 bytes: "yyyy-MM-dd". */
char *yb_date_fmt(yb_date d, char *buf);
/* buf >= 20 bytes: "yyyy-MM-dd HH:mm:ss". */
char *yb_datetime_fmt(yb_datetime t, char *buf);
static inline yb_date yb_datetime_date(yb_datetime t) {
    return (yb_date)(t >= 0 ? t / 86400 : -((-t + 86399) / 86400));
}
int yb_date_year(yb_date d);
/* 0 = Monday .. 6 = Sunday. */
int yb_date_weekday(yb_date d);
/* Whole years from birth to on (age on that day); -1 if on < birth. */
int yb_age_years(yb_date birth, yb_date on);

#endif
