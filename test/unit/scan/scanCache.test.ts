// The per-file scan cache: round trip, invalidation by size and mtime, and damaged files treated as empty.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { SCAN_CACHE_VERSION, ScanCache } from '../../../src/engine/cache/scanCache';
import type { ScanOutcome } from '../../../src/engine/types';
import { tempDir } from './scanFixtures';

const FACTS: ScanOutcome = {
  ok: true,
  facts: {
    width: 4,
    height: 3,
    channels: 3,
    format: 'png',
    bytes: 120,
    brightness: 140.75,
    contrast: 0,
    saturation: 0.5,
    sharpness: 0,
    greyscale: false,
    dhash: '0000000000000000',
    thumbnail: Buffer.alloc(1024, 141).toString('base64'),
    sha256: 'ab'.repeat(32),
    exif: { gps: { latitude: -33.86, longitude: 151.2083 } },
    provenance: { c2pa: true },
  },
};
const TRUNCATED: ScanOutcome = { ok: false, code: 'truncated', message: 'cut', bytes: 10, sha256: 'cd'.repeat(32) };

describe('ScanCache', () => {
  let cacheDir: string;
  let root: string;
  beforeEach(async () => {
    cacheDir = await tempDir('fairframe-cache-');
    root = await tempDir('fairframe-dataset-');
  });
  afterEach(async () => {
    await fs.rm(cacheDir, { recursive: true, force: true });
    await fs.rm(root, { recursive: true, force: true });
  });

  it('round-trips outcomes through disk, keyed by path, size and mtime', async () => {
    const cache = await ScanCache.open(cacheDir, root);
    assert.equal(cache.size, 0);
    cache.set('/d/a.png', 120, 1000.5, FACTS);
    cache.set('/d/b.jpg', 10, 2000, TRUNCATED);
    await cache.save();
    assert.equal(path.dirname(cache.file), path.join(cacheDir, `scan-v${SCAN_CACHE_VERSION}`));

    const reopened = await ScanCache.open(cacheDir, root);
    assert.equal(reopened.stats.loaded, 2);
    assert.deepEqual(reopened.get('/d/a.png', 120, 1000.5), FACTS);
    assert.deepEqual(reopened.get('/d/b.jpg', 10, 2000), TRUNCATED);
    assert.equal(reopened.get('/d/a.png', 120, 1001), undefined, 'a changed mtime misses');
    assert.equal(reopened.get('/d/a.png', 121, 1000.5), undefined, 'a changed size misses');
    assert.equal(reopened.get('/d/c.png', 1, 1), undefined);
    assert.deepEqual([reopened.stats.hits, reopened.stats.misses], [2, 3]);
  });

  it('appends with flush(); later lines win; a torn last line is skipped', async () => {
    const cache = await ScanCache.open(cacheDir, root);
    cache.set('/d/a.png', 120, 1, FACTS);
    await cache.flush(); // first write: header + entry
    cache.set('/d/a.png', 120, 2, TRUNCATED);
    await cache.flush(); // appended
    const lines = (await fs.readFile(cache.file, 'utf8')).trimEnd().split('\n');
    assert.equal(lines.length, 3);
    await fs.appendFile(cache.file, '{"p":"/d/torn.png","s":1,');

    const reopened = await ScanCache.open(cacheDir, root);
    assert.equal(reopened.size, 1);
    assert.equal(reopened.stats.skippedLines, 1);
    assert.deepEqual(reopened.get('/d/a.png', 120, 2), TRUNCATED);
    assert.equal(reopened.get('/d/a.png', 120, 1), undefined);
  });

  it('discards a corrupt file, another version, or another root, and rewrites it on the next save', async () => {
    const first = await ScanCache.open(cacheDir, root);
    await fs.mkdir(path.dirname(first.file), { recursive: true });
    for (const content of ['not json at all\n{"p":1}', `{"fairframeScanCache":${SCAN_CACHE_VERSION + 1},"root":${JSON.stringify(root)}}\n`, `{"fairframeScanCache":${SCAN_CACHE_VERSION},"root":"/elsewhere"}\n`]) {
      await fs.writeFile(first.file, content);
      const cache = await ScanCache.open(cacheDir, root);
      assert.equal(cache.stats.discarded, true, content);
      assert.equal(cache.size, 0);
    }
    const cache = await ScanCache.open(cacheDir, root);
    cache.set('/d/a.png', 120, 1, FACTS);
    await cache.flush();
    const reopened = await ScanCache.open(cacheDir, root);
    assert.equal(reopened.stats.discarded, false);
    assert.deepEqual(reopened.get('/d/a.png', 120, 1), FACTS);
  });

  it('drops entries of invalid shape', async () => {
    const cache = await ScanCache.open(cacheDir, root);
    await fs.mkdir(path.dirname(cache.file), { recursive: true });
    const header = JSON.stringify({ fairframeScanCache: SCAN_CACHE_VERSION, root });
    const good = JSON.stringify({ p: '/d/a.png', s: 1, m: 1, o: TRUNCATED });
    const bad = JSON.stringify({ p: '/d/b.png', s: 1, m: 1, o: { ok: true, facts: { width: 1 } } });
    await fs.writeFile(cache.file, `${header}\n${good}\n${bad}\n`);
    const reopened = await ScanCache.open(cacheDir, root);
    assert.equal(reopened.size, 1);
    assert.equal(reopened.stats.skippedLines, 1);
  });

  it('prune() forgets entries not used this session', async () => {
    const cache = await ScanCache.open(cacheDir, root);
    cache.set('/d/a.png', 1, 1, TRUNCATED);
    cache.set('/d/b.png', 1, 1, TRUNCATED);
    await cache.save();
    const next = await ScanCache.open(cacheDir, root);
    assert.ok(next.get('/d/a.png', 1, 1));
    next.prune();
    await next.flush();
    const last = await ScanCache.open(cacheDir, root);
    assert.equal(last.size, 1);
    assert.ok(last.get('/d/a.png', 1, 1));
  });

  it('refuses a cache folder inside the dataset', async () => {
    await assert.rejects(ScanCache.open(path.join(root, '.cache'), root), { code: 'bad-config' });
  });

  it('leaves no temporary files behind after a save', async () => {
    const cache = await ScanCache.open(cacheDir, root);
    cache.set('/d/a.png', 1, 1, TRUNCATED);
    await cache.save();
    assert.deepEqual(await fs.readdir(path.dirname(cache.file)), [path.basename(cache.file)]);
  });
});
