/*
 * policy.h — benefit policy of one insurance area and version (see docs/policy.md).
 *
 * A policy says how a visit's in-scope amount is shared between the basic pool (by benefit
 * block), the supplementary layers and the person. It is plain data: the loader
 * (io/policy_json.c) fills it from JSON, the calculator (core/settle.c) reads it, and nothing
 * in the code is a constant of a regional policy.
 *
 * Fixed-size arrays keep a policy one flat allocation that can be copied and freed at once;
 * the limits below are checked by the loader with a clear error.
 */
#ifndef YIBAO_POLICY_H
#define YIBAO_POLICY_H

#include "yibao/money.h"
#include "yibao/date.h"

#define YB_POL_NAME 64
#define YB_POL_MAX_INSUTYPES 8
#define YB_POL_MAX_BLOCKS 16
#define YB_POL_MAX_MEDTYPES 24
#define YB_POL_MAX_LAYERS 8
#define YB_POL_MAX_SEGMENTS 8
#define YB_POL_MAX_IDENT 8        /* identity names, adjustments, by_identity rows */
#define YB_POL_MAX_CODES 16       /* codes mapped to one identity / offsite class */
#define YB_POL_MAX_OFFSITE 8
#define YB_POL_MAX_RETIRED 8
#define YB_POL_MAX_FACTORS 8

/* "no cap" for an annual cap held as yb_fen */
#define YB_NO_CAP (-1)

typedef enum yb_dedc_per { YB_DEDC_NONE = 0, YB_DEDC_PER_ADMISSION = 1, YB_DEDC_PER_YEAR = 2 } yb_dedc_per;

typedef struct yb_block {
    char name[YB_POL_NAME];                 /* e.g. 职工住院; unique within the insutype */
    char med_types[YB_POL_MAX_MEDTYPES][12];
    int n_med_types;
    char fund_pay_type[8];                  /* pool fund row type; default insutype + "100" */
    yb_dedc_per dedc_per;
    yb_fen dedc[4];                         /* deductible by level class 1..3 */
    /* factor on the deductible for the 1st, 2nd, ... admission of the year (per_admission
     * blocks only); the last factor applies to later admissions. n_factors = 0 means 1.0. */
    yb_ratio admission_factor[YB_POL_MAX_FACTORS];
    int n_admission_factors;
    yb_ratio ratio[4];                      /* pool ratio by level class 1..3 */
    yb_ratio retiree_bonus;                 /* added to ratio for retirees */
    char cap_group[YB_POL_NAME];            /* annual cap this block consumes */
    yb_fen annual_cap_active;               /* YB_NO_CAP when absent; "all" sets both */
    yb_fen annual_cap_retired;
} yb_block;

typedef enum yb_layer_base { YB_BASE_REMAINING_INSCP = 0, YB_BASE_OVER_CAP = 1 } yb_layer_base;
typedef enum yb_layer_elig { YB_ELIG_ALL = 0, YB_ELIG_CVLSERV = 1, YB_ELIG_IDENTITIES = 2 } yb_layer_elig;

typedef struct yb_segment {
    yb_fen from;        /* lower bound on the cumulative yearly base above the threshold */
    yb_ratio ratio;     /* the segment runs to the next segment's `from`, the last to infinity */
} yb_segment;

typedef struct yb_identity_adjust {
    char identity[YB_POL_NAME];   /* identity name as in yb_policy.identities */
    yb_ratio threshold_factor;    /* x threshold; YB_RATIO_ONE = unchanged */
    yb_ratio ratio_add;           /* added to every segment's ratio (may be 0) */
    int no_cap;                   /* 1 = the layer's annual cap does not apply */
} yb_identity_adjust;

typedef struct yb_by_identity {
    char identity[YB_POL_NAME];
    yb_fen threshold;
    yb_ratio ratio;               /* one segment from 0 */
} yb_by_identity;

typedef struct yb_layer {
    char name[YB_POL_NAME];        /* unique within the insutype; keys its accumulators */
    char fund_pay_type[8];         /* 390200, 330100, 320100, 610100 ... */
    char blocks[YB_POL_MAX_BLOCKS][YB_POL_NAME];  /* applies only to these blocks; n_blocks = 0: all visits */
    int n_blocks;
    yb_layer_base base;
    yb_layer_elig elig;
    char eligible[YB_POL_MAX_IDENT][YB_POL_NAME]; /* identity names when elig = YB_ELIG_IDENTITIES */
    int n_eligible;
    yb_fen threshold;              /* annual threshold on the cumulative base */
    yb_segment seg[YB_POL_MAX_SEGMENTS];
    int n_seg;                     /* >= 1 unless by_identity is used */
    yb_fen annual_cap;             /* YB_NO_CAP when absent */
    yb_identity_adjust adjust[YB_POL_MAX_IDENT];  /* first one (in this order) the person holds applies */
    int n_adjust;
    yb_by_identity by_identity[YB_POL_MAX_IDENT]; /* when n_by_identity > 0: threshold and ratio by
                                                     the first listed identity the person holds;
                                                     replaces threshold and segments */
    int n_by_identity;
} yb_layer;

typedef struct yb_insutype_policy {
    char insutype[8];              /* 310, 390 ... */
    int account;                   /* 1 = has a personal account */
    int account_scope_no_fulamt;   /* 1 = account pays psn_part - fulamt_ownpay_amt only ("inscp");
                                      0 = psn_part ("all") */
    yb_block blocks[YB_POL_MAX_BLOCKS];
    int n_blocks;
    yb_layer layers[YB_POL_MAX_LAYERS];  /* applied in this order after the pool */
    int n_layers;
} yb_insutype_policy;

typedef struct yb_code_map {      /* a name and the raw codes (or texts) that mean it */
    char name[YB_POL_NAME];
    char codes[YB_POL_MAX_CODES][32];
    int n_codes;
} yb_code_map;

typedef struct yb_policy {
    char admdvs[8];                /* insurance area, 6 digits */
    char name[128];
    char version[32];
    yb_date effective_from;
    yb_date effective_to;          /* YB_DATE_MAX when open-ended (inclusive last day otherwise) */
    int hosp_lv_class[16];         /* hosp_lv "01".."15" -> class 1..3; index = numeric code; 0 = unknown */
    /* cross-region: extra pre-self-pay share per filing class, and the raw rloc_type codes
     * mapping to each class */
    yb_code_map offsite_classes[YB_POL_MAX_OFFSITE];
    yb_ratio offsite_extra[YB_POL_MAX_OFFSITE];   /* parallel to offsite_classes */
    int n_offsite;
    char offsite_default[YB_POL_NAME];  /* class used when rloc_type is empty or unmapped; "" = no extra */
    yb_code_map identities[YB_POL_MAX_IDENT];     /* identity name -> sp_psn_type codes/texts */
    int n_identities;
    char retired_psn_types[YB_POL_MAX_RETIRED][12]; /* prefixes of psn_type meaning retired; default "12","1300" */
    int n_retired;
    yb_insutype_policy insutypes[YB_POL_MAX_INSUTYPES];
    int n_insutypes;
} yb_policy;

/* Default hosp_lv -> class mapping of settlement.md §3. */
void yb_policy_defaults(yb_policy *p);
/* Class 1..3 for a hosp_lv code under this policy; 0 when the code is unknown. */
int yb_policy_class(const yb_policy *p, const char *hosp_lv);
const yb_insutype_policy *yb_policy_insutype(const yb_policy *p, const char *insutype);
/* Block covering med_type, or NULL (not covered by the pool). */
const yb_block *yb_policy_block(const yb_insutype_policy *ip, const char *med_type);
int yb_policy_is_retired(const yb_policy *p, const char *psn_type);
/* Does the person hold identity `name`? sp_psn_type is the raw field: several values separated
 * by '|'; a value matches when it equals one of the identity's codes or the name itself. */
int yb_policy_has_identity(const yb_policy *p, const char *name, const char *sp_psn_type);
/* Extra pre-self-pay share for a cross-region visit with filing class code rloc_type. */
yb_ratio yb_policy_offsite_extra(const yb_policy *p, const char *rloc_type);
/* Check internal consistency (unique names, segments ascending, layer blocks exist ...);
 * YB_E_POLICY with the JSON-style path of the offending field. */
yb_rc yb_policy_validate(const yb_policy *p, yb_err *err);

/* Load from a JSON document (io/policy_json.c). *out is heap-allocated, free with free().
 * Errors name the JSON path, e.g. field "insutypes.310.blocks[0].ratio.2". Unknown keys
 * are errors (a typo must not silently change a benefit). */
yb_rc yb_policy_from_json(const char *text, size_t len, const char *fname, yb_policy **out, yb_err *err);
/* The canonical JSON of a valid policy (io/policy_json.c): every value explicit, amounts and
 * ratios as decimal strings. yb_policy_from_json of it gives back the same struct, byte for byte,
 * when p itself was loaded by yb_policy_from_json. Heap string; NULL when out of memory. */
char *yb_policy_to_json(const yb_policy *p);

#endif
