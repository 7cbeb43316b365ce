// The deterministic synthetic dermatology dataset behind `npm run demo`, with planted defects and their ground truth.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DEMO_ATTRIBUTES, FITZPATRICK_TYPES, IMAGE_SIZE, JPEG_QUALITY } from './demoDesign';
import type { DemoManifest } from './demoManifest';
import { planDemo, type PlannedImage } from './demoPlan';
import { renderDemoImages } from './renderDemoImages';
import { buildDemoTruth } from './demoTruth';

export type { DemoManifest } from './demoManifest';

/** The seed used when none is given. */
export const DEFAULT_DEMO_SEED = 10;

/** Layout under the output folder: the dataset root, the masks beside it (not inside it), the truth at the top. */
export const DEMO_LAYOUT = {
  datasetRoot: 'data',
  manifest: 'data/metadata.csv',
  config: 'data/fairframe.json',
  masks: 'masks',
  truth: 'demo-truth.json',
} as const;

/** Columns of metadata.csv, in order. */
export const DEMO_COLUMNS = ['file_name', 'label', 'split', ...DEMO_ATTRIBUTES, 'mask'];

export interface GenerateDemoOptions {
  seed?: number;
  /**
   * Write only the images (and masks) of the first N rows; metadata.csv and the counts in the truth still describe
   * every row, and the measured statistics cover the written images. The first N images are byte-identical to those
   * of a full generation with the same seed.
   */
  limit?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Writes the demo dataset to `outDir` (data/ in the Hugging Face imagefolder layout, masks/, demo-truth.json) and
 * returns the ground truth. The same seed always gives byte-identical files.
 */
export async function generateDemo(outDir: string, options: GenerateDemoOptions = {}): Promise<DemoManifest> {
  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  const plan = planDemo(seed);
  const count = Math.max(0, Math.min(plan.images.length, options.limit ?? plan.images.length));
  const dataRoot = path.join(outDir, DEMO_LAYOUT.datasetRoot);
  const maskRoot = path.join(outDir, DEMO_LAYOUT.masks);
  await Promise.all([
    fs.mkdir(path.join(dataRoot, 'train'), { recursive: true }),
    fs.mkdir(path.join(dataRoot, 'test'), { recursive: true }),
    fs.mkdir(maskRoot, { recursive: true }),
  ]);

  const rendered = await renderDemoImages(plan.images, count, seed, dataRoot, maskRoot, options.onProgress);
  const truth = buildDemoTruth(plan, rendered, {
    seed,
    imageSize: IMAGE_SIZE,
    jpegQuality: JPEG_QUALITY,
    imagesPlanned: plan.images.length,
    imagesWritten: count,
  }, { ...DEMO_LAYOUT }, DEMO_COLUMNS);

  await fs.writeFile(path.join(outDir, DEMO_LAYOUT.manifest), metadataCsv(plan.images));
  await fs.writeFile(path.join(outDir, DEMO_LAYOUT.config), `${JSON.stringify(demoConfig(), null, 2)}\n`);
  await fs.writeFile(path.join(outDir, DEMO_LAYOUT.truth), `${JSON.stringify(truth, null, 2)}\n`);
  return truth;
}

/** metadata.csv: one row per image; the mask column points outside the dataset root. */
function metadataCsv(images: readonly PlannedImage[]): string {
  const lines = [DEMO_COLUMNS.join(',')];
  for (const image of images) {
    const fields = [image.fileName, image.label, image.split, image.fitzpatrick, image.sex, image.age_group, image.site, `../${DEMO_LAYOUT.masks}/${image.maskName}`];
    lines.push(fields.map(csvField).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** RFC 4180 quoting, also for values with leading or trailing spaces so readers that trim keep them. */
function csvField(value: string): string {
  return /[",\n\r]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** fairframe.json for the dataset root: the sensitive attributes and a uniform reference over Fitzpatrick I–VI. */
function demoConfig(): Record<string, unknown> {
  return {
    attributes: [...DEMO_ATTRIBUTES],
    reference: { fitzpatrick: Object.fromEntries(FITZPATRICK_TYPES.map((type) => [type, 1])) },
  };
}
