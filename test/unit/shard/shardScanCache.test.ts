// A shard scans part of a dataset: the scan cache keeps the entries of the other shards' files, where a whole
// scan forgets files that left the dataset.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { scanDataset } from '../../../src/engine/scan/scanDataset';
import type { Dataset } from '../../../src/engine/types';

describe('scan cache under a partial (shard) scan', () => {
  let dir: string;
  let dataset: Dataset;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-shard-cache-'));
    const records = [];
    for (let i = 0; i < 4; i++) {
      const file = path.join(dir, 'data', `${i}.png`);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 60 * i, g: 20, b: 200 - 40 * i } } }).png().toFile(file);
      records.push({ id: `${i}.png`, path: file, relPath: `${i}.png`, label: 'x', attributes: {}, source: { file } });
    }
    dataset = { name: 'd', root: path.join(dir, 'data'), format: 'imagefolder', records, attributes: [], columns: [], loadIssues: [] };
  });

  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('keeps the other files\' entries after a partial scan, and forgets them after a whole scan of fewer files', async () => {
    const cacheDir = path.join(dir, 'cache');
    assert.equal((await scanDataset(dataset, { maxPixels: 1e8, cacheDir })).stats.decoded, 4);
    const half = { ...dataset, records: dataset.records.slice(0, 2) };
    assert.equal((await scanDataset(half, { maxPixels: 1e8, cacheDir, partial: true })).stats.cacheHits, 2);
    const again = await scanDataset(dataset, { maxPixels: 1e8, cacheDir });
    assert.deepEqual([again.stats.cacheHits, again.stats.decoded], [4, 0]);
    // A whole scan of two files prunes the other two: the next scan of all four decodes them again.
    await scanDataset(half, { maxPixels: 1e8, cacheDir });
    const after = await scanDataset(dataset, { maxPixels: 1e8, cacheDir });
    assert.deepEqual([after.stats.cacheHits, after.stats.decoded], [2, 2]);
  });
});
