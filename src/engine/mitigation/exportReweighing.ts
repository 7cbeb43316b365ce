// Writes Kamiran–Calders reweighing weights for every dataset at a path (CSV per record, JSON per cell).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { loadConfigFile, loadConfigNear } from '../config/config';
import { discoverDatasets } from '../dataset/discover';
import { loadDataset } from '../dataset/loadDataset';
import { FairframeError } from '../errors';
import { computeReweighing, reweighingToCsv, reweighingToJson } from './reweighing';

/** Loads each dataset at `target` (no decoding) and writes `<name>.reweighing.csv|json` into `outDir`; returns the files written. */
export async function exportReweighing(target: string, attributes: string[], outDir: string, options: { configFile?: string } = {}): Promise<string[]> {
  const absolute = path.resolve(target);
  const stat = await fs.stat(absolute);
  const folder = stat.isDirectory() ? absolute : path.dirname(absolute);
  const config = options.configFile ? await loadConfigFile(options.configFile) : await loadConfigNear(folder);
  const written: string[] = [];
  for (const ref of await discoverDatasets(absolute, config)) {
    const dataset = await loadDataset(ref, config);
    const missing = attributes.filter((attribute) => !dataset.records.some((record) => attribute in record.attributes));
    if (missing.length > 0) {
      throw new FairframeError('bad-config',
        `Cannot compute reweighing for dataset '${dataset.name}': no attribute ${missing.map((m) => `'${m}'`).join(', ')}; its attributes are ${dataset.attributes.map((a) => `'${a.name}'`).join(', ') || 'none'}.`);
    }
    const result = computeReweighing(dataset, attributes);
    const safeName = dataset.name.replace(/[^A-Za-z0-9._-]+/g, '_');
    const csvFile = path.join(outDir, `${safeName}.reweighing.csv`);
    const jsonFile = path.join(outDir, `${safeName}.reweighing.json`);
    await fs.writeFile(csvFile, reweighingToCsv(result, dataset));
    await fs.writeFile(jsonFile, reweighingToJson(result));
    written.push(csvFile, jsonFile);
  }
  return written;
}
