// The scan stage over a small generated dataset: outcomes per record, the cache across runs, and cancellation.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { ScanCache } from '../../../src/engine/cache/scanCache';
import { scanDataset } from '../../../src/engine/scan/scanDataset';
import { throttledProgress } from '../../../src/engine/scan/throttledProgress';
import type { Dataset, Progress } from '../../../src/engine/types';
import { pngFromPixels, rgbPixels, tempDir } from './scanFixtures';

const MAX_PIXELS = 100_000_000;

async function makeDataset(root: string, count: number): Promise<Dataset> {
  await fs.mkdir(path.join(root, 'cat'), { recursive: true });
  const records: Dataset['records'] = [];
  for (let i = 0; i < count; i++) {
    const relPath = `cat/${i}.png`;
    const file = path.join(root, relPath);
    await fs.writeFile(file, await pngFromPixels(rgbPixels(8, 8, () => [i * 10, 100, 200 - i * 10]), 8, 8, 3));
    records.push({ id: relPath, path: file, relPath, label: 'cat', attributes: {}, source: { file } });
  }
  return { name: 'pets', root, format: 'imagefolder', records, attributes: [], columns: [], loadIssues: [] };
}

describe('scanDataset', () => {
  let root: string;
  let cacheDir: string;
  beforeEach(async () => {
    root = await tempDir('fairframe-dataset-');
    cacheDir = await tempDir('fairframe-cache-');
  });
  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
    await fs.rm(cacheDir, { recursive: true, force: true });
  });

  it('scans every record; a second scan of the unchanged dataset decodes nothing', async () => {
    const dataset = await makeDataset(root, 6);
    const first = await scanDataset(dataset, { maxPixels: MAX_PIXELS, cacheDir });
    assert.deepEqual(first.stats, { scanned: 6, failed: 0, cacheHits: 0, decoded: 6 });
    assert.equal(first.outcomes.size, 6);
    const outcome = first.outcomes.get('cat/3.png');
    assert.ok(outcome?.ok);
    // Record 3 is (30, 100, 170): 0.299·30 + 0.587·100 + 0.114·170 = 8.97 + 58.7 + 19.38 = 87.05
    assert.ok(Math.abs(outcome.facts.brightness - 87.05) < 1e-6);

    const second = await scanDataset(dataset, { maxPixels: MAX_PIXELS, cacheDir });
    assert.deepEqual(second.stats, { scanned: 6, failed: 0, cacheHits: 6, decoded: 0 });
    assert.deepEqual([...second.outcomes.entries()], [...first.outcomes.entries()]);
    // The cache lives in the cache folder, never in the dataset.
    assert.deepEqual((await fs.readdir(root)).sort(), ['cat']);
  });

  it('rescans a file whose content changed with the same size once its mtime changes', async () => {
    const dataset = await makeDataset(root, 3);
    const first = await scanDataset(dataset, { maxPixels: MAX_PIXELS, cacheDir });
    const target = dataset.records[1].path;
    const before = first.outcomes.get('cat/1.png');
    const replacement = await pngFromPixels(rgbPixels(8, 8, () => [60, 100, 140]), 8, 8, 3); // record 1 was (10, 100, 190)
    const original = await fs.readFile(target);
    assert.equal(replacement.length, original.length, 'the test needs a same-size replacement');
    await fs.writeFile(target, replacement);
    const stamp = new Date(Date.now() + 60_000);
    await fs.utimes(target, stamp, stamp);

    const second = await scanDataset(dataset, { maxPixels: MAX_PIXELS, cacheDir });
    assert.deepEqual(second.stats, { scanned: 3, failed: 0, cacheHits: 2, decoded: 1 });
    const after = second.outcomes.get('cat/1.png');
    assert.ok(before?.ok && after?.ok);
    assert.notEqual(after.facts.sha256, before.facts.sha256);
  });

  it('reports folders and missing files as not-a-file, counts failures, and scans a file named twice once', async () => {
    const dataset = await makeDataset(root, 2);
    await fs.writeFile(path.join(root, 'cat', 'empty.png'), Buffer.alloc(0));
    const extra = (id: string, file: string): Dataset['records'][number] => ({ id, path: file, relPath: id, label: 'cat', attributes: {}, source: { file } });
    dataset.records.push(
      extra('folder', path.join(root, 'cat')),
      extra('missing', path.join(root, 'cat', 'gone.png')),
      extra('empty', path.join(root, 'cat', 'empty.png')),
      extra('again', dataset.records[0].path),
    );
    const result = await scanDataset(dataset, { maxPixels: MAX_PIXELS });
    const code = (id: string): string | undefined => {
      const outcome = result.outcomes.get(id);
      return outcome && !outcome.ok ? outcome.code : undefined;
    };
    assert.deepEqual([code('folder'), code('missing'), code('empty'), code('cat/1.png')], ['not-a-file', 'not-a-file', 'zero-byte', undefined]);
    assert.deepEqual(result.outcomes.get('again'), result.outcomes.get('cat/0.png'));
    assert.deepEqual(result.stats, { scanned: 6, failed: 3, cacheHits: 0, decoded: 3 });
  });

  it('re-applies a changed pixel limit to cached outcomes', async () => {
    const dataset = await makeDataset(root, 2);
    await scanDataset(dataset, { maxPixels: MAX_PIXELS, cacheDir });
    const lowered = await scanDataset(dataset, { maxPixels: 63, cacheDir }); // the images have 64 pixels
    assert.deepEqual(lowered.stats, { scanned: 2, failed: 2, cacheHits: 2, decoded: 0 });
    const outcome = lowered.outcomes.get('cat/0.png');
    assert.ok(outcome && !outcome.ok && outcome.code === 'oversized' && outcome.width === 8);
    const raised = await scanDataset(dataset, { maxPixels: MAX_PIXELS, cacheDir });
    assert.deepEqual(raised.stats, { scanned: 2, failed: 0, cacheHits: 2, decoded: 0 });
  });

  it('runs libvips at one thread per image during the scan and restores the setting afterwards', async () => {
    const dataset = await makeDataset(root, 2);
    const original = sharp.concurrency();
    sharp.concurrency(2);
    const during: number[] = [];
    try {
      await scanDataset(dataset, { maxPixels: MAX_PIXELS, onProgress: () => during.push(sharp.concurrency()) });
      assert.deepEqual([...new Set(during)], [1]);
      assert.equal(sharp.concurrency(), 2);
    } finally {
      sharp.concurrency(original);
    }
  });

  it('reports progress for the scan stage, ending with done = total', async () => {
    const dataset = await makeDataset(root, 5);
    const events: Progress[] = [];
    await scanDataset(dataset, { maxPixels: MAX_PIXELS, onProgress: (progress) => events.push(progress) });
    assert.ok(events.length >= 2);
    assert.ok(events.every((event) => event.stage === 'scan' && event.total === 5));
    assert.deepEqual([events[0].done, events[events.length - 1].done], [0, 5]);
  });

  it('a fired signal cancels; what was scanned before is kept in the cache', async () => {
    const dataset = await makeDataset(root, 12);
    const controller = new AbortController();
    let seen = 0;
    const scanning = scanDataset(dataset, {
      maxPixels: MAX_PIXELS,
      cacheDir,
      concurrency: 1,
      signal: controller.signal,
      onProgress: () => {
        if (++seen === 1) setImmediate(() => controller.abort());
      },
    });
    await assert.rejects(scanning, { code: 'cancelled' });

    const cache = await ScanCache.open(cacheDir, root);
    const resumed = await scanDataset(dataset, { maxPixels: MAX_PIXELS, cacheDir });
    assert.equal(resumed.stats.cacheHits, cache.size);
    assert.equal(resumed.stats.cacheHits + resumed.stats.decoded, 12);

    const aborted = new AbortController();
    aborted.abort();
    await assert.rejects(scanDataset(dataset, { maxPixels: MAX_PIXELS, signal: aborted.signal }), { code: 'cancelled' });
  });
});

describe('throttledProgress', () => {
  it('passes at most one report per interval, and always passes flush()', () => {
    let now = 0;
    const seen: number[] = [];
    const progress = throttledProgress((event) => seen.push(event.done), 200, () => now);
    for (let done = 0; done <= 10; done++) {
      progress.report({ stage: 'scan', done });
      now += 50; // 11 reports over 550 ms
    }
    progress.flush({ stage: 'scan', done: 10 });
    // Reports at t = 0, 200, 400 pass (done 0, 4, 8); the final flush always does.
    assert.deepEqual(seen, [0, 4, 8, 10]);
  });
});
