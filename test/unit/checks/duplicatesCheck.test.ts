import * as assert from 'node:assert/strict';
import { duplicatesCheck } from '../../../src/engine/checks/duplicatesCheck';
import type { CheckOutput } from '../../../src/engine/checks/check';
import { comparableThumbnail, thumbnailCorrelation } from '../../../src/engine/image/signatureSimilarity';
import type { ImageFacts, ScanOutcome } from '../../../src/engine/types';
import { MANIFEST, config, context, dataset, ok, record, scansOf } from './scanFixtures';

interface Row {
  label?: string;
  split?: string;
  facts?: Partial<ImageFacts>;
  outcome?: ScanOutcome;
}

async function run(rows: Row[], cfg = config()): Promise<CheckOutput> {
  const recs = rows.map((row, i) => record(i, row.label ?? 'cat', { split: row.split }));
  // Every image has its own bytes and its own dHash unless a row says otherwise (dHash proposals are not needed here).
  const outcomes = rows.map((row, i) => row.outcome ?? ok({ sha256: `sha-${i}`, dhash: (0x1000000000000 + i * 0x9e3779b97f).toString(16).padStart(16, '0').slice(-16), ...row.facts }));
  return duplicatesCheck.run(context(dataset(recs), scansOf(outcomes), cfg));
}

const SIDE = 32;
type Plane = Float64Array;

/** A smooth seeded pattern: a sum of six cosines of 0.5–2.5 cycles per side (a photograph's coarse layout), in [30, 220]. */
function pattern(seed: number): Plane {
  let state = seed >>> 0;
  const random = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const waves = Array.from({ length: 6 }, () => [0.5 + random() * 2, 0.5 + random() * 2, random() * 2 * Math.PI, 0.5 + random()]);
  const plane = new Float64Array(SIDE * SIDE);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      plane[y * SIDE + x] = waves.reduce((sum, [fx, fy, phase, amplitude]) => sum + amplitude * Math.cos((2 * Math.PI * (fx * x + fy * y)) / SIDE + phase), 0);
    }
  }
  const min = Math.min(...plane);
  const max = Math.max(...plane);
  return plane.map((v) => 30 + (190 * (v - min)) / (max - min));
}

/** The pattern moved by (dx, dy) whole pixels, edges repeated. */
function shifted(plane: Plane, dx: number, dy: number): Plane {
  const out = new Float64Array(SIDE * SIDE);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const sx = Math.max(0, Math.min(SIDE - 1, x - dx));
      const sy = Math.max(0, Math.min(SIDE - 1, y - dy));
      out[y * SIDE + x] = plane[sy * SIDE + sx];
    }
  }
  return out;
}

const mix = (a: Plane, b: Plane, w: number): Plane => a.map((v, i) => (1 - w) * v + w * b[i]);
const bytes = (plane: Plane): Uint8Array => Uint8Array.from(plane, (v) => Math.max(0, Math.min(255, Math.round(v))));
const thumbnail = (plane: Plane): string => Buffer.from(bytes(plane)).toString('base64');
const correlation = (a: Plane, b: Plane): number => thumbnailCorrelation(comparableThumbnail(bytes(a)), comparableThumbnail(bytes(b)), 0.98).correlation;

describe('checks/duplicatesCheck', () => {
  const a = pattern(1);
  const b = pattern(2);
  const c0 = pattern(3);
  const c1 = mix(c0, pattern(4), 0.2);
  const c2 = mix(c1, pattern(5), 0.2);

  it('the chain fixture is a chain: neighbours verify, the ends do not', () => {
    assert.ok(correlation(c0, c1) >= 0.98, `c0–c1 ${correlation(c0, c1)}`);
    assert.ok(correlation(c1, c2) >= 0.98, `c1–c2 ${correlation(c1, c2)}`);
    assert.ok(correlation(c0, c2) < 0.98, `c0–c2 ${correlation(c0, c2)}`);
    assert.ok(correlation(a, b) < 0.5);
  });

  it('links verified copies, never chains, and reports conflicts and leaks with their evidence', async () => {
    const rows: Row[] = [
      // 0–1: a copy moved a pixel right and brightened, in train and test.
      { split: 'train', facts: { thumbnail: thumbnail(a) } },
      { split: 'test', facts: { thumbnail: thumbnail(shifted(a, 1, 0).map((v) => 1.1 * v + 5)) } },
      // 2–3: identical bytes, different labels.
      { label: 'cat', facts: { sha256: 'same', thumbnail: thumbnail(b) } },
      { label: 'dog', facts: { sha256: 'same', thumbnail: thumbnail(b) } },
      // 4–6: a chain; the ends may never be reported together.
      { facts: { thumbnail: thumbnail(c0) } },
      { facts: { thumbnail: thumbnail(c1) } },
      { facts: { thumbnail: thumbnail(c2) } },
      // 7: unrelated; 8–9: flat images with equal thumbnails but different bytes (not comparable).
      { facts: { thumbnail: thumbnail(pattern(6)) } },
      { facts: { contrast: 0.5, thumbnail: thumbnail(new Float64Array(1024).fill(90)) } },
      { facts: { contrast: 0.5, thumbnail: thumbnail(new Float64Array(1024).fill(90)) } },
      // 10: scanned before thumbnails were kept: only an exact duplicate could match it.
      { facts: { thumbnail: undefined } },
    ];
    const out = await run(rows);
    assert.deepEqual(out.findings.map((f) => `${f.rule}@${f.location.line}`), ['FF-D021@2', 'FF-D023@2', 'FF-D020@4', 'FF-D022@4', 'FF-D021@6', 'FF-D021@7']);
    const [near, leak, exact, conflict, chain, attached] = out.findings;
    assert.equal(near.severity, 'info');
    assert.match(near.message, /^2 images are near duplicates: every pair's 32×32 greyscale thumbnails correlate at 0\.98 or more after alignment and stand out from their look-alikes; the weakest pair, 'img\/0\.jpg' and 'img\/1\.jpg', at (0\.9[89]\d|1\.000) \(shifted by \(1, 0\) thumbnail pixels\)\. Images: 'img\/0\.jpg' and 'img\/1\.jpg'\.$/);
    const weakest = near.evidence.weakestPair as { paths: string[]; correlation: number; dx: number; dy: number };
    assert.deepEqual(weakest.paths, ['img/0.jpg', 'img/1.jpg']);
    // The copy was moved 1 px right: the alignment finds that shift (to the quarter pixel).
    assert.ok(Math.abs(weakest.dx - 1) <= 0.25 && Math.abs(weakest.dy) <= 0.25, JSON.stringify(weakest));
    assert.equal(leak.severity, 'error');
    assert.match(leak.message, /^2 near-duplicate images are spread over the splits 'train', 'test'/);
    assert.equal(exact.message, "2 images have identical bytes: 'img/2.jpg' and 'img/3.jpg'.");
    assert.equal(conflict.severity, 'error');
    assert.equal(conflict.message, "2 identical images carry 2 different labels: 'cat' for 'img/2.jpg'; 'dog' for 'img/3.jpg'.");
    // The chain: c1 joins the end it correlates with best; the other end, left alone, is reported with c1 as a
    // pair of its own. No finding holds both ends.
    for (const link of [chain, attached]) {
      const linked = link.evidence.paths as string[];
      assert.ok(linked.includes('img/5.jpg') && linked.length === 2, linked.join());
    }
    assert.deepEqual([...(chain.evidence.paths as string[]), ...(attached.evidence.paths as string[])].sort(), ['img/4.jpg', 'img/5.jpg', 'img/5.jpg', 'img/6.jpg']);

    assert.equal(out.summary.threshold, 0.98);
    assert.equal(out.summary.nearClusters, 3);
    assert.equal(out.summary.imagesInClusters, 7); // 0, 1, 2, 3, 4, 5, 6: img/5 counted once
    assert.equal(out.summary.exactGroups, 1);
    assert.equal(out.summary.flatImagesSkipped, 2);
    assert.equal(out.summary.missingSignatures, 1);
    assert.equal(out.scores?.r2, 1);
    assert.ok((out.scores?.r0 ?? 0) >= 0.98 && (out.scores?.r0 ?? 2) <= 1);
    assert.equal(out.scores?.r7, undefined);
  });

  it('follows the correlation threshold', async () => {
    const rows: Row[] = [{ facts: { thumbnail: thumbnail(c0) } }, { facts: { thumbnail: thumbnail(c1) } }, { facts: { thumbnail: thumbnail(c2) } }];
    const strict = await run(rows, config({ nearDuplicateCorrelation: 0.999 }));
    assert.equal(strict.summary.nearClusters, 0);
    // At a lenient level the ends verify too, and all three form one cluster whose weakest pair is the ends.
    const lenient = await run(rows, config({ nearDuplicateCorrelation: Math.floor(100 * correlation(c0, c2)) / 100 }));
    assert.equal(lenient.summary.nearClusters, 1);
    assert.deepEqual((lenient.findings[0].evidence.weakestPair as { paths: string[] }).paths, ['img/0.jpg', 'img/2.jpg']);
    assert.equal(lenient.findings[0].evidence.count, 3);
  });

  it('reports a verified copy under another label and split as all three rules, with the conflict an error', async () => {
    const out = await run([
      { label: 'benign', split: 'train', facts: { thumbnail: thumbnail(a) } },
      { label: 'malignant', split: 'test', facts: { thumbnail: thumbnail(shifted(a, -1, 0)) } },
      { label: 'benign', split: 'train', facts: { thumbnail: thumbnail(b) } },
    ]);
    assert.deepEqual(out.findings.map((f) => `${f.rule}:${f.severity}`), ['FF-D021:info', 'FF-D022:error', 'FF-D023:error']);
  });

  it('groups undecodable files with identical bytes and lists repeated rows', async () => {
    const broken: ScanOutcome = { ok: false, code: 'unsupported-format', message: 'no decoder', sha256: 'broken' };
    const out = await run([{ outcome: broken }, { outcome: broken }]);
    assert.deepEqual(out.findings.map((f) => f.rule), ['FF-D020']);
    assert.equal(out.findings[0].location.file, MANIFEST);
  });

  it('emits nothing for rules switched off', async () => {
    const off = config({}, { 'FF-D020': 'off', 'FF-D021': 'off', 'FF-D022': 'off', 'FF-D023': 'off' });
    const out = await run([{ facts: { thumbnail: thumbnail(a) } }, { facts: { thumbnail: thumbnail(a) } }], off);
    assert.deepEqual(out.findings, []);
    assert.equal(out.summary.clusters, 1);
  });

  it('handles a dataset without scans', async () => {
    const out = await duplicatesCheck.run(context(dataset([record(0, 'a'), record(1, 'a')])));
    assert.deepEqual(out.findings, []);
    assert.equal(out.summary.clusters, 0);
  });
});
