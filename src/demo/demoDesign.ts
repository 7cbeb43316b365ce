// The fixed design of the synthetic demo dataset: classes, groups, counts and the sizes of the planted defects.

export const DEMO_CLASSES = ['melanoma', 'nevus', 'seborrheic_keratosis', 'basal_cell_carcinoma'] as const;
export type DemoClass = (typeof DEMO_CLASSES)[number];

export const FITZPATRICK_TYPES = ['I', 'II', 'III', 'IV', 'V', 'VI'] as const;
export type FitzpatrickType = (typeof FITZPATRICK_TYPES)[number];

/**
 * Images per class × Fitzpatrick type (3,200 in all). Types V and VI are rare (7% and 4%), and melanoma sits on
 * I–II far more often (500 of 640, 78%) than the dataset as a whole (44.5%).
 */
export const DEMO_COUNTS: Record<DemoClass, Record<FitzpatrickType, number>> = {
  melanoma: { I: 210, II: 290, III: 82, IV: 34, V: 14, VI: 10 },
  nevus: { I: 206, II: 314, III: 431, IV: 305, V: 118, VI: 66 },
  seborrheic_keratosis: { I: 92, II: 139, III: 192, IV: 135, V: 53, VI: 29 },
  basal_cell_carcinoma: { I: 68, II: 105, III: 143, IV: 102, V: 39, VI: 23 },
};

/** Images in the test split (20%); the rest are train. */
export const TEST_COUNT = 640;

/** Attributes drawn independently of the label and of each other, with their shares. */
export const INDEPENDENT_ATTRIBUTES: Record<'sex' | 'age_group' | 'site', Record<string, number>> = {
  sex: { female: 0.5, male: 0.5 },
  age_group: { under_40: 0.3, '40_to_64': 0.4, '65_plus': 0.3 },
  site: { clinic_a: 0.3, clinic_b: 0.3, clinic_c: 0.15, clinic_d: 0.25 },
};

/** The attributes declared in fairframe.json, in column order. */
export const DEMO_ATTRIBUTES = ['fitzpatrick', 'sex', 'age_group', 'site'] as const;

/**
 * The acquisition site whose images were shot darker: every pixel value is scaled by DARK_SITE_FACTOR, and, as a
 * camera at a higher gain would, its sensor noise is stronger (which keeps sharpness and file size close to the rest).
 */
export const DARK_SITE = 'clinic_c';
export const DARK_SITE_FACTOR = 0.6;
/** Standard deviation of the per-channel sensor noise (8-bit levels): elsewhere, and at the darker site. */
export const SENSOR_NOISE = 2;
export const DARK_SITE_SENSOR_NOISE = 4.4;

/** Side of the square images, in pixels, and the JPEG quality of ordinary images. */
export const IMAGE_SIZE = 64;
export const JPEG_QUALITY = 90;

/** Sizes of the planted defects. */
export const PLANTED = {
  leakagePairs: 4,
  conflictingPairs: 3,
  plainPairs: 5,
  exactCopies: 3,
  truncated: 4,
  zeroByte: 1,
  gps: 6,
  serialNumbers: 2,
  aiGenerated: 2,
  /** Rows labelled 'Melanoma' instead of 'melanoma'. */
  capitalisedMelanoma: 3,
  /** Rows labelled 'nevus ' (trailing space) instead of 'nevus'. */
  trailingSpaceNevus: 2,
  /** Test rows whose label column names the wrong class. */
  testLabelFlips: 40,
} as const;

/** Largest dHash distance (bits) between a planted near duplicate and its source. */
export const NEAR_DUPLICATE_MAX_DISTANCE = 3;
/** Smallest dHash distance between two unrelated original images (re-drawn otherwise). */
export const UNRELATED_ORIGINAL_MIN_DISTANCE = 13;
/** Smallest dHash distance between any two unrelated images, copies included. */
export const UNRELATED_MIN_DISTANCE = 9;
/** Independent attributes are re-drawn until every label × attribute and attribute × attribute test has p ≥ this. */
export const INDEPENDENCE_MIN_P = 0.05;
