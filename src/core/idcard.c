/*
 * idcard.c — GB 11643-1999 citizen identity numbers (see include/yibao/idcard.h).
 * The value never appears unmasked in an error: yb_err_set masks field "certno".
 */
#include "yibao/idcard.h"

static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
static const char check_chars[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};

char yb_idcard_check_char(const char *first17) {
    int sum = 0;
    for (int i = 0; i < 17; i++) sum += (first17[i] - '0') * weights[i];
    return check_chars[sum % 11];
}

yb_rc yb_idcard_check(const char *s, size_t n, yb_date today, yb_date *birth, int *sex, yb_err *err) {
    char shown[20] = {0};
    for (size_t i = 0; i < n && i < sizeof shown - 1; i++) shown[i] = s[i];
    if (n != 18)
        return yb_err_set(err, YB_E_INVALID, "certno", shown, "an ID number has 18 characters, this one has %zu", n);
    for (int i = 0; i < 17; i++)
        if (s[i] < '0' || s[i] > '9')
            return yb_err_set(err, YB_E_INVALID, "certno", shown, "character %d of the ID number is not a digit", i + 1);
    char last = s[17] == 'x' ? 'X' : s[17];
    if (!((last >= '0' && last <= '9') || last == 'X'))
        return yb_err_set(err, YB_E_INVALID, "certno", shown, "the check character must be a digit or X");
    yb_date b;
    if (yb_date_parse(s + 6, 8, &b))
        return yb_err_set(err, YB_E_INVALID, "certno", shown, "the birth date in the ID number does not exist");
    if (today != YB_DATE_NONE && b > today)
        return yb_err_set(err, YB_E_INVALID, "certno", shown, "the birth date in the ID number is in the future");
    if (yb_idcard_check_char(s) != last)
        return yb_err_set(err, YB_E_INVALID, "certno", shown, "wrong check character (GB 11643)");
    if (birth) *birth = b;
    if (sex) *sex = ((s[16] - '0') % 2) ? 1 : 2;
    return YB_OK;
}
