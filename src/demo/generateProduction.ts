// The demo's "production" folder: images the demo model meets after deployment, with two planted shifts of known size.
// Prior shift: the class shares move from the training data's (20/45/20/15%) to PRODUCTION_PRIORS while each class's
// images are drawn exactly as in the training data (same Fitzpatrick mix per class, same independent attributes), so
// only p(y) moves and p(x | y) stays: the label-shift setting of black-box shift estimation.
// Covariate shift: one site (PRODUCTION_DARKENED_SITE) got a new camera whose images are PRODUCTION_EXPOSURE times as
// bright; nothing else about them changes. The priors are chosen so that the class mix alone leaves mean brightness
// within 0.3% of the training data's (class means measured on the training split: melanoma 180, nevus 159,
// seborrheic keratosis 157, basal cell carcinoma 163 on an ordinary site), so the site's brightness ratio is the planted one.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DARK_SITE, DARK_SITE_FACTOR, DARK_SITE_SENSOR_NOISE, DEMO_ATTRIBUTES, DEMO_CLASSES, DEMO_COUNTS, FITZPATRICK_TYPES, IMAGE_SIZE, INDEPENDENT_ATTRIBUTES, JPEG_QUALITY, SENSOR_NOISE, type DemoClass, type FitzpatrickType } from './demoDesign';
import { encodeJpeg } from './encodeDemoImage';
import { paintLesionImage } from './paintLesionImage';
import { createRandom, deriveSeed } from './random';

/** Images in the production folder. */
export const PRODUCTION_COUNT = 1200;
/** Class shares of the production images (exact: the counts are these shares × PRODUCTION_COUNT). */
export const PRODUCTION_PRIORS: Record<DemoClass, number> = { melanoma: 0.2, nevus: 0.25, seborrheic_keratosis: 0.25, basal_cell_carcinoma: 0.3 };
/** The site whose production images come from a darker camera, and the factor every pixel value is scaled by there. */
export const PRODUCTION_DARKENED_SITE = 'clinic_b';
export const PRODUCTION_EXPOSURE = 0.7;
/** Layout under the demo folder. */
export const PRODUCTION_LAYOUT = { root: 'production', manifest: 'production/metadata.csv', truth: 'production-truth.json' } as const;
const COLUMNS = ['file_name', 'label', ...DEMO_ATTRIBUTES];

/** One production row. */
export interface ProductionImage {
  fileName: string;
  label: DemoClass;
  fitzpatrick: FitzpatrickType;
  sex: string;
  age_group: string;
  site: string;
  exposure: number;
}

/** What was planted, for the tests that recover it. */
export interface ProductionTruth {
  seed: number;
  images: number;
  priors: Record<DemoClass, number>;
  counts: Record<DemoClass, number>;
  trainingPriors: Record<DemoClass, number>;
  darkenedSite: string;
  exposure: number;
  darkenedImages: number;
  rule: string;
}

function weighted(random: ReturnType<typeof createRandom>, shares: Record<string, number>): string {
  const values = Object.keys(shares);
  return values[random.weighted(values.map((v) => shares[v]))];
}

/** Plans the production rows: exact class counts, Fitzpatrick type per class as in the full demo, attributes independent. */
export function planProduction(seed: number): ProductionImage[] {
  const random = createRandom(deriveSeed(seed, 'production'));
  const labels: DemoClass[] = [];
  for (const name of DEMO_CLASSES) for (let k = 0; k < Math.round(PRODUCTION_PRIORS[name] * PRODUCTION_COUNT); k++) labels.push(name);
  random.shuffle(labels);
  return labels.map((label, index) => {
    const fitzpatrick = weighted(random, DEMO_COUNTS[label]) as FitzpatrickType;
    const sex = weighted(random, INDEPENDENT_ATTRIBUTES.sex);
    const age_group = weighted(random, INDEPENDENT_ATTRIBUTES.age_group);
    const site = weighted(random, INDEPENDENT_ATTRIBUTES.site);
    const exposure = (site === DARK_SITE ? DARK_SITE_FACTOR : 1) * (site === PRODUCTION_DARKENED_SITE ? PRODUCTION_EXPOSURE : 1);
    return { fileName: `img_p${String(index + 1).padStart(5, '0')}.jpg`, label, fitzpatrick, sex, age_group, site, exposure };
  });
}

/** Writes production/ (images, metadata.csv, fairframe.json) and production-truth.json under `outDir`. Deterministic per seed. */
export async function generateProduction(outDir: string, seed: number, onProgress?: (done: number, total: number) => void): Promise<ProductionTruth> {
  const images = planProduction(seed);
  const root = path.join(outDir, PRODUCTION_LAYOUT.root);
  await fs.mkdir(root, { recursive: true });
  const CHUNK = 16;
  for (let start = 0; start < images.length; start += CHUNK) {
    await Promise.all(images.slice(start, start + CHUNK).map(async (image, k) => {
      const random = createRandom(deriveSeed(seed, 'production-image', start + k));
      const painted = paintLesionImage({
        lesionClass: image.label, fitzpatrick: image.fitzpatrick, exposure: image.exposure,
        noise: image.site === DARK_SITE ? DARK_SITE_SENSOR_NOISE : SENSOR_NOISE, size: IMAGE_SIZE,
      }, random);
      await fs.writeFile(path.join(root, image.fileName), await encodeJpeg(painted.rgb, IMAGE_SIZE, JPEG_QUALITY));
    }));
    onProgress?.(Math.min(images.length, start + CHUNK), images.length);
  }
  const lines = [COLUMNS.join(','), ...images.map((image) => [image.fileName, image.label, image.fitzpatrick, image.sex, image.age_group, image.site].join(','))];
  await fs.writeFile(path.join(outDir, PRODUCTION_LAYOUT.manifest), `${lines.join('\n')}\n`);
  await fs.writeFile(path.join(root, 'fairframe.json'), `${JSON.stringify({ attributes: [...DEMO_ATTRIBUTES] }, null, 2)}\n`);
  const total = Object.values(DEMO_COUNTS).reduce((sum, cells) => sum + Object.values(cells).reduce((s, v) => s + v, 0), 0);
  const truth: ProductionTruth = {
    seed,
    images: images.length,
    priors: { ...PRODUCTION_PRIORS },
    counts: Object.fromEntries(DEMO_CLASSES.map((name) => [name, images.filter((image) => image.label === name).length])) as Record<DemoClass, number>,
    trainingPriors: Object.fromEntries(DEMO_CLASSES.map((name) => [name, FITZPATRICK_TYPES.reduce((s, type) => s + DEMO_COUNTS[name][type], 0) / total])) as Record<DemoClass, number>,
    darkenedSite: PRODUCTION_DARKENED_SITE,
    exposure: PRODUCTION_EXPOSURE,
    darkenedImages: images.filter((image) => image.site === PRODUCTION_DARKENED_SITE).length,
    rule: 'Class counts are exact; Fitzpatrick type drawn per class from the demo counts; sex, age group and site drawn independently with the demo shares; every pixel of the darkened site scaled by the exposure factor (on top of the darker site clinic_c, unchanged).',
  };
  await fs.writeFile(path.join(outDir, PRODUCTION_LAYOUT.truth), `${JSON.stringify(truth, null, 2)}\n`);
  return truth;
}
