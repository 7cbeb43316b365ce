import * as assert from 'node:assert/strict';
import { duplicatesCheck } from '../../../src/engine/checks/duplicatesCheck';
import type { CheckOutput } from '../../../src/engine/checks/check';
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
  // Every image has its own bytes unless a row says otherwise.
  const outcomes = rows.map((row, i) => row.outcome ?? ok({ sha256: `sha-${i}`, ...row.facts }));
  return duplicatesCheck.run(context(dataset(recs), scansOf(outcomes), cfg));
}

const flat = { contrast: 0.4, dhash: '0000000000000000' };
const rows: Row[] = [
  // 0–2: a chain a–b (3 bits) and b–c (3 bits); a–c are 6 bits apart.
  { facts: { dhash: 'f0f0f0f0f0f0f0f0' } },
  { facts: { dhash: 'f0f0f0f0f0f0f0f7' } },
  { facts: { dhash: 'f0f0f0f0f0f0f7f7' } },
  // 3–4: identical bytes, different labels.
  { label: 'cat', facts: { sha256: 'same-bytes', dhash: '123456789abcdef0' } },
  { label: 'dog', facts: { sha256: 'same-bytes', dhash: '123456789abcdef0' } },
  // 5–6: one bit apart, in train and test.
  { split: 'train', facts: { dhash: '0f0f0f0f0f0f0f0f' } },
  { split: 'test', facts: { dhash: '0f0f0f0f0f0f0f0e' } },
  // 7–12: flat images whose hashes coincide but whose bytes differ: never near duplicates.
  { facts: flat },
  { facts: flat },
  { facts: { contrast: 30, dhash: '0000000000000000' } },
  { facts: { contrast: 30, dhash: 'FFFFFFFFFFFFFFFF' } },
  { facts: { contrast: 0.5, dhash: '3c3c3c3c3c3c3c3c' } },
  { facts: { contrast: 0.5, dhash: '3c3c3c3c3c3c3c3d' } },
  // 13: unrelated.
  { facts: { dhash: 'deadbeefcafebabe' } },
  // 14–15: flat but byte-identical: exact duplicates.
  { facts: { ...flat, sha256: 'black' } },
  { facts: { ...flat, sha256: 'black' } },
  // 16–17: undecodable files with identical bytes.
  { outcome: { ok: false, code: 'unsupported-format', message: 'no decoder', sha256: 'broken' } },
  { outcome: { ok: false, code: 'unsupported-format', message: 'no decoder', sha256: 'broken' } },
  // 18–20: two identical files and a third one bit away from them.
  { facts: { sha256: 'pair', dhash: 'aaaaaaaaaaaaaaaa' } },
  { facts: { sha256: 'pair', dhash: 'aaaaaaaaaaaaaaaa' } },
  { facts: { dhash: 'aaaaaaaaaaaaaaab' } },
];

describe('checks/duplicatesCheck', () => {
  it('clusters exact and near duplicates and reports one finding of each kind per cluster', async () => {
    const out = await run(rows, config({ nearDuplicateDistance: 4 }));
    assert.equal(duplicatesCheck.needsScan, true);
    assert.deepEqual(out.findings.map((f) => `${f.rule}@${f.location.line}`), [
      'FF-D021@2', // chain 0–2
      'FF-D020@5', 'FF-D022@5', // 3–4
      'FF-D021@7', 'FF-D023@7', // 5–6
      'FF-D020@16', // 14–15
      'FF-D020@18', // 16–17
      'FF-D020@20', 'FF-D021@20', // 18–20
    ]);
    const [chain, exact, conflict, near, leak, black] = out.findings;
    assert.equal(chain.severity, 'info');
    assert.equal(chain.message, "3 images are near duplicates (difference hashes at most 4 bits apart between linked images; the most different pair is 6 bits apart): 'img/0.jpg', 'img/1.jpg' and 'img/2.jpg'.");
    assert.equal(chain.evidence.maxDistance, 6);
    assert.equal(chain.evidence.maxLinkDistance, 3);
    assert.deepEqual(chain.related, [{ file: MANIFEST, line: 3 }, { file: MANIFEST, line: 4 }]);
    assert.equal(exact.severity, 'warning');
    assert.equal(exact.message, "2 images have identical bytes: 'img/3.jpg' and 'img/4.jpg'.");
    assert.equal(conflict.severity, 'error');
    assert.equal(conflict.message, "2 identical images carry 2 different labels: 'cat' for 'img/3.jpg'; 'dog' for 'img/4.jpg'.");
    assert.deepEqual(conflict.evidence.labels, { cat: ['img/3.jpg'], dog: ['img/4.jpg'] });
    assert.equal(near.evidence.maxDistance, 1);
    assert.equal(leak.severity, 'error');
    assert.match(leak.message, /^2 near-duplicate images are spread over the splits 'train', 'test': train: 'img\/5.jpg'; test: 'img\/6.jpg'\./);
    assert.deepEqual(black.evidence.paths, ['img/14.jpg', 'img/15.jpg']);
    assert.equal(out.findings[8].evidence.count, 3);
    assert.equal(out.findings[8].evidence.distinctContents, 2);

    assert.equal(out.summary.clusters, 6);
    assert.equal(out.summary.exactGroups, 4);
    assert.equal(out.summary.nearClusters, 3);
    assert.equal(out.summary.imagesInClusters, 14);
    assert.equal(out.summary.flatImagesSkipped, 8);
    // Near pairs among distinct hashes: 0–1, 1–2, 5–6, (18,19)–20.
    assert.equal(out.summary.nearPairs, 4);
    assert.deepEqual(out.scores, { r0: 3, r1: 3, r2: 3, r3: 0, r4: 0, r5: 1, r6: 1, r14: 0, r15: 0, r16: 0, r17: 0, r18: 0, r19: 0, r20: 1 });
  });

  it('follows the radius: at 2 the chain breaks, at 0 only identical hashes match', async () => {
    const at2 = await run(rows, config({ nearDuplicateDistance: 2 }));
    assert.equal(at2.summary.clusters, 5);
    assert.equal(at2.findings.filter((f) => f.rule === 'FF-D021').length, 2);
    const at0 = await run(rows, config({ nearDuplicateDistance: 0 }));
    assert.equal(at0.summary.clusters, 4);
    assert.deepEqual(at0.findings.map((f) => f.rule), ['FF-D020', 'FF-D022', 'FF-D020', 'FF-D020', 'FF-D020']);
  });

  it('reports a near-identical copy under another label and split as all three rules', async () => {
    const out = await run([
      { label: 'benign', split: 'train', facts: { dhash: '00ff00ff00ff00ff' } },
      { label: 'malignant', split: 'test', facts: { dhash: '00ff00ff00ff00fe' } },
      { label: 'benign', split: 'train', facts: { dhash: 'ff00ff00ff00ff00' } },
    ]);
    assert.deepEqual(out.findings.map((f) => f.rule), ['FF-D021', 'FF-D022', 'FF-D023']);
  });

  it('emits nothing for rules switched off', async () => {
    const off = config({}, { 'FF-D020': 'off', 'FF-D021': 'off', 'FF-D022': 'off', 'FF-D023': 'off' });
    const out = await run(rows, off);
    assert.deepEqual(out.findings, []);
    assert.equal(out.summary.clusters, 6);
  });

  it('handles a dataset without scans', async () => {
    const out = await duplicatesCheck.run(context(dataset([record(0, 'a'), record(1, 'a')])));
    assert.deepEqual(out.findings, []);
    assert.equal(out.summary.clusters, 0);
  });
});
