// The near-duplicate verification pool: worker threads give exactly what one thread gives, on real digits.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { CROWDED_LAYOUT_WINDOW, CROWDED_PAIRS_PER_IMAGE, LAYOUT_WINDOW, estimatePairsWithin, findNearDuplicates, type SearchItem } from '../../../src/engine/checks/nearDuplicateSearch';
import { popcount32 } from '../../../src/engine/hash/hammingDistance';
import { LAYOUT_HASHES } from '../../../src/engine/image/imageSignatures';
import { verificationPool } from '../../../src/worker/verifyPool';
import { decodeThumbnail, lumaThumbnail } from '../../../src/engine/image/thumbnail';
import { requireSharedData, sharedDataPath } from '../sharedData';

/**
 * The first `count` MNIST test digits as search items (thumbnail of the 28×28 digit; no dHash), then a copy of
 * each of the first `copies` digits moved one pixel right and brightened, so some pairs are near duplicates.
 */
async function mnistItems(count: number, copies = 0): Promise<SearchItem[]> {
  const images = gunzipSync(await fs.readFile(sharedDataPath('mnist', 't10k-images-idx3-ubyte.gz')));
  const digit = (i: number): Uint8Array => images.subarray(16 + i * 784, 16 + (i + 1) * 784);
  const item = (pixels: Uint8Array): SearchItem => ({ thumbnail: decodeThumbnail(lumaThumbnail(pixels, 28, 28)), dhash: undefined });
  const moved = (pixels: Uint8Array): Uint8Array => Uint8Array.from({ length: 784 }, (_, p) => (p % 28 === 0 ? 0 : Math.min(255, Math.round(1.1 * pixels[p - 1] + 5))));
  return [...Array.from({ length: count }, (_, i) => item(digit(i))), ...Array.from({ length: copies }, (_, i) => item(moved(digit(i))))];
}

describe('near-duplicate verification in worker threads', function () {
  this.timeout(300_000);
  before(function () {
    requireSharedData(this, sharedDataPath('mnist', 't10k-images-idx3-ubyte.gz'));
  });

  it('verifies 3,000 real digits in two threads exactly as in one', async () => {
    const items = await mnistItems(3000, 20);
    const single = await findNearDuplicates(items, { threshold: 0.98, dhashRadius: 4, parallel: undefined });
    const pooled = await findNearDuplicates(items, { threshold: 0.98, dhashRadius: 4, parallel: verificationPool(2), parallelMinPairs: 1 });
    assert.equal(single.stats.verificationThreads, 1);
    assert.equal(pooled.stats.verificationThreads, 2, 'the pool was not used');
    // Premises: enough pairs to split into several chunks, and some found, so the comparison means something.
    assert.ok(single.stats.pairsVerified > 4096, `only ${single.stats.pairsVerified} pairs verified`);
    assert.ok(single.pairs.length >= 20, `${single.pairs.length} pairs found among 3,000 digits and 20 copies`);
    assert.deepEqual(pooled.pairs, single.pairs);
    assert.deepEqual(pooled.clusters, single.clusters);
    assert.equal(pooled.stats.pairsVerified, single.stats.pairsVerified);
  });

  it('past the radius-search limit, sorted layout hashes still pair every planted copy with its digit, at bounded work', async () => {
    const items = await mnistItems(3000, 20);
    const sorted = await findNearDuplicates(items, { threshold: 0.98, dhashRadius: 4, radiusSearchLimit: 0 });
    assert.equal(sorted.stats.layoutSearch.kind, 'sorted');
    // Each order visits every item with its LAYOUT_WINDOW successors.
    assert.ok(sorted.stats.layoutSearch.comparisons <= items.length * LAYOUT_HASHES * LAYOUT_WINDOW);
    const found = new Set(sorted.pairs.map((pair) => `${pair.a},${pair.b}`));
    const missing = Array.from({ length: 20 }, (_, i) => i).filter((i) => !found.has(`${i},${3000 + i}`));
    assert.deepEqual(missing, []);
    const radius = await findNearDuplicates(items, { threshold: 0.98, dhashRadius: 4, crowdedPairsPerImage: Number.POSITIVE_INFINITY });
    assert.equal(radius.stats.layoutSearch.kind, 'radius');
    assert.ok(sorted.stats.proposals < radius.stats.proposals / 4, `${sorted.stats.proposals} proposals against ${radius.stats.proposals}`);
  });

  it('a crowded set (digits: most layouts within a few bits) takes sorted hashes below the limit too, and still pairs every planted copy', async () => {
    const items = await mnistItems(3000, 20);
    const crowded = await findNearDuplicates(items, { threshold: 0.98, dhashRadius: 4 });
    const radius = await findNearDuplicates(items, { threshold: 0.98, dhashRadius: 4, crowdedPairsPerImage: Number.POSITIVE_INFINITY });
    assert.equal(crowded.stats.layoutSearch.kind, 'sorted');
    assert.equal(crowded.stats.layoutSearch.crowded, true);
    // The estimate is near what the radius search then proposes (a sample of 256 of 3,020 digits).
    const estimated = crowded.stats.layoutSearch.estimatedRadiusPairs!;
    const actual = radius.stats.proposals; // the items have no dHash: every proposal is a layout pair
    assert.ok(estimated > CROWDED_PAIRS_PER_IMAGE * items.length, `estimated ${estimated}`);
    assert.ok(Math.abs(estimated - actual) < 0.25 * actual, `estimated ${estimated} pairs, the radius search proposed ${actual}`);
    assert.ok(crowded.stats.layoutSearch.comparisons <= items.length * LAYOUT_HASHES * CROWDED_LAYOUT_WINDOW);
    const found = new Set(crowded.pairs.map((pair) => `${pair.a},${pair.b}`));
    assert.deepEqual(Array.from({ length: 20 }, (_, i) => i).filter((i) => !found.has(`${i},${3000 + i}`)), []);
  });

  it('estimates pairs within a radius exactly when every hash is in the sample', () => {
    const high = Uint32Array.from({ length: 200 }, (_, i) => (i * 2654435761) >>> 0);
    const low = Uint32Array.from({ length: 200 }, (_, i) => ((i % 7) * 0x01010101) >>> 0);
    let pairs = 0;
    for (let p = 0; p < 200; p++) for (let q = p + 1; q < 200; q++) if (popcount32(high[p] ^ high[q]) + popcount32(low[p] ^ low[q]) <= 12) pairs++;
    assert.ok(pairs > 0);
    assert.equal(estimatePairsWithin(high, low, 12), pairs);
  });

  it('flat thumbnails do not count toward the radius-search limit: the search is the same as with a higher limit', async () => {
    const digits = await mnistItems(300, 10);
    const flat: SearchItem[] = Array.from({ length: 100 }, () => ({ thumbnail: new Uint8Array(1024).fill(200), dhash: undefined }));
    const items = [...digits.slice(0, 150), ...flat, ...digits.slice(150)];
    // 410 thumbnails, 310 of them with a layout: under a limit of 350 the radius search still applies.
    const limited = await findNearDuplicates(items, { threshold: 0.98, dhashRadius: 4, radiusSearchLimit: 350, parallel: verificationPool(2), parallelMinPairs: 1 });
    const unlimited = await findNearDuplicates(items, { threshold: 0.98, dhashRadius: 4, radiusSearchLimit: 10_000 });
    assert.equal(limited.stats.itemsCompared, 310);
    assert.equal(limited.stats.itemsWithoutLayout, 100);
    assert.equal(limited.stats.layoutSearch.kind, 'radius');
    assert.ok(unlimited.pairs.length >= 10, `${unlimited.pairs.length} pairs`);
    assert.deepEqual(limited.pairs, unlimited.pairs);
    assert.deepEqual(limited.clusters, unlimited.clusters);
    assert.equal(limited.stats.proposals, unlimited.stats.proposals);
  });

  it('stops when the audit is cancelled', async () => {
    const items = await mnistItems(3000);
    const controller = new AbortController();
    const search = findNearDuplicates(items, { threshold: 0.98, dhashRadius: 4, parallel: verificationPool(2), parallelMinPairs: 1, signal: controller.signal });
    setImmediate(() => controller.abort());
    await assert.rejects(search, (error: Error) => /cancel|abort/i.test(`${error.name} ${error.message}`));
  });
});
