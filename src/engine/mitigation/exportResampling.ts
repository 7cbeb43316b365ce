// Writes the balanced resampling plan for every dataset at a path (CSV per image, JSON per cell), beside the reweighing export.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { loadConfigFile, loadConfigNear } from '../config/config';
import { discoverDatasets } from '../dataset/discover';
import { loadDataset } from '../dataset/loadDataset';
import { FairframeError } from '../errors';
import { insideAnyRoot, makeOutputFolder } from '../io/outputFolder';
import { planResampling, resamplingToCsv, resamplingToJson } from './resampling';

/** Preferential sampling's ranking: the model's probability of each image's own label, by relative path, in one dataset. */
export interface PreferentialScores {
  dataset: string;
  ownLabel: ReadonlyMap<string, number>;
}

/** Loads each dataset at `target` (no decoding) and writes `<name>.resampling.csv|json` into `outDir`; returns the files written. */
export async function exportResampling(target: string, attributes: string[], outDir: string, options: { configFile?: string; seed?: number; allowInsideData?: boolean; scores?: PreferentialScores } = {}): Promise<string[]> {
  const absolute = path.resolve(target);
  const stat = await fs.stat(absolute);
  const folder = stat.isDirectory() ? absolute : path.dirname(absolute);
  const config = options.configFile ? await loadConfigFile(options.configFile) : await loadConfigNear(folder);
  const datasets = [];
  for (const ref of await discoverDatasets(absolute, config)) datasets.push(await loadDataset(ref, config));
  if (datasets.length === 0) throw new FairframeError('no-dataset', `No dataset found in '${absolute}'.`, { path: absolute });
  const inside = options.allowInsideData ? undefined : await insideAnyRoot(outDir, datasets.map((dataset) => dataset.root));
  if (inside !== undefined) {
    throw new FairframeError('bad-config', `The output folder '${path.resolve(outDir)}' is inside the dataset '${inside}', and Fairframe never writes inside a dataset. Choose another --out, or pass --out-inside-data.`);
  }
  const out = await makeOutputFolder(outDir);
  const written: string[] = [];
  for (const dataset of datasets) {
    if (options.scores && options.scores.dataset !== dataset.name) throw new FairframeError('bad-config', `The scores are of dataset '${options.scores.dataset}', not '${dataset.name}'; name one dataset folder or manifest for preferential sampling.`);
    const scores = options.scores ? dataset.records.map((record) => options.scores?.ownLabel.get(record.relPath)) : undefined;
    const plan = planResampling(dataset, attributes, options.seed, scores);
    const safeName = dataset.name.replace(/[^A-Za-z0-9._-]+/g, '_');
    const csvFile = path.join(out, `${safeName}.resampling.csv`);
    const jsonFile = path.join(out, `${safeName}.resampling.json`);
    await fs.writeFile(csvFile, resamplingToCsv(plan, dataset));
    await fs.writeFile(jsonFile, resamplingToJson(plan));
    written.push(csvFile, jsonFile);
  }
  return written;
}
