/*
 * date.c — civil dates as day numbers (see include/yibao/date.h).
 *
 * days_from_civil / civil_from_days are the classic era-based conversions for the proleptic
 * Gregorian calendar; exact for every year 1..9999 that we accept. Parsing accepts exactly the
 * documented forms and validates every field (month 1..12, day within its month, hour < 24,
 * minute and second < 60). Formatting a day outside years 1..9999 gives "0000-00-00".
 */
#include <string.h>

#include "yibao/date.h"

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t yy = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned dd = doy - (153 * mp + 2) / 5 + 1;
    const unsigned mm = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (mm <= 2));
    *m = (int)mm;
    *d = (int)dd;
}

static int days_in_month(int y, int m) {
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return dm[m - 1];
}

yb_rc yb_date_make(int y, int m, int d, yb_date *out) {
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return YB_E_INVALID;
    *out = (yb_date)days_from_civil(y, (unsigned)m, (unsigned)d);
    return YB_OK;
}

void yb_date_ymd(yb_date d, int *y, int *m, int *dd) { civil_from_days(d, y, m, dd); }

static int digits(const char *s, size_t n, int *out) {
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

yb_rc yb_date_parse(const char *s, size_t n, yb_date *out) {
    int y, m, d;
    if (n == 10 && s[4] == '-' && s[7] == '-') {
        if (!digits(s, 4, &y) || !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d)) return YB_E_INVALID;
    } else if (n == 8) {
        if (!digits(s, 4, &y) || !digits(s + 4, 2, &m) || !digits(s + 6, 2, &d)) return YB_E_INVALID;
    } else {
        return YB_E_INVALID;
    }
    return yb_date_make(y, m, d, out);
}

yb_rc yb_datetime_parse(const char *s, size_t n, yb_datetime *out) {
    yb_date d;
    if (n == 10 || n == 8) {
        if (yb_date_parse(s, n, &d)) return YB_E_INVALID;
        *out = (yb_datetime)d * 86400;
        return YB_OK;
    }
    if (n != 19 || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':') return YB_E_INVALID;
    if (yb_date_parse(s, 10, &d)) return YB_E_INVALID;
    int hh, mi, ss;
    if (!digits(s + 11, 2, &hh) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &ss)) return YB_E_INVALID;
    if (hh > 23 || mi > 59 || ss > 59) return YB_E_INVALID;
    *out = (yb_datetime)d * 86400 + hh * 3600 + mi * 60 + ss;
    return YB_OK;
}

static void put2(char *p, int v) {
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
}

/* Day numbers of 0001-01-01 and 9999-12-31, the range yb_date_make accepts. */
#define DAY_MIN (-719162)
#define DAY_MAX 2932896

char *yb_date_fmt(yb_date d, char *buf) {
    if (d < DAY_MIN || d > DAY_MAX) {
        /* not a date we can produce (YB_DATE_NONE, YB_DATE_MAX): a fixed, unparseable marker */
        memcpy(buf, "0000-00-00", 11);
        return buf;
    }
    int y, m, dd;
    civil_from_days(d, &y, &m, &dd);
    put2(buf, y / 100);
    put2(buf + 2, y % 100);
    buf[4] = '-';
    put2(buf + 5, m);
    buf[7] = '-';
    put2(buf + 8, dd);
    buf[10] = '\0';
    return buf;
}

char *yb_datetime_fmt(yb_datetime t, char *buf) {
    if (t < (yb_datetime)DAY_MIN * 86400 || t > (yb_datetime)DAY_MAX * 86400 + 86399) {
        memcpy(buf, "0000-00-00 00:00:00", 20);
        return buf;
    }
    yb_date d = yb_datetime_date(t);
    int s = (int)(t - (int64_t)d * 86400);
    yb_date_fmt(d, buf);
    buf[10] = ' ';
    put2(buf + 11, s / 3600);
    buf[13] = ':';
    put2(buf + 14, s / 60 % 60);
    buf[16] = ':';
    put2(buf + 17, s % 60);
    buf[19] = '\0';
    return buf;
}

int yb_date_year(yb_date d) {
    int y, m, dd;
    civil_from_days(d, &y, &m, &dd);
    return y;
}

int yb_date_weekday(yb_date d) {
    /* 1970-01-01 was a Thursday (3 when Monday = 0) */
    int64_t w = ((int64_t)d + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

int yb_age_years(yb_date birth, yb_date on) {
    if (on < birth) return -1;
    int by, bm, bd, y, m, d;
    civil_from_days(birth, &by, &bm, &bd);
    civil_from_days(on, &y, &m, &d);
    int age = y - by;
    if (m < bm || (m == bm && d < bd)) age--;
    return age;
}
