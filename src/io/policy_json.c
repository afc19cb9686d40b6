/*
 * policy_json.c — load a benefit policy from JSON (schema: docs/policy.md).
 *
 * Strict: an unknown key is an error (a typo must not silently change a benefit), every value is
 * checked for type and range, and every error names the JSON path, e.g.
 * "insutypes.310.blocks[0].ratio.2" with the value. Amounts and ratios are read from the
 * number's text (json_num.c), never through floating point. The loaded policy is checked as a
 * whole by yb_policy_validate before it is returned; on any error nothing is returned.
 *
 * yb_policy_to_json writes the canonical form: every value explicit, amounts and ratios as
 * decimal strings ("800.00", "0.8500", so that tools reading JSON numbers as doubles cannot
 * alter them), in the order of the struct. Loading it gives back the same struct byte for byte
 * (the optional "note" is not kept in the struct and is not written).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yibao/json_num.h"
#include "yibao/policy.h"

typedef struct ctx {
    yb_err *err;
} ctx;

#define TRY(expr)                        \
    do {                                 \
        yb_rc rc_ = (expr);              \
        if (rc_ != YB_OK) return rc_;    \
    } while (0)

static yb_rc need_type(ctx *c, json_object *v, json_type t, const char *path, const char *what) {
    if (!v || json_object_get_type(v) != t)
        return yb_err_set(c->err, YB_E_INVALID, path, yb_json_text_of(v), "%s expected", what);
    return YB_OK;
}

/* Every key of object o must be in the NULL-terminated list. */
static yb_rc only_keys(ctx *c, json_object *o, const char *path, const char *const *keys) {
    json_object_object_foreach(o, k, v) {
        (void)v;
        int ok = 0;
        for (const char *const *p = keys; *p && !ok; p++) ok = !strcmp(*p, k);
        if (!ok) {
            char full[256];
            snprintf(full, sizeof full, "%s%s%s", path, *path ? "." : "", k);
            return yb_err_set(c->err, YB_E_INVALID, full, NULL, "unknown key");
        }
    }
    return YB_OK;
}

static json_object *get(json_object *o, const char *k) {
    json_object *v = NULL;
    return json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static yb_rc required(ctx *c, json_object *o, const char *k, const char *path, json_object **out) {
    *out = get(o, k);
    if (!*out) {
        char full[256];
        snprintf(full, sizeof full, "%s%s%s", path, *path ? "." : "", k);
        return yb_err_set(c->err, YB_E_INVALID, full, NULL, "required key missing");
    }
    return YB_OK;
}

static void join(char *out, size_t cap, const char *path, const char *k) {
    snprintf(out, cap, "%s%s%s", path, *path ? "." : "", k);
}

/* {"1": x, "2": y, "3": z} — all three level classes, as money or ratios */
static yb_rc by_class(ctx *c, json_object *o, const char *path, int is_ratio, int64_t out[4]) {
    static const char *const keys[] = {"1", "2", "3", NULL};
    TRY(need_type(c, o, json_type_object, path, "an object with level classes \"1\", \"2\", \"3\""));
    TRY(only_keys(c, o, path, keys));
    for (int k = 1; k <= 3; k++) {
        char p[256], kk[2] = {(char)('0' + k), 0};
        json_object *v;
        TRY(required(c, o, kk, path, &v));
        join(p, sizeof p, path, kk);
        if (is_ratio) {
            yb_ratio r;
            TRY(yb_json_ratio(v, p, 0, &r, c->err));
            out[k] = r;
        } else {
            TRY(yb_json_money(v, p, 0, &out[k], c->err));
        }
    }
    return YB_OK;
}

/* A list of non-empty strings into max slots of width bytes; unused slots are cleared so that a
 * loaded policy has one byte image. */
static yb_rc str_list(ctx *c, json_object *a, const char *path, char *base, size_t width, int max, int *n) {
    TRY(need_type(c, a, json_type_array, path, "an array of strings"));
    size_t len = json_object_array_length(a);
    if (len > (size_t)max) return yb_err_set(c->err, YB_E_LIMIT, path, NULL, "more than %d entries", max);
    memset(base, 0, width * (size_t)max);
    for (size_t i = 0; i < len; i++) {
        char p[256];
        snprintf(p, sizeof p, "%s[%zu]", path, i);
        json_object *v = json_object_array_get_idx(a, i);
        if (json_object_get_type(v) != json_type_string)
            return yb_err_set(c->err, YB_E_INVALID, p, yb_json_text_of(v), "a string expected");
        TRY(yb_json_str(v, p, base + i * width, width, c->err));
        if (!base[i * width]) return yb_err_set(c->err, YB_E_INVALID, p, "", "an empty code");
    }
    *n = (int)len;
    return YB_OK;
}

/* A code of exactly `digits` decimal digits (fund_pay_type, insutype). */
static yb_rc digits_code(ctx *c, const char *s, size_t digits, const char *path) {
    size_t n = strlen(s);
    int ok = n == digits;
    for (size_t i = 0; ok && i < n; i++) ok = s[i] >= '0' && s[i] <= '9';
    if (!ok) return yb_err_set(c->err, YB_E_INVALID, path, s, "must be %zu digits", digits);
    return YB_OK;
}

/* A name used as an object key (identity, filing class): non-empty and short enough. */
static yb_rc key_name(ctx *c, const char *name, char *out, size_t cap, const char *path) {
    if (!*name) return yb_err_set(c->err, YB_E_INVALID, path, "", "an empty name");
    if (strlen(name) >= cap) return yb_err_set(c->err, YB_E_LIMIT, path, NULL, "name longer than %zu bytes", cap - 1);
    memcpy(out, name, strlen(name) + 1);
    return YB_OK;
}

static yb_rc load_block(ctx *c, json_object *o, const char *path, const char *insutype, yb_block *b) {
    static const char *const keys[] = {"name", "med_types", "fund_pay_type", "deductible", "ratio", "retiree_bonus",
                                       "cap_group", "annual_cap", NULL};
    char p[256];
    TRY(need_type(c, o, json_type_object, path, "a block object"));
    TRY(only_keys(c, o, path, keys));
    json_object *v;
    TRY(required(c, o, "name", path, &v));
    join(p, sizeof p, path, "name");
    TRY(yb_json_str(v, p, b->name, sizeof b->name, c->err));
    TRY(required(c, o, "med_types", path, &v));
    join(p, sizeof p, path, "med_types");
    TRY(str_list(c, v, p, &b->med_types[0][0], sizeof b->med_types[0], YB_POL_MAX_MEDTYPES, &b->n_med_types));
    if ((v = get(o, "fund_pay_type"))) {
        join(p, sizeof p, path, "fund_pay_type");
        TRY(yb_json_str(v, p, b->fund_pay_type, sizeof b->fund_pay_type, c->err));
        TRY(digits_code(c, b->fund_pay_type, 6, p));
    } else {
        snprintf(b->fund_pay_type, sizeof b->fund_pay_type, "%.3s100", insutype);
    }
    /* deductible */
    TRY(required(c, o, "deductible", path, &v));
    char dp[256];
    join(dp, sizeof dp, path, "deductible");
    static const char *const dkeys[] = {"per", "by_class", "admission_factors", NULL};
    TRY(need_type(c, v, json_type_object, dp, "an object {per, by_class}"));
    TRY(only_keys(c, v, dp, dkeys));
    json_object *per;
    TRY(required(c, v, "per", dp, &per));
    join(p, sizeof p, dp, "per");
    const char *pt = yb_json_text_of(per);
    if (pt && !strcmp(pt, "admission")) b->dedc_per = YB_DEDC_PER_ADMISSION;
    else if (pt && !strcmp(pt, "year")) b->dedc_per = YB_DEDC_PER_YEAR;
    else if (pt && !strcmp(pt, "none")) b->dedc_per = YB_DEDC_NONE;
    else return yb_err_set(c->err, YB_E_INVALID, p, pt, "must be \"admission\", \"year\" or \"none\"");
    json_object *bc = get(v, "by_class");
    if (bc) {
        join(p, sizeof p, dp, "by_class");
        TRY(by_class(c, bc, p, 0, b->dedc));
    } else if (b->dedc_per != YB_DEDC_NONE) {
        join(p, sizeof p, dp, "by_class");
        return yb_err_set(c->err, YB_E_INVALID, p, NULL, "required key missing");
    }
    json_object *af = get(v, "admission_factors");
    if (af) {
        join(p, sizeof p, dp, "admission_factors");
        TRY(need_type(c, af, json_type_array, p, "an array of factors"));
        if (b->dedc_per != YB_DEDC_PER_ADMISSION)
            return yb_err_set(c->err, YB_E_INVALID, p, NULL, "admission factors need per \"admission\"");
        size_t n = json_object_array_length(af);
        if (n > YB_POL_MAX_FACTORS) return yb_err_set(c->err, YB_E_LIMIT, p, NULL, "more than %d factors", YB_POL_MAX_FACTORS);
        for (size_t i = 0; i < n; i++) {
            char q[256];
            snprintf(q, sizeof q, "%s[%zu]", p, i);
            TRY(yb_json_ratio(json_object_array_get_idx(af, i), q, 1, &b->admission_factor[i], c->err));
            if (b->admission_factor[i] < 0) return yb_err_set(c->err, YB_E_INVALID, q, NULL, "negative factor");
        }
        b->n_admission_factors = (int)n;
    }
    int64_t r[4] = {0};
    TRY(required(c, o, "ratio", path, &v));
    join(p, sizeof p, path, "ratio");
    TRY(by_class(c, v, p, 1, r));
    for (int k = 1; k <= 3; k++) b->ratio[k] = (yb_ratio)r[k];
    if ((v = get(o, "retiree_bonus"))) {
        join(p, sizeof p, path, "retiree_bonus");
        TRY(yb_json_ratio(v, p, 0, &b->retiree_bonus, c->err));
    }
    TRY(required(c, o, "cap_group", path, &v));
    join(p, sizeof p, path, "cap_group");
    TRY(yb_json_str(v, p, b->cap_group, sizeof b->cap_group, c->err));
    b->annual_cap_active = b->annual_cap_retired = YB_NO_CAP;
    if ((v = get(o, "annual_cap"))) {
        static const char *const ckeys[] = {"all", "active", "retired", NULL};
        char cp[256];
        join(cp, sizeof cp, path, "annual_cap");
        TRY(need_type(c, v, json_type_object, cp, "an object {all} or {active, retired}"));
        TRY(only_keys(c, v, cp, ckeys));
        json_object *x;
        if ((x = get(v, "all"))) {
            join(p, sizeof p, cp, "all");
            TRY(yb_json_money(x, p, 0, &b->annual_cap_active, c->err));
            b->annual_cap_retired = b->annual_cap_active;
            if (get(v, "active") || get(v, "retired"))
                return yb_err_set(c->err, YB_E_INVALID, cp, NULL, "give either all, or active and retired");
        }
        if ((x = get(v, "active"))) {
            join(p, sizeof p, cp, "active");
            TRY(yb_json_money(x, p, 0, &b->annual_cap_active, c->err));
        }
        if ((x = get(v, "retired"))) {
            join(p, sizeof p, cp, "retired");
            TRY(yb_json_money(x, p, 0, &b->annual_cap_retired, c->err));
        }
    }
    return YB_OK;
}

static yb_rc load_layer(ctx *c, json_object *o, const char *path, yb_layer *l) {
    static const char *const keys[] = {"name", "fund_pay_type", "blocks", "base", "eligible", "threshold", "segments",
                                       "annual_cap", "identity_adjust", "by_identity", NULL};
    char p[256];
    TRY(need_type(c, o, json_type_object, path, "a layer object"));
    TRY(only_keys(c, o, path, keys));
    json_object *v;
    TRY(required(c, o, "name", path, &v));
    join(p, sizeof p, path, "name");
    TRY(yb_json_str(v, p, l->name, sizeof l->name, c->err));
    TRY(required(c, o, "fund_pay_type", path, &v));
    join(p, sizeof p, path, "fund_pay_type");
    TRY(yb_json_str(v, p, l->fund_pay_type, sizeof l->fund_pay_type, c->err));
    TRY(digits_code(c, l->fund_pay_type, 6, p));
    if ((v = get(o, "blocks"))) {
        join(p, sizeof p, path, "blocks");
        TRY(str_list(c, v, p, &l->blocks[0][0], sizeof l->blocks[0], YB_POL_MAX_BLOCKS, &l->n_blocks));
    }
    l->base = YB_BASE_REMAINING_INSCP;
    if ((v = get(o, "base"))) {
        join(p, sizeof p, path, "base");
        const char *t = yb_json_text_of(v);
        if (t && !strcmp(t, "remaining_inscp")) l->base = YB_BASE_REMAINING_INSCP;
        else if (t && !strcmp(t, "over_cap")) l->base = YB_BASE_OVER_CAP;
        else return yb_err_set(c->err, YB_E_INVALID, p, t, "must be \"remaining_inscp\" or \"over_cap\"");
    }
    l->elig = YB_ELIG_ALL;
    if ((v = get(o, "eligible"))) {
        join(p, sizeof p, path, "eligible");
        const char *t = json_object_get_type(v) == json_type_string ? json_object_get_string(v) : NULL;
        if (t && !strcmp(t, "all")) l->elig = YB_ELIG_ALL;
        else if (t && !strcmp(t, "cvlserv")) l->elig = YB_ELIG_CVLSERV;
        else if (json_object_get_type(v) == json_type_array) {
            l->elig = YB_ELIG_IDENTITIES;
            TRY(str_list(c, v, p, &l->eligible[0][0], sizeof l->eligible[0], YB_POL_MAX_IDENT, &l->n_eligible));
            if (!l->n_eligible) return yb_err_set(c->err, YB_E_INVALID, p, NULL, "an empty list: nobody would be eligible");
        } else {
            return yb_err_set(c->err, YB_E_INVALID, p, t, "must be \"all\", \"cvlserv\" or a list of identities");
        }
    }
    if ((v = get(o, "threshold"))) {
        join(p, sizeof p, path, "threshold");
        TRY(yb_json_money(v, p, 0, &l->threshold, c->err));
    }
    if ((v = get(o, "segments"))) {
        join(p, sizeof p, path, "segments");
        TRY(need_type(c, v, json_type_array, p, "an array of {from, ratio}"));
        size_t n = json_object_array_length(v);
        if (n > YB_POL_MAX_SEGMENTS) return yb_err_set(c->err, YB_E_LIMIT, p, NULL, "more than %d segments", YB_POL_MAX_SEGMENTS);
        for (size_t i = 0; i < n; i++) {
            static const char *const skeys[] = {"from", "ratio", NULL};
            char sp[256], q[256];
            snprintf(sp, sizeof sp, "%s[%zu]", p, i);
            json_object *s = json_object_array_get_idx(v, i), *x;
            TRY(need_type(c, s, json_type_object, sp, "an object {from, ratio}"));
            TRY(only_keys(c, s, sp, skeys));
            TRY(required(c, s, "from", sp, &x));
            join(q, sizeof q, sp, "from");
            TRY(yb_json_money(x, q, 0, &l->seg[i].from, c->err));
            TRY(required(c, s, "ratio", sp, &x));
            join(q, sizeof q, sp, "ratio");
            TRY(yb_json_ratio(x, q, 0, &l->seg[i].ratio, c->err));
        }
        l->n_seg = (int)n;
    }
    l->annual_cap = YB_NO_CAP;
    if ((v = get(o, "annual_cap"))) {
        join(p, sizeof p, path, "annual_cap");
        TRY(yb_json_money(v, p, 0, &l->annual_cap, c->err));
    }
    if ((v = get(o, "identity_adjust"))) {
        char ap[256];
        join(ap, sizeof ap, path, "identity_adjust");
        TRY(need_type(c, v, json_type_object, ap, "an object of identities"));
        json_object_object_foreach(v, name, adj) {
            static const char *const akeys[] = {"threshold_factor", "ratio_add", "no_cap", NULL};
            char q[256], r[256];
            join(q, sizeof q, ap, name);
            if (l->n_adjust >= YB_POL_MAX_IDENT) return yb_err_set(c->err, YB_E_LIMIT, q, NULL, "more than %d identities", YB_POL_MAX_IDENT);
            yb_identity_adjust *a = &l->adjust[l->n_adjust++];
            TRY(key_name(c, name, a->identity, sizeof a->identity, q));
            a->threshold_factor = YB_RATIO_ONE;
            TRY(need_type(c, adj, json_type_object, q, "an object {threshold_factor, ratio_add, no_cap}"));
            TRY(only_keys(c, adj, q, akeys));
            json_object *x;
            if ((x = get(adj, "threshold_factor"))) {
                join(r, sizeof r, q, "threshold_factor");
                TRY(yb_json_ratio(x, r, 1, &a->threshold_factor, c->err));
            }
            if ((x = get(adj, "ratio_add"))) {
                join(r, sizeof r, q, "ratio_add");
                TRY(yb_json_ratio(x, r, 1, &a->ratio_add, c->err));
            }
            if ((x = get(adj, "no_cap"))) {
                join(r, sizeof r, q, "no_cap");
                TRY(yb_json_flag(x, r, &a->no_cap, c->err));
            }
        }
    }
    if ((v = get(o, "by_identity"))) {
        char bp[256];
        join(bp, sizeof bp, path, "by_identity");
        TRY(need_type(c, v, json_type_object, bp, "an object of identities"));
        json_object_object_foreach(v, name, bi) {
            static const char *const bkeys[] = {"threshold", "ratio", NULL};
            char q[256], r[256];
            join(q, sizeof q, bp, name);
            if (l->n_by_identity >= YB_POL_MAX_IDENT) return yb_err_set(c->err, YB_E_LIMIT, q, NULL, "more than %d identities", YB_POL_MAX_IDENT);
            yb_by_identity *b = &l->by_identity[l->n_by_identity++];
            TRY(key_name(c, name, b->identity, sizeof b->identity, q));
            TRY(need_type(c, bi, json_type_object, q, "an object {threshold, ratio}"));
            TRY(only_keys(c, bi, q, bkeys));
            json_object *x;
            if ((x = get(bi, "threshold"))) {
                join(r, sizeof r, q, "threshold");
                TRY(yb_json_money(x, r, 0, &b->threshold, c->err));
            }
            TRY(required(c, bi, "ratio", q, &x));
            join(r, sizeof r, q, "ratio");
            TRY(yb_json_ratio(x, r, 0, &b->ratio, c->err));
        }
        if (l->n_seg)
            return yb_err_set(c->err, YB_E_INVALID, bp, NULL, "a layer has either segments or by_identity, not both");
        if (l->elig == YB_ELIG_ALL && !get(o, "eligible")) {
            /* a by_identity table implies its identities */
            l->elig = YB_ELIG_IDENTITIES;
            for (int k = 0; k < l->n_by_identity; k++) strcpy(l->eligible[l->n_eligible++], l->by_identity[k].identity);
        }
    }
    return YB_OK;
}

static yb_rc load_code_maps(ctx *c, json_object *o, const char *path, yb_code_map *maps, int max, int *n) {
    TRY(need_type(c, o, json_type_object, path, "an object of name: [codes]"));
    json_object_object_foreach(o, name, list) {
        char q[256];
        join(q, sizeof q, path, name);
        if (*n >= max) return yb_err_set(c->err, YB_E_LIMIT, q, NULL, "more than %d entries", max);
        yb_code_map *m = &maps[(*n)++];
        TRY(key_name(c, name, m->name, sizeof m->name, q));
        TRY(str_list(c, list, q, &m->codes[0][0], sizeof m->codes[0], YB_POL_MAX_CODES, &m->n_codes));
    }
    return YB_OK;
}

static yb_rc load(ctx *c, json_object *root, yb_policy *p) {
    static const char *const keys[] = {"admdvs", "name", "version", "effective_from", "effective_to", "note",
                                       "hosp_lv_class", "offsite_extra_preselfpay", "offsite_classes",
                                       "offsite_default", "identities", "retired_psn_types", "insutypes", NULL};
    TRY(need_type(c, root, json_type_object, "", "a policy object"));
    TRY(only_keys(c, root, "", keys));
    json_object *v;
    TRY(required(c, root, "admdvs", "", &v));
    TRY(yb_json_str(v, "admdvs", p->admdvs, sizeof p->admdvs, c->err));
    if ((v = get(root, "name"))) TRY(yb_json_str(v, "name", p->name, sizeof p->name, c->err));
    TRY(required(c, root, "version", "", &v));
    TRY(yb_json_str(v, "version", p->version, sizeof p->version, c->err));
    TRY(required(c, root, "effective_from", "", &v));
    TRY(yb_json_date(v, "effective_from", &p->effective_from, c->err));
    if ((v = get(root, "effective_to"))) TRY(yb_json_date(v, "effective_to", &p->effective_to, c->err));
    if ((v = get(root, "note")) && json_object_get_type(v) != json_type_string)
        return yb_err_set(c->err, YB_E_INVALID, "note", NULL, "a string expected");
    if ((v = get(root, "hosp_lv_class"))) {
        TRY(need_type(c, v, json_type_object, "hosp_lv_class", "an object of hosp_lv: class"));
        json_object_object_foreach(v, code, cls) {
            char q[64];
            snprintf(q, sizeof q, "hosp_lv_class.%s", code);
            int idx = -1;
            if (strlen(code) == 2 && code[0] >= '0' && code[0] <= '9' && code[1] >= '0' && code[1] <= '9')
                idx = (code[0] - '0') * 10 + (code[1] - '0');
            if (idx < 1 || idx > 15) return yb_err_set(c->err, YB_E_INVALID, q, code, "hosp_lv codes are 01..15");
            const char *t = yb_json_text_of(cls);
            if (!t || strlen(t) != 1 || t[0] < '1' || t[0] > '3')
                return yb_err_set(c->err, YB_E_INVALID, q, t, "class must be 1, 2 or 3");
            p->hosp_lv_class[idx] = t[0] - '0';
        }
    }
    json_object *extra = get(root, "offsite_extra_preselfpay"), *classes = get(root, "offsite_classes");
    if (extra) {
        TRY(need_type(c, extra, json_type_object, "offsite_extra_preselfpay", "an object of class: share"));
        json_object_object_foreach(extra, name, share) {
            char q[256];
            join(q, sizeof q, "offsite_extra_preselfpay", name);
            if (p->n_offsite >= YB_POL_MAX_OFFSITE) return yb_err_set(c->err, YB_E_LIMIT, q, NULL, "more than %d classes", YB_POL_MAX_OFFSITE);
            yb_code_map *m = &p->offsite_classes[p->n_offsite];
            TRY(key_name(c, name, m->name, sizeof m->name, q));
            TRY(yb_json_ratio(share, q, 0, &p->offsite_extra[p->n_offsite], c->err));
            p->n_offsite++;
        }
    }
    if (classes) {
        TRY(need_type(c, classes, json_type_object, "offsite_classes", "an object of class: [rloc_type codes]"));
        json_object_object_foreach(classes, name, list) {
            char q[256];
            join(q, sizeof q, "offsite_classes", name);
            int k = 0;
            while (k < p->n_offsite && strcmp(p->offsite_classes[k].name, name)) k++;
            if (k == p->n_offsite)
                return yb_err_set(c->err, YB_E_INVALID, q, name, "class has no share in offsite_extra_preselfpay");
            yb_code_map *m = &p->offsite_classes[k];
            TRY(str_list(c, list, q, &m->codes[0][0], sizeof m->codes[0], YB_POL_MAX_CODES, &m->n_codes));
        }
    }
    if ((v = get(root, "offsite_default"))) TRY(yb_json_str(v, "offsite_default", p->offsite_default, sizeof p->offsite_default, c->err));
    if ((v = get(root, "identities"))) TRY(load_code_maps(c, v, "identities", p->identities, YB_POL_MAX_IDENT, &p->n_identities));
    if ((v = get(root, "retired_psn_types")))
        TRY(str_list(c, v, "retired_psn_types", &p->retired_psn_types[0][0], sizeof p->retired_psn_types[0],
                     YB_POL_MAX_RETIRED, &p->n_retired));
    TRY(required(c, root, "insutypes", "", &v));
    TRY(need_type(c, v, json_type_object, "insutypes", "an object of insutype: {...}"));
    json_object_object_foreach(v, insutype, it) {
        static const char *const ikeys[] = {"account", "account_scope", "blocks", "layers", NULL};
        char ip_path[64], q[256];
        snprintf(ip_path, sizeof ip_path, "insutypes.%s", insutype);
        if (p->n_insutypes >= YB_POL_MAX_INSUTYPES)
            return yb_err_set(c->err, YB_E_LIMIT, ip_path, NULL, "more than %d insurance types", YB_POL_MAX_INSUTYPES);
        yb_insutype_policy *ip = &p->insutypes[p->n_insutypes++];
        TRY(digits_code(c, insutype, 3, ip_path));
        strcpy(ip->insutype, insutype);
        TRY(need_type(c, it, json_type_object, ip_path, "an object {account, blocks, layers}"));
        TRY(only_keys(c, it, ip_path, ikeys));
        json_object *x;
        if ((x = get(it, "account"))) {
            join(q, sizeof q, ip_path, "account");
            TRY(yb_json_flag(x, q, &ip->account, c->err));
        }
        if ((x = get(it, "account_scope"))) {
            join(q, sizeof q, ip_path, "account_scope");
            const char *t = yb_json_text_of(x);
            if (t && !strcmp(t, "all")) ip->account_scope_no_fulamt = 0;
            else if (t && !strcmp(t, "inscp")) ip->account_scope_no_fulamt = 1;
            else return yb_err_set(c->err, YB_E_INVALID, q, t, "must be \"all\" or \"inscp\"");
        }
        if ((x = get(it, "blocks"))) {
            join(q, sizeof q, ip_path, "blocks");
            TRY(need_type(c, x, json_type_array, q, "an array of blocks"));
            size_t n = json_object_array_length(x);
            if (n > YB_POL_MAX_BLOCKS) return yb_err_set(c->err, YB_E_LIMIT, q, NULL, "more than %d blocks", YB_POL_MAX_BLOCKS);
            for (size_t i = 0; i < n; i++) {
                char bp[256];
                snprintf(bp, sizeof bp, "%s[%zu]", q, i);
                TRY(load_block(c, json_object_array_get_idx(x, i), bp, insutype, &ip->blocks[i]));
                ip->n_blocks++;
            }
        }
        if ((x = get(it, "layers"))) {
            join(q, sizeof q, ip_path, "layers");
            TRY(need_type(c, x, json_type_array, q, "an array of layers"));
            size_t n = json_object_array_length(x);
            if (n > YB_POL_MAX_LAYERS) return yb_err_set(c->err, YB_E_LIMIT, q, NULL, "more than %d layers", YB_POL_MAX_LAYERS);
            for (size_t i = 0; i < n; i++) {
                char lp[256];
                snprintf(lp, sizeof lp, "%s[%zu]", q, i);
                TRY(load_layer(c, json_object_array_get_idx(x, i), lp, &ip->layers[i]));
                ip->n_layers++;
            }
        }
    }
    return yb_policy_validate(p, c->err);
}

yb_rc yb_policy_from_json(const char *text, size_t len, const char *fname, yb_policy **out, yb_err *err) {
    json_object *root = NULL;
    yb_rc rc = yb_json_parse(text, len, fname, &root, err);
    if (rc) return rc;
    yb_policy *p = malloc(sizeof *p);
    if (!p) {
        json_object_put(root);
        return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    }
    yb_policy_defaults(p);
    ctx c = {err};
    rc = load(&c, root, p);
    json_object_put(root);
    if (rc) {
        if (err && err->rc == YB_OK) yb_err_set(err, rc, NULL, NULL, "invalid policy");
        yb_err_at(err, fname, 0);
        free(p);
        return rc;
    }
    *out = p;
    return YB_OK;
}

/* ---- canonical writer ---- */

static void kv_str(yb_jw *w, const char *k, const char *v) {
    yb_jw_key(w, k);
    yb_jw_str(w, v);
}

static void kv_dec(yb_jw *w, const char *k, int64_t v, int scale) {
    yb_jw_key(w, k);
    yb_jw_dec_str(w, v, scale);
}

static void str_array(yb_jw *w, const char *k, const char *base, size_t width, int n) {
    yb_jw_key(w, k);
    yb_jw_open(w, '[');
    for (int i = 0; i < n; i++) yb_jw_str(w, base + (size_t)i * width);
    yb_jw_close(w, ']');
}

static void by_class_out(yb_jw *w, const char *k, const int64_t *v, int scale) {
    yb_jw_key(w, k);
    yb_jw_open(w, '{');
    for (int c = 1; c <= 3; c++) {
        char kk[2] = {(char)('0' + c), 0};
        kv_dec(w, kk, v[c], scale);
    }
    yb_jw_close(w, '}');
}

static void block_out(yb_jw *w, const yb_block *b) {
    static const char *const per[] = {"none", "admission", "year"};
    yb_jw_open(w, '{');
    kv_str(w, "name", b->name);
    str_array(w, "med_types", &b->med_types[0][0], sizeof b->med_types[0], b->n_med_types);
    kv_str(w, "fund_pay_type", b->fund_pay_type);
    yb_jw_key(w, "deductible");
    yb_jw_open(w, '{');
    kv_str(w, "per", per[b->dedc_per >= YB_DEDC_NONE && b->dedc_per <= YB_DEDC_PER_YEAR ? (int)b->dedc_per : 0]);
    if (b->dedc_per != YB_DEDC_NONE || b->dedc[1] || b->dedc[2] || b->dedc[3]) by_class_out(w, "by_class", b->dedc, YB_FEN_SCALE);
    if (b->n_admission_factors > 0) {
        yb_jw_key(w, "admission_factors");
        yb_jw_open(w, '[');
        for (int i = 0; i < b->n_admission_factors; i++) yb_jw_dec_str(w, b->admission_factor[i], YB_RATIO_SCALE);
        yb_jw_close(w, ']');
    }
    yb_jw_close(w, '}');
    int64_t r[4] = {0, b->ratio[1], b->ratio[2], b->ratio[3]};
    by_class_out(w, "ratio", r, YB_RATIO_SCALE);
    kv_dec(w, "retiree_bonus", b->retiree_bonus, YB_RATIO_SCALE);
    kv_str(w, "cap_group", b->cap_group);
    if (b->annual_cap_active != YB_NO_CAP || b->annual_cap_retired != YB_NO_CAP) {
        yb_jw_key(w, "annual_cap");
        yb_jw_open(w, '{');
        if (b->annual_cap_active == b->annual_cap_retired) {
            kv_dec(w, "all", b->annual_cap_active, YB_FEN_SCALE);
        } else {
            if (b->annual_cap_active != YB_NO_CAP) kv_dec(w, "active", b->annual_cap_active, YB_FEN_SCALE);
            if (b->annual_cap_retired != YB_NO_CAP) kv_dec(w, "retired", b->annual_cap_retired, YB_FEN_SCALE);
        }
        yb_jw_close(w, '}');
    }
    yb_jw_close(w, '}');
}

static void layer_out(yb_jw *w, const yb_layer *l) {
    yb_jw_open(w, '{');
    kv_str(w, "name", l->name);
    kv_str(w, "fund_pay_type", l->fund_pay_type);
    if (l->n_blocks > 0) str_array(w, "blocks", &l->blocks[0][0], sizeof l->blocks[0], l->n_blocks);
    kv_str(w, "base", l->base == YB_BASE_OVER_CAP ? "over_cap" : "remaining_inscp");
    if (l->elig == YB_ELIG_IDENTITIES) str_array(w, "eligible", &l->eligible[0][0], sizeof l->eligible[0], l->n_eligible);
    else kv_str(w, "eligible", l->elig == YB_ELIG_CVLSERV ? "cvlserv" : "all");
    kv_dec(w, "threshold", l->threshold, YB_FEN_SCALE);
    if (l->n_seg > 0) {
        yb_jw_key(w, "segments");
        yb_jw_open(w, '[');
        for (int i = 0; i < l->n_seg; i++) {
            yb_jw_open(w, '{');
            kv_dec(w, "from", l->seg[i].from, YB_FEN_SCALE);
            kv_dec(w, "ratio", l->seg[i].ratio, YB_RATIO_SCALE);
            yb_jw_close(w, '}');
        }
        yb_jw_close(w, ']');
    }
    if (l->annual_cap != YB_NO_CAP) kv_dec(w, "annual_cap", l->annual_cap, YB_FEN_SCALE);
    if (l->n_adjust > 0) {
        yb_jw_key(w, "identity_adjust");
        yb_jw_open(w, '{');
        for (int i = 0; i < l->n_adjust; i++) {
            const yb_identity_adjust *a = &l->adjust[i];
            yb_jw_key(w, a->identity);
            yb_jw_open(w, '{');
            kv_dec(w, "threshold_factor", a->threshold_factor, YB_RATIO_SCALE);
            kv_dec(w, "ratio_add", a->ratio_add, YB_RATIO_SCALE);
            yb_jw_key(w, "no_cap");
            yb_jw_bool(w, a->no_cap);
            yb_jw_close(w, '}');
        }
        yb_jw_close(w, '}');
    }
    if (l->n_by_identity > 0) {
        yb_jw_key(w, "by_identity");
        yb_jw_open(w, '{');
        for (int i = 0; i < l->n_by_identity; i++) {
            yb_jw_key(w, l->by_identity[i].identity);
            yb_jw_open(w, '{');
            kv_dec(w, "threshold", l->by_identity[i].threshold, YB_FEN_SCALE);
            kv_dec(w, "ratio", l->by_identity[i].ratio, YB_RATIO_SCALE);
            yb_jw_close(w, '}');
        }
        yb_jw_close(w, '}');
    }
    yb_jw_close(w, '}');
}

static void code_maps_out(yb_jw *w, const char *k, const yb_code_map *m, int n) {
    yb_jw_key(w, k);
    yb_jw_open(w, '{');
    for (int i = 0; i < n; i++) str_array(w, m[i].name, &m[i].codes[0][0], sizeof m[i].codes[0], m[i].n_codes);
    yb_jw_close(w, '}');
}

char *yb_policy_to_json(const yb_policy *p) {
    char d[16];
    yb_jw w;
    yb_jw_init(&w);
    yb_jw_open(&w, '{');
    kv_str(&w, "admdvs", p->admdvs);
    kv_str(&w, "name", p->name);
    kv_str(&w, "version", p->version);
    kv_str(&w, "effective_from", yb_date_fmt(p->effective_from, d));
    if (p->effective_to != YB_DATE_MAX) kv_str(&w, "effective_to", yb_date_fmt(p->effective_to, d));
    yb_jw_key(&w, "hosp_lv_class");
    yb_jw_open(&w, '{');
    for (int i = 1; i <= 15; i++) {
        if (p->hosp_lv_class[i] < 1 || p->hosp_lv_class[i] > 3) continue; /* unknown: the loader's default */
        char k[3] = {(char)('0' + i / 10), (char)('0' + i % 10), 0};
        yb_jw_key(&w, k);
        yb_jw_int(&w, p->hosp_lv_class[i]);
    }
    yb_jw_close(&w, '}');
    yb_jw_key(&w, "offsite_extra_preselfpay");
    yb_jw_open(&w, '{');
    for (int i = 0; i < p->n_offsite; i++) kv_dec(&w, p->offsite_classes[i].name, p->offsite_extra[i], YB_RATIO_SCALE);
    yb_jw_close(&w, '}');
    code_maps_out(&w, "offsite_classes", p->offsite_classes, p->n_offsite);
    if (p->offsite_default[0]) kv_str(&w, "offsite_default", p->offsite_default);
    code_maps_out(&w, "identities", p->identities, p->n_identities);
    str_array(&w, "retired_psn_types", &p->retired_psn_types[0][0], sizeof p->retired_psn_types[0], p->n_retired);
    yb_jw_key(&w, "insutypes");
    yb_jw_open(&w, '{');
    for (int t = 0; t < p->n_insutypes; t++) {
        const yb_insutype_policy *ip = &p->insutypes[t];
        yb_jw_key(&w, ip->insutype);
        yb_jw_open(&w, '{');
        yb_jw_key(&w, "account");
        yb_jw_bool(&w, ip->account);
        kv_str(&w, "account_scope", ip->account_scope_no_fulamt ? "inscp" : "all");
        yb_jw_key(&w, "blocks");
        yb_jw_open(&w, '[');
        for (int b = 0; b < ip->n_blocks; b++) block_out(&w, &ip->blocks[b]);
        yb_jw_close(&w, ']');
        yb_jw_key(&w, "layers");
        yb_jw_open(&w, '[');
        for (int l = 0; l < ip->n_layers; l++) layer_out(&w, &ip->layers[l]);
        yb_jw_close(&w, ']');
        yb_jw_close(&w, '}');
    }
    yb_jw_close(&w, '}');
    yb_jw_close(&w, '}');
    return yb_jw_finish(&w);
}
