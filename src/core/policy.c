/*
 * policy.c — evaluating a benefit policy (see include/yibao/policy.h): level classes, blocks,
 * retirees, identities, cross-region shares, and the consistency check every loaded policy
 * passes before it is used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yibao/policy.h"

void yb_policy_defaults(yb_policy *p) {
    memset(p, 0, sizeof *p);
    p->effective_from = YB_DATE_NONE;
    p->effective_to = YB_DATE_MAX;
    /* settlement.md §3: 01–04, 12 → 3; 05–07, 13 → 2; 08–10, 14 → 1; 11 (无等级) → 1 */
    static const int cls[16] = {0, 3, 3, 3, 3, 2, 2, 2, 1, 1, 1, 1, 3, 2, 1, 0};
    memcpy(p->hosp_lv_class, cls, sizeof cls);
    strcpy(p->retired_psn_types[0], "12");
    strcpy(p->retired_psn_types[1], "1300");
    p->n_retired = 2;
}

int yb_policy_class(const yb_policy *p, const char *hosp_lv) {
    if (!hosp_lv) return 0;
    size_t n = strlen(hosp_lv);
    if (n == 0 || n > 2) return 0;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (hosp_lv[i] < '0' || hosp_lv[i] > '9') return 0;
        v = v * 10 + (hosp_lv[i] - '0');
    }
    if (v < 0 || v > 15) return 0;
    return p->hosp_lv_class[v];
}

const yb_insutype_policy *yb_policy_insutype(const yb_policy *p, const char *insutype) {
    for (int i = 0; i < p->n_insutypes; i++)
        if (!strcmp(p->insutypes[i].insutype, insutype)) return &p->insutypes[i];
    return NULL;
}

const yb_block *yb_policy_block(const yb_insutype_policy *ip, const char *med_type) {
    for (int b = 0; b < ip->n_blocks; b++)
        for (int m = 0; m < ip->blocks[b].n_med_types; m++)
            if (!strcmp(ip->blocks[b].med_types[m], med_type)) return &ip->blocks[b];
    return NULL;
}

int yb_policy_is_retired(const yb_policy *p, const char *psn_type) {
    if (!psn_type) return 0;
    for (int i = 0; i < p->n_retired; i++) {
        size_t n = strlen(p->retired_psn_types[i]);
        if (n && !strncmp(psn_type, p->retired_psn_types[i], n)) return 1;
    }
    return 0;
}

/* Does the '|'-separated list `raw` contain a value equal to `want`? */
static int list_has(const char *raw, const char *want) {
    size_t wn = strlen(want);
    if (!wn) return 0;
    const char *s = raw;
    while (s && *s) {
        const char *bar = strchr(s, '|');
        size_t len = bar ? (size_t)(bar - s) : strlen(s);
        /* tolerate spaces around values */
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
    if (!sp_psn_type || !*sp_psn_type) return 0;
    if (list_has(sp_psn_type, name)) return 1;
    const yb_code_map *m = find_map(p->identities, p->n_identities, name);
    if (!m) return 0;
    for (int i = 0; i < m->n_codes; i++)
        if (list_has(sp_psn_type, m->codes[i])) return 1;
    return 0;
}

yb_ratio yb_policy_offsite_extra(const yb_policy *p, const char *rloc_type) {
    const char *cls = NULL;
    if (rloc_type && *rloc_type) {
        for (int i = 0; i < p->n_offsite && !cls; i++) {
            if (!strcmp(p->offsite_classes[i].name, rloc_type)) cls = p->offsite_classes[i].name;
            for (int c = 0; c < p->offsite_classes[i].n_codes && !cls; c++)
                if (!strcmp(p->offsite_classes[i].codes[c], rloc_type)) cls = p->offsite_classes[i].name;
        }
    }
    if (!cls) cls = p->offsite_default;
    if (!cls || !*cls) return 0;
    for (int i = 0; i < p->n_offsite; i++)
        if (!strcmp(p->offsite_classes[i].name, cls)) return p->offsite_extra[i];
    return 0;
}

static int ratio_ok(yb_ratio r) { return r >= 0 && r <= YB_RATIO_ONE; }

yb_rc yb_policy_validate(const yb_policy *p, yb_err *err) {
    char path[192];
    if (strlen(p->admdvs) != 6)
        return yb_err_set(err, YB_E_POLICY, "admdvs", p->admdvs, "an insurance area has 6 digits");
    for (int i = 0; i < 6; i++)
        if (p->admdvs[i] < '0' || p->admdvs[i] > '9')
            return yb_err_set(err, YB_E_POLICY, "admdvs", p->admdvs, "an insurance area has 6 digits");
    if (!p->version[0]) return yb_err_set(err, YB_E_POLICY, "version", "", "a policy needs a version");
    if (p->effective_from == YB_DATE_NONE)
        return yb_err_set(err, YB_E_POLICY, "effective_from", "", "a policy needs effective_from");
    if (p->effective_to < p->effective_from)
        return yb_err_set(err, YB_E_POLICY, "effective_to", "", "effective_to is before effective_from");
    for (int i = 0; i < p->n_offsite; i++) {
        if (!ratio_ok(p->offsite_extra[i])) {
            snprintf(path, sizeof path, "offsite_extra_preselfpay.%s", p->offsite_classes[i].name);
            return yb_err_set(err, YB_E_POLICY, path, NULL, "share must be within 0..1");
        }
    }
    if (p->offsite_default[0] && !find_map(p->offsite_classes, p->n_offsite, p->offsite_default))
        return yb_err_set(err, YB_E_POLICY, "offsite_default", p->offsite_default, "no such offsite class");
    for (int t = 0; t < p->n_insutypes; t++) {
        const yb_insutype_policy *ip = &p->insutypes[t];
        for (int u = 0; u < t; u++)
            if (!strcmp(p->insutypes[u].insutype, ip->insutype))
                return yb_err_set(err, YB_E_POLICY, "insutypes", ip->insutype, "insurance type listed twice");
        for (int b = 0; b < ip->n_blocks; b++) {
            const yb_block *bl = &ip->blocks[b];
            snprintf(path, sizeof path, "insutypes.%s.blocks[%d]", ip->insutype, b);
            if (!bl->name[0]) return yb_err_set(err, YB_E_POLICY, path, NULL, "a block needs a name");
            for (int c = 0; c < b; c++)
                if (!strcmp(ip->blocks[c].name, bl->name))
                    return yb_err_set(err, YB_E_POLICY, path, bl->name, "block name used twice");
            for (int m = 0; m < bl->n_med_types; m++)
                for (int c = 0; c <= b; c++)
                    for (int k = 0; k < ip->blocks[c].n_med_types; k++) {
                        if (c == b && k >= m) break;
                        if (!strcmp(ip->blocks[c].med_types[k], bl->med_types[m]))
                            return yb_err_set(err, YB_E_POLICY, path, bl->med_types[m],
                                              "med_type belongs to two blocks");
                    }
            for (int k = 1; k <= 3; k++) {
                if (!ratio_ok(bl->ratio[k]) || bl->dedc[k] < 0) {
                    snprintf(path, sizeof path, "insutypes.%s.blocks[%d].ratio.%d", ip->insutype, b, k);
                    return yb_err_set(err, YB_E_POLICY, path, NULL, "ratio must be within 0..1");
                }
                if (bl->ratio[k] + bl->retiree_bonus > YB_RATIO_ONE) {
                    snprintf(path, sizeof path, "insutypes.%s.blocks[%d].retiree_bonus", ip->insutype, b);
                    return yb_err_set(err, YB_E_POLICY, path, NULL, "ratio plus retiree bonus exceeds 1");
                }
            }
            if (!bl->cap_group[0]) {
                snprintf(path, sizeof path, "insutypes.%s.blocks[%d].cap_group", ip->insutype, b);
                return yb_err_set(err, YB_E_POLICY, path, NULL, "a block needs a cap_group");
            }
        }
        for (int l = 0; l < ip->n_layers; l++) {
            const yb_layer *ly = &ip->layers[l];
            snprintf(path, sizeof path, "insutypes.%s.layers[%d]", ip->insutype, l);
            if (!ly->name[0]) return yb_err_set(err, YB_E_POLICY, path, NULL, "a layer needs a name");
            for (int c = 0; c < l; c++)
                if (!strcmp(ip->layers[c].name, ly->name))
                    return yb_err_set(err, YB_E_POLICY, path, ly->name, "layer name used twice");
            for (int c = 0; c < ip->n_blocks; c++)
                if (!strcmp(ip->blocks[c].name, ly->name))
                    return yb_err_set(err, YB_E_POLICY, path, ly->name, "a layer may not share a block's name");
            if (strlen(ly->fund_pay_type) != 6) {
                snprintf(path, sizeof path, "insutypes.%s.layers[%d].fund_pay_type", ip->insutype, l);
                return yb_err_set(err, YB_E_POLICY, path, ly->fund_pay_type, "fund_pay_type has 6 digits");
            }
            for (int k = 0; k < ly->n_blocks; k++) {
                int found = 0;
                for (int c = 0; c < ip->n_blocks; c++) found |= !strcmp(ip->blocks[c].name, ly->blocks[k]);
                if (!found) {
                    snprintf(path, sizeof path, "insutypes.%s.layers[%d].blocks[%d]", ip->insutype, l, k);
                    return yb_err_set(err, YB_E_POLICY, path, ly->blocks[k], "no such block");
                }
            }
            if (ly->n_by_identity == 0 && ly->n_seg == 0) {
                snprintf(path, sizeof path, "insutypes.%s.layers[%d].segments", ip->insutype, l);
                return yb_err_set(err, YB_E_POLICY, path, NULL, "a layer needs segments or by_identity");
            }
            for (int s = 0; s < ly->n_seg; s++) {
                snprintf(path, sizeof path, "insutypes.%s.layers[%d].segments[%d]", ip->insutype, l, s);
                if (s == 0 && ly->seg[0].from != 0)
                    return yb_err_set(err, YB_E_POLICY, path, NULL, "the first segment starts from 0");
                if (s > 0 && ly->seg[s].from <= ly->seg[s - 1].from)
                    return yb_err_set(err, YB_E_POLICY, path, NULL, "segments must ascend");
                if (!ratio_ok(ly->seg[s].ratio))
                    return yb_err_set(err, YB_E_POLICY, path, NULL, "ratio must be within 0..1");
            }
            if (ly->threshold < 0) {
                snprintf(path, sizeof path, "insutypes.%s.layers[%d].threshold", ip->insutype, l);
                return yb_err_set(err, YB_E_POLICY, path, NULL, "negative threshold");
            }
            for (int k = 0; k < ly->n_eligible; k++)
                if (!find_map(p->identities, p->n_identities, ly->eligible[k])) {
                    snprintf(path, sizeof path, "insutypes.%s.layers[%d].eligible[%d]", ip->insutype, l, k);
                    return yb_err_set(err, YB_E_POLICY, path, ly->eligible[k], "no such identity");
                }
            for (int k = 0; k < ly->n_adjust; k++) {
                snprintf(path, sizeof path, "insutypes.%s.layers[%d].identity_adjust.%s", ip->insutype, l,
                         ly->adjust[k].identity);
                if (!find_map(p->identities, p->n_identities, ly->adjust[k].identity))
                    return yb_err_set(err, YB_E_POLICY, path, ly->adjust[k].identity, "no such identity");
                if (ly->adjust[k].threshold_factor < 0)
                    return yb_err_set(err, YB_E_POLICY, path, NULL, "negative threshold_factor");
            }
            for (int k = 0; k < ly->n_by_identity; k++) {
                snprintf(path, sizeof path, "insutypes.%s.layers[%d].by_identity.%s", ip->insutype, l,
                         ly->by_identity[k].identity);
                if (!find_map(p->identities, p->n_identities, ly->by_identity[k].identity))
                    return yb_err_set(err, YB_E_POLICY, path, ly->by_identity[k].identity, "no such identity");
                if (!ratio_ok(ly->by_identity[k].ratio) || ly->by_identity[k].threshold < 0)
                    return yb_err_set(err, YB_E_POLICY, path, NULL, "ratio must be within 0..1");
            }
        }
    }
    return YB_OK;
}
