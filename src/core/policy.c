/*
 * policy.c — evaluating a benefit policy (see include/yibao/policy.h): level classes, blocks,
 * retirees, identities, cross-region shares, and the consistency check every policy passes
 * before it is used.
 *
 * Promises: nothing here allocates, prints or reads anything but the policy. yb_policy_validate
 * is the gate between "a struct somebody filled" (the JSON loader, a test, a tool) and the
 * calculator: a policy that passes it has every count within its array, every name terminated,
 * unique where it must be and resolvable where it is referenced, every ratio within its range and
 * every amount non-negative, so core/settle.c can index and divide without checking again.
 * Its errors are YB_E_POLICY naming the JSON path of the offending field, e.g.
 * "insutypes.390.layers[1].by_identity.tekun", and quoting the offending value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yibao/policy.h"

void yb_policy_defaults(yb_policy *p) {
    memset(p, 0, sizeof *p);
    p->effective_from = YB_DATE_NONE; /* required: validate refuses a policy without it */
    p->effective_to = YB_DATE_MAX;
    /* settlement.md §3: 01–04, 12 → 3; 05–07, 13 → 2; 08–10, 14 → 1; 11 (无等级) → 1; 00 and 15 unknown */
    static const int cls[16] = {0, 3, 3, 3, 3, 2, 2, 2, 1, 1, 1, 1, 3, 2, 1, 0};
    memcpy(p->hosp_lv_class, cls, sizeof cls);
    memcpy(p->retired_psn_types[0], "12", 3);
    memcpy(p->retired_psn_types[1], "1300", 5);
    p->n_retired = 2;
    /* An annual cap that nobody wrote is no cap, and an identity adjustment that names no factor
     * leaves the threshold unchanged; every slot is set so that a block, layer or adjustment
     * filled field by field starts from these meanings rather than from a cap or factor of 0. */
    for (int t = 0; t < YB_POL_MAX_INSUTYPES; t++) {
        yb_insutype_policy *ip = &p->insutypes[t];
        for (int b = 0; b < YB_POL_MAX_BLOCKS; b++)
            ip->blocks[b].annual_cap_active = ip->blocks[b].annual_cap_retired = YB_NO_CAP;
        for (int l = 0; l < YB_POL_MAX_LAYERS; l++) {
            ip->layers[l].annual_cap = YB_NO_CAP;
            for (int k = 0; k < YB_POL_MAX_IDENT; k++) ip->layers[l].adjust[k].threshold_factor = YB_RATIO_ONE;
        }
    }
}

int yb_policy_class(const yb_policy *p, const char *hosp_lv) {
    if (!p || !hosp_lv) return 0;
    size_t n = strlen(hosp_lv);
    if (n == 0 || n > 2) return 0;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (hosp_lv[i] < '0' || hosp_lv[i] > '9') return 0;
        v = v * 10 + (hosp_lv[i] - '0');
    }
    if (v > 15) return 0;
    int c = p->hosp_lv_class[v];
    return c >= 1 && c <= 3 ? c : 0;
}

const yb_insutype_policy *yb_policy_insutype(const yb_policy *p, const char *insutype) {
    if (!p || !insutype || !*insutype) return NULL;
    for (int i = 0; i < p->n_insutypes && i < YB_POL_MAX_INSUTYPES; i++)
        if (!strcmp(p->insutypes[i].insutype, insutype)) return &p->insutypes[i];
    return NULL;
}

const yb_block *yb_policy_block(const yb_insutype_policy *ip, const char *med_type) {
    if (!ip || !med_type || !*med_type) return NULL;
    for (int b = 0; b < ip->n_blocks && b < YB_POL_MAX_BLOCKS; b++)
        for (int m = 0; m < ip->blocks[b].n_med_types && m < YB_POL_MAX_MEDTYPES; m++)
            if (!strcmp(ip->blocks[b].med_types[m], med_type)) return &ip->blocks[b];
    return NULL;
}

int yb_policy_is_retired(const yb_policy *p, const char *psn_type) {
    if (!p || !psn_type) return 0;
    for (int i = 0; i < p->n_retired && i < YB_POL_MAX_RETIRED; i++) {
        size_t n = strlen(p->retired_psn_types[i]);
        if (n && !strncmp(psn_type, p->retired_psn_types[i], n)) return 1;
    }
    return 0;
}

/* Does the '|'-separated list `raw` contain a value equal to `want`? Spaces around a value are
 * ignored ("低保 | 特困" holds 特困); an empty value never matches. */
static int list_has(const char *raw, const char *want) {
    size_t wn = strlen(want);
    if (!wn) return 0;
    const char *s = raw;
    while (s && *s) {
        const char *bar = strchr(s, '|');
        size_t len = bar ? (size_t)(bar - s) : strlen(s);
        const char *a = s, *b = s + len;
        while (a < b && *a == ' ') a++;
        while (b > a && b[-1] == ' ') b--;
        if ((size_t)(b - a) == wn && !memcmp(a, want, wn)) return 1;
        s = bar ? bar + 1 : NULL;
    }
    return 0;
}

static const yb_code_map *find_map(const yb_code_map *maps, int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (!strcmp(maps[i].name, name)) return &maps[i];
    return NULL;
}

int yb_policy_has_identity(const yb_policy *p, const char *name, const char *sp_psn_type) {
    if (!p || !name || !*name || !sp_psn_type || !*sp_psn_type) return 0;
    if (list_has(sp_psn_type, name)) return 1; /* a value equal to a name is taken as that name */
    int n = p->n_identities < YB_POL_MAX_IDENT ? p->n_identities : YB_POL_MAX_IDENT;
    const yb_code_map *m = find_map(p->identities, n, name);
    if (!m) return 0;
    for (int i = 0; i < m->n_codes && i < YB_POL_MAX_CODES; i++)
        if (list_has(sp_psn_type, m->codes[i])) return 1;
    return 0;
}

yb_ratio yb_policy_offsite_extra(const yb_policy *p, const char *rloc_type) {
    if (!p) return 0;
    int n = p->n_offsite < YB_POL_MAX_OFFSITE ? p->n_offsite : YB_POL_MAX_OFFSITE;
    int cls = -1;
    if (rloc_type && *rloc_type) {
        /* a value equal to a class name is that class; otherwise the class listing the code */
        for (int i = 0; i < n && cls < 0; i++)
            if (!strcmp(p->offsite_classes[i].name, rloc_type)) cls = i;
        for (int i = 0; i < n && cls < 0; i++)
            for (int c = 0; c < p->offsite_classes[i].n_codes && c < YB_POL_MAX_CODES && cls < 0; c++)
                if (!strcmp(p->offsite_classes[i].codes[c], rloc_type)) cls = i;
    }
    if (cls < 0 && p->offsite_default[0])
        for (int i = 0; i < n && cls < 0; i++)
            if (!strcmp(p->offsite_classes[i].name, p->offsite_default)) cls = i;
    return cls < 0 ? 0 : p->offsite_extra[cls];
}

/* ---- validation ---- */

static int ratio_ok(yb_ratio r) { return r >= 0 && r <= YB_RATIO_ONE; }
static int cap_ok(yb_fen c) { return c == YB_NO_CAP || c >= 0; }
/* A fixed-size text field holds its NUL inside the array. */
#define TERMINATED(arr) (memchr((arr), '\0', sizeof(arr)) != NULL)

static int digits(const char *s, size_t n) {
    if (strlen(s) != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

/* Errors below: path is built in `path` (192 bytes) and the value quoted. */
#define FAIL(value, ...) return yb_err_set(err, YB_E_POLICY, path, (value), __VA_ARGS__)
#define PATH(...) snprintf(path, sizeof path, __VA_ARGS__)

static yb_rc bad_count(yb_err *err, const char *path, int n, int max) {
    char v[16];
    snprintf(v, sizeof v, "%d", n);
    return yb_err_set(err, YB_E_POLICY, path, v, "count must be within 0..%d", max);
}

static yb_rc check_code_maps(const yb_code_map *maps, int n, int max, const char *what, yb_err *err) {
    char path[192];
    if (n < 0 || n > max) return bad_count(err, what, n, max);
    for (int i = 0; i < n; i++) {
        const yb_code_map *m = &maps[i];
        PATH("%s[%d]", what, i);
        if (!TERMINATED(m->name)) FAIL(NULL, "name not terminated within %zu bytes", sizeof m->name);
        if (!m->name[0]) FAIL("", "an empty name");
        PATH("%s.%s", what, m->name);
        for (int j = 0; j < i; j++)
            if (!strcmp(maps[j].name, m->name)) FAIL(m->name, "name listed twice");
        if (m->n_codes < 0 || m->n_codes > YB_POL_MAX_CODES) return bad_count(err, path, m->n_codes, YB_POL_MAX_CODES);
        for (int c = 0; c < m->n_codes; c++) {
            PATH("%s.%s[%d]", what, m->name, c);
            if (!TERMINATED(m->codes[c])) FAIL(NULL, "code not terminated within %zu bytes", sizeof m->codes[c]);
            if (!m->codes[c][0]) FAIL("", "an empty code");
        }
    }
    return YB_OK;
}

static yb_rc check_block(const yb_insutype_policy *ip, int b, yb_err *err) {
    const yb_block *bl = &ip->blocks[b];
    char path[192], v[32];
    const char *it = ip->insutype;
    PATH("insutypes.%s.blocks[%d]", it, b);
    if (!TERMINATED(bl->name) || !TERMINATED(bl->cap_group) || !TERMINATED(bl->fund_pay_type))
        FAIL(NULL, "a text field of the block is not terminated");
    if (!bl->name[0]) FAIL("", "a block needs a name");
    for (int c = 0; c < b; c++)
        if (!strcmp(ip->blocks[c].name, bl->name)) FAIL(bl->name, "block name used twice");
    if (bl->n_med_types < 0 || bl->n_med_types > YB_POL_MAX_MEDTYPES) {
        PATH("insutypes.%s.blocks[%d].med_types", it, b);
        return bad_count(err, path, bl->n_med_types, YB_POL_MAX_MEDTYPES);
    }
    if (bl->n_med_types == 0) {
        PATH("insutypes.%s.blocks[%d].med_types", it, b);
        FAIL(NULL, "a block needs at least one med_type");
    }
    for (int m = 0; m < bl->n_med_types; m++) {
        if (!TERMINATED(bl->med_types[m]) || !bl->med_types[m][0]) {
            PATH("insutypes.%s.blocks[%d].med_types[%d]", it, b, m);
            FAIL(NULL, "an empty or unterminated med_type");
        }
        /* path of the block (not of the med_type) so the error reads "med_type belongs to two blocks" there */
        PATH("insutypes.%s.blocks[%d]", it, b);
        for (int c = 0; c <= b; c++) {
            const yb_block *o = &ip->blocks[c];
            int upto = c < b ? o->n_med_types : m; /* earlier blocks whole, this one before m */
            for (int k = 0; k < upto; k++)
                if (!strcmp(o->med_types[k], bl->med_types[m]))
                    FAIL(bl->med_types[m], "med_type belongs to two blocks (%s and %s)", o->name, bl->name);
        }
    }
    if (bl->fund_pay_type[0] && !digits(bl->fund_pay_type, 6)) {
        PATH("insutypes.%s.blocks[%d].fund_pay_type", it, b);
        FAIL(bl->fund_pay_type, "fund_pay_type has 6 digits");
    }
    if (bl->dedc_per != YB_DEDC_NONE && bl->dedc_per != YB_DEDC_PER_ADMISSION && bl->dedc_per != YB_DEDC_PER_YEAR) {
        PATH("insutypes.%s.blocks[%d].deductible.per", it, b);
        snprintf(v, sizeof v, "%d", (int)bl->dedc_per);
        FAIL(v, "must be none, admission or year");
    }
    for (int k = 1; k <= 3; k++) {
        if (bl->dedc[k] < 0) {
            PATH("insutypes.%s.blocks[%d].deductible.by_class.%d", it, b, k);
            FAIL(yb_fen_fmt(bl->dedc[k], v), "negative deductible");
        }
        if (!ratio_ok(bl->ratio[k])) {
            PATH("insutypes.%s.blocks[%d].ratio.%d", it, b, k);
            FAIL(yb_ratio_fmt(bl->ratio[k], v), "ratio must be within 0..1");
        }
    }
    if (!ratio_ok(bl->retiree_bonus)) {
        PATH("insutypes.%s.blocks[%d].retiree_bonus", it, b);
        FAIL(yb_ratio_fmt(bl->retiree_bonus, v), "ratio must be within 0..1");
    }
    for (int k = 1; k <= 3; k++)
        if (bl->ratio[k] + bl->retiree_bonus > YB_RATIO_ONE) {
            PATH("insutypes.%s.blocks[%d].retiree_bonus", it, b);
            FAIL(yb_ratio_fmt(bl->retiree_bonus, v), "ratio of class %d plus retiree bonus exceeds 1", k);
        }
    if (bl->n_admission_factors < 0 || bl->n_admission_factors > YB_POL_MAX_FACTORS) {
        PATH("insutypes.%s.blocks[%d].deductible.admission_factors", it, b);
        return bad_count(err, path, bl->n_admission_factors, YB_POL_MAX_FACTORS);
    }
    if (bl->n_admission_factors > 0 && bl->dedc_per != YB_DEDC_PER_ADMISSION) {
        PATH("insutypes.%s.blocks[%d].deductible.admission_factors", it, b);
        FAIL(NULL, "admission factors need a per-admission deductible");
    }
    for (int k = 0; k < bl->n_admission_factors; k++)
        if (bl->admission_factor[k] < 0) {
            PATH("insutypes.%s.blocks[%d].deductible.admission_factors[%d]", it, b, k);
            FAIL(yb_ratio_fmt(bl->admission_factor[k], v), "negative factor");
        }
    if (!bl->cap_group[0]) {
        PATH("insutypes.%s.blocks[%d].cap_group", it, b);
        FAIL("", "a block needs a cap_group");
    }
    if (!cap_ok(bl->annual_cap_active)) {
        PATH("insutypes.%s.blocks[%d].annual_cap.active", it, b);
        FAIL(yb_fen_fmt(bl->annual_cap_active, v), "negative annual cap");
    }
    if (!cap_ok(bl->annual_cap_retired)) {
        PATH("insutypes.%s.blocks[%d].annual_cap.retired", it, b);
        FAIL(yb_fen_fmt(bl->annual_cap_retired, v), "negative annual cap");
    }
    return YB_OK;
}

static int has_identity_name(const yb_policy *p, const char *name) {
    return find_map(p->identities, p->n_identities, name) != NULL;
}

static yb_rc check_layer(const yb_policy *p, const yb_insutype_policy *ip, int l, yb_err *err) {
    const yb_layer *ly = &ip->layers[l];
    char path[192], v[32];
    const char *it = ip->insutype;
    PATH("insutypes.%s.layers[%d]", it, l);
    if (!TERMINATED(ly->name) || !TERMINATED(ly->fund_pay_type)) FAIL(NULL, "a text field of the layer is not terminated");
    if (!ly->name[0]) FAIL("", "a layer needs a name");
    for (int c = 0; c < l; c++)
        if (!strcmp(ip->layers[c].name, ly->name)) FAIL(ly->name, "layer name used twice");
    for (int c = 0; c < ip->n_blocks; c++)
        if (!strcmp(ip->blocks[c].name, ly->name)) FAIL(ly->name, "a layer may not share a block's name");
    if (!digits(ly->fund_pay_type, 6)) {
        PATH("insutypes.%s.layers[%d].fund_pay_type", it, l);
        FAIL(ly->fund_pay_type, "fund_pay_type has 6 digits");
    }
    if (ly->n_blocks < 0 || ly->n_blocks > YB_POL_MAX_BLOCKS) {
        PATH("insutypes.%s.layers[%d].blocks", it, l);
        return bad_count(err, path, ly->n_blocks, YB_POL_MAX_BLOCKS);
    }
    for (int k = 0; k < ly->n_blocks; k++) {
        PATH("insutypes.%s.layers[%d].blocks[%d]", it, l, k);
        if (!TERMINATED(ly->blocks[k])) FAIL(NULL, "block name not terminated");
        int found = 0;
        for (int c = 0; c < ip->n_blocks; c++) found |= !strcmp(ip->blocks[c].name, ly->blocks[k]);
        if (!found) FAIL(ly->blocks[k], "no such block");
    }
    if (ly->base != YB_BASE_REMAINING_INSCP && ly->base != YB_BASE_OVER_CAP) {
        PATH("insutypes.%s.layers[%d].base", it, l);
        snprintf(v, sizeof v, "%d", (int)ly->base);
        FAIL(v, "must be remaining_inscp or over_cap");
    }
    PATH("insutypes.%s.layers[%d].eligible", it, l);
    if (ly->elig != YB_ELIG_ALL && ly->elig != YB_ELIG_CVLSERV && ly->elig != YB_ELIG_IDENTITIES) {
        snprintf(v, sizeof v, "%d", (int)ly->elig);
        FAIL(v, "must be all, cvlserv or a list of identities");
    }
    if (ly->n_eligible < 0 || ly->n_eligible > YB_POL_MAX_IDENT) return bad_count(err, path, ly->n_eligible, YB_POL_MAX_IDENT);
    if (ly->elig == YB_ELIG_IDENTITIES && ly->n_eligible == 0) FAIL(NULL, "an empty list: nobody would be eligible");
    for (int k = 0; k < ly->n_eligible; k++) {
        PATH("insutypes.%s.layers[%d].eligible[%d]", it, l, k);
        if (!TERMINATED(ly->eligible[k])) FAIL(NULL, "identity name not terminated");
        if (!has_identity_name(p, ly->eligible[k])) FAIL(ly->eligible[k], "no such identity");
    }
    if (ly->threshold < 0) {
        PATH("insutypes.%s.layers[%d].threshold", it, l);
        FAIL(yb_fen_fmt(ly->threshold, v), "negative threshold");
    }
    if (ly->n_seg < 0 || ly->n_seg > YB_POL_MAX_SEGMENTS) {
        PATH("insutypes.%s.layers[%d].segments", it, l);
        return bad_count(err, path, ly->n_seg, YB_POL_MAX_SEGMENTS);
    }
    if (ly->n_by_identity < 0 || ly->n_by_identity > YB_POL_MAX_IDENT) {
        PATH("insutypes.%s.layers[%d].by_identity", it, l);
        return bad_count(err, path, ly->n_by_identity, YB_POL_MAX_IDENT);
    }
    if (ly->n_by_identity == 0 && ly->n_seg == 0) {
        PATH("insutypes.%s.layers[%d].segments", it, l);
        FAIL(NULL, "a layer needs segments or by_identity");
    }
    for (int s = 0; s < ly->n_seg; s++) {
        PATH("insutypes.%s.layers[%d].segments[%d]", it, l, s);
        if (s == 0 && ly->seg[0].from != 0) FAIL(yb_fen_fmt(ly->seg[0].from, v), "the first segment starts from 0");
        if (s > 0 && ly->seg[s].from <= ly->seg[s - 1].from)
            FAIL(yb_fen_fmt(ly->seg[s].from, v), "segments must ascend strictly");
        if (!ratio_ok(ly->seg[s].ratio)) {
            PATH("insutypes.%s.layers[%d].segments[%d].ratio", it, l, s);
            FAIL(yb_ratio_fmt(ly->seg[s].ratio, v), "ratio must be within 0..1");
        }
    }
    if (!cap_ok(ly->annual_cap)) {
        PATH("insutypes.%s.layers[%d].annual_cap", it, l);
        FAIL(yb_fen_fmt(ly->annual_cap, v), "negative annual cap");
    }
    if (ly->n_adjust < 0 || ly->n_adjust > YB_POL_MAX_IDENT) {
        PATH("insutypes.%s.layers[%d].identity_adjust", it, l);
        return bad_count(err, path, ly->n_adjust, YB_POL_MAX_IDENT);
    }
    for (int k = 0; k < ly->n_adjust; k++) {
        const yb_identity_adjust *a = &ly->adjust[k];
        if (!TERMINATED(a->identity)) {
            PATH("insutypes.%s.layers[%d].identity_adjust[%d]", it, l, k);
            FAIL(NULL, "identity name not terminated");
        }
        PATH("insutypes.%s.layers[%d].identity_adjust.%s", it, l, a->identity);
        if (!has_identity_name(p, a->identity)) FAIL(a->identity, "no such identity");
        for (int j = 0; j < k; j++)
            if (!strcmp(ly->adjust[j].identity, a->identity)) FAIL(a->identity, "identity listed twice");
        if (a->threshold_factor < 0) {
            PATH("insutypes.%s.layers[%d].identity_adjust.%s.threshold_factor", it, l, a->identity);
            FAIL(yb_ratio_fmt(a->threshold_factor, v), "negative threshold_factor");
        }
        if (a->ratio_add < -YB_RATIO_ONE || a->ratio_add > YB_RATIO_ONE) {
            PATH("insutypes.%s.layers[%d].identity_adjust.%s.ratio_add", it, l, a->identity);
            FAIL(yb_ratio_fmt(a->ratio_add, v), "ratio_add must be within -1..1");
        }
        if (a->no_cap != 0 && a->no_cap != 1) {
            PATH("insutypes.%s.layers[%d].identity_adjust.%s.no_cap", it, l, a->identity);
            snprintf(v, sizeof v, "%d", a->no_cap);
            FAIL(v, "a flag is 0 or 1");
        }
    }
    for (int k = 0; k < ly->n_by_identity; k++) {
        const yb_by_identity *bi = &ly->by_identity[k];
        if (!TERMINATED(bi->identity)) {
            PATH("insutypes.%s.layers[%d].by_identity[%d]", it, l, k);
            FAIL(NULL, "identity name not terminated");
        }
        PATH("insutypes.%s.layers[%d].by_identity.%s", it, l, bi->identity);
        if (!has_identity_name(p, bi->identity)) FAIL(bi->identity, "no such identity");
        for (int j = 0; j < k; j++)
            if (!strcmp(ly->by_identity[j].identity, bi->identity)) FAIL(bi->identity, "identity listed twice");
        if (bi->threshold < 0) {
            PATH("insutypes.%s.layers[%d].by_identity.%s.threshold", it, l, bi->identity);
            FAIL(yb_fen_fmt(bi->threshold, v), "negative threshold");
        }
        if (!ratio_ok(bi->ratio)) {
            PATH("insutypes.%s.layers[%d].by_identity.%s.ratio", it, l, bi->identity);
            FAIL(yb_ratio_fmt(bi->ratio, v), "ratio must be within 0..1");
        }
    }
    return YB_OK;
}

yb_rc yb_policy_validate(const yb_policy *p, yb_err *err) {
    char path[192], v[32];
    if (!p) return yb_err_set(err, YB_E_INTERNAL, NULL, NULL, "no policy");
    if (!TERMINATED(p->admdvs) || !TERMINATED(p->name) || !TERMINATED(p->version) || !TERMINATED(p->offsite_default))
        return yb_err_set(err, YB_E_POLICY, "admdvs", NULL, "a text field of the policy is not terminated");
    if (!digits(p->admdvs, 6)) return yb_err_set(err, YB_E_POLICY, "admdvs", p->admdvs, "an insurance area has 6 digits");
    if (!p->version[0]) return yb_err_set(err, YB_E_POLICY, "version", "", "a policy needs a version");
    if (p->effective_from == YB_DATE_NONE)
        return yb_err_set(err, YB_E_POLICY, "effective_from", "", "a policy needs effective_from");
    if (p->effective_to == YB_DATE_NONE)
        return yb_err_set(err, YB_E_POLICY, "effective_to", "", "no effective_to (an open-ended policy has YB_DATE_MAX)");
    if (p->effective_to < p->effective_from)
        return yb_err_set(err, YB_E_POLICY, "effective_to", yb_date_fmt(p->effective_to, v),
                          "effective_to is before effective_from");
    for (int k = 0; k < 16; k++)
        if (p->hosp_lv_class[k] < 0 || p->hosp_lv_class[k] > 3) {
            snprintf(path, sizeof path, "hosp_lv_class.%02d", k);
            snprintf(v, sizeof v, "%d", p->hosp_lv_class[k]);
            return yb_err_set(err, YB_E_POLICY, path, v, "class must be 1, 2 or 3");
        }
    if (p->n_retired < 0 || p->n_retired > YB_POL_MAX_RETIRED) return bad_count(err, "retired_psn_types", p->n_retired, YB_POL_MAX_RETIRED);
    for (int k = 0; k < p->n_retired; k++)
        if (!TERMINATED(p->retired_psn_types[k]) || !p->retired_psn_types[k][0]) {
            snprintf(path, sizeof path, "retired_psn_types[%d]", k);
            return yb_err_set(err, YB_E_POLICY, path, "", "an empty or unterminated psn_type prefix");
        }
    yb_rc rc = check_code_maps(p->identities, p->n_identities, YB_POL_MAX_IDENT, "identities", err);
    if (rc) return rc;
    rc = check_code_maps(p->offsite_classes, p->n_offsite, YB_POL_MAX_OFFSITE, "offsite_classes", err);
    if (rc) return rc;
    for (int i = 0; i < p->n_offsite; i++) {
        if (!ratio_ok(p->offsite_extra[i])) {
            snprintf(path, sizeof path, "offsite_extra_preselfpay.%s", p->offsite_classes[i].name);
            return yb_err_set(err, YB_E_POLICY, path, yb_ratio_fmt(p->offsite_extra[i], v), "share must be within 0..1");
        }
    }
    if (p->offsite_default[0] && !find_map(p->offsite_classes, p->n_offsite, p->offsite_default))
        return yb_err_set(err, YB_E_POLICY, "offsite_default", p->offsite_default, "no such offsite class");
    if (p->n_insutypes < 0 || p->n_insutypes > YB_POL_MAX_INSUTYPES)
        return bad_count(err, "insutypes", p->n_insutypes, YB_POL_MAX_INSUTYPES);
    for (int t = 0; t < p->n_insutypes; t++) {
        const yb_insutype_policy *ip = &p->insutypes[t];
        if (!TERMINATED(ip->insutype) || !digits(ip->insutype, 3)) {
            snprintf(path, sizeof path, "insutypes[%d]", t);
            return yb_err_set(err, YB_E_POLICY, path, TERMINATED(ip->insutype) ? ip->insutype : NULL,
                              "an insurance type has 3 digits");
        }
        snprintf(path, sizeof path, "insutypes.%s", ip->insutype);
        for (int u = 0; u < t; u++)
            if (!strcmp(p->insutypes[u].insutype, ip->insutype))
                return yb_err_set(err, YB_E_POLICY, path, ip->insutype, "insurance type listed twice");
        if ((ip->account != 0 && ip->account != 1) || (ip->account_scope_no_fulamt != 0 && ip->account_scope_no_fulamt != 1))
            return yb_err_set(err, YB_E_POLICY, path, NULL, "account and account_scope are flags (0 or 1)");
        if (ip->n_blocks < 0 || ip->n_blocks > YB_POL_MAX_BLOCKS) {
            snprintf(path, sizeof path, "insutypes.%s.blocks", ip->insutype);
            return bad_count(err, path, ip->n_blocks, YB_POL_MAX_BLOCKS);
        }
        if (ip->n_layers < 0 || ip->n_layers > YB_POL_MAX_LAYERS) {
            snprintf(path, sizeof path, "insutypes.%s.layers", ip->insutype);
            return bad_count(err, path, ip->n_layers, YB_POL_MAX_LAYERS);
        }
        for (int b = 0; b < ip->n_blocks; b++)
            if ((rc = check_block(ip, b, err))) return rc;
        for (int l = 0; l < ip->n_layers; l++)
            if ((rc = check_layer(p, ip, l, err))) return rc;
    }
    return YB_OK;
}
