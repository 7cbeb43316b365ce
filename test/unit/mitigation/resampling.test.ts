// The balanced resampling plan (Kamiran & Calders 2012 uniform and preferential sampling), with every cell and every
// image's copies counted by hand.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { planResampling, resamplingToCsv } from '../../../src/engine/mitigation/resampling';
import type { Dataset, DatasetRecord } from '../../../src/engine/types';
import { tempDir, writeImages, writeText } from '../dataset/datasetFixtures';

/** Records from [group, label, count]. */
function dataset(cells: Array<[string, string, number]>): Dataset {
  const records: DatasetRecord[] = [];
  for (const [group, label, count] of cells) {
    for (let i = 0; i < count; i++) {
      const relPath = `${label}/${group}-${i}.jpg`;
      records.push({ id: relPath, path: `/data/ds/${relPath}`, relPath, label, attributes: { g: group }, source: { file: '/data/ds/m.csv' } });
    }
  }
  return { name: 'ds', root: '/data/ds', format: 'manifest', manifest: '/data/ds/m.csv', records, attributes: [{ name: 'g', origin: 'config' }], columns: [], loadIssues: [] };
}

describe('mitigation/resampling', () => {
  // n = 10: (a, pos) 5, (a, neg) 1, (b, pos) 1, (b, neg) 3 → n_a = 6, n_b = 4, n_pos = 6, n_neg = 4.
  // E(a, pos) = 6·6/10 = 3.6 → 4 (drop 1); E(a, neg) = 6·4/10 = 2.4 → 2 (add 1); E(b, pos) = 4·6/10 = 2.4 → 2 (add 1);
  // E(b, neg) = 4·4/10 = 1.6 → 2 (drop 1).
  const small = dataset([['a', 'pos', 5], ['a', 'neg', 1], ['b', 'pos', 1], ['b', 'neg', 3]]);

  it('resizes each class × group cell to round(n_g · n_y / n), counted by hand', () => {
    const plan = planResampling(small, ['g'], 7);
    const byCell = Object.fromEntries(plan.cells.map((c) => [`${c.groupKey}/${c.label}`, [c.count, c.target, c.action, c.change]]));
    assert.deepEqual(byCell, {
      'a/neg': [1, 2, 'oversample', 1],
      'a/pos': [5, 4, 'undersample', -1],
      'b/neg': [3, 2, 'undersample', -1],
      'b/pos': [1, 2, 'oversample', 1],
    });
    assert.equal(plan.resampledSize, 10);
    // Per image: the lone (a, neg) and (b, pos) images twice; one (a, pos) and one (b, neg) image dropped.
    const copiesOf = (prefix: string): number[] => small.records.flatMap((r, i) => (r.relPath.startsWith(prefix) ? [plan.copies[i]] : [])).sort();
    assert.deepEqual(copiesOf('neg/a-'), [2]);
    assert.deepEqual(copiesOf('pos/b-'), [2]);
    assert.deepEqual(copiesOf('pos/a-'), [0, 1, 1, 1, 1]);
    assert.deepEqual(copiesOf('neg/b-'), [0, 1, 1]);
    // In the resampled data label and group are independent up to rounding: P(pos | a) = 4/6, P(pos | b) = 2/4.
    const csv = resamplingToCsv(plan, small);
    assert.match(csv, /^path,label,g,copies\n/);
    assert.match(csv, /\nneg\/a-0\.jpg,neg,a,2\n/);
  });

  it('oversamples a cell by whole copies: 2 images to 4 gives each 2', () => {
    // n = 12: (a, pos) 2, (a, neg) 4, (b, pos) 6, (b, neg) 0 → E(a, pos) = 6·8/12 = 4 → each of 2 images twice.
    const plan = planResampling(dataset([['a', 'pos', 2], ['a', 'neg', 4], ['b', 'pos', 6]]), ['g']);
    const cell = plan.cells.find((c) => c.groupKey === 'a' && c.label === 'pos');
    assert.deepEqual([cell?.count, cell?.target], [2, 4]);
    assert.deepEqual(plan.copies.slice(0, 2), [2, 2]);
  });

  // Preferential sampling, n = 12: (a, pos) 6, (a, neg) 2, (b, pos) 1, (b, neg) 3 → n_a = 8, n_b = 4, n_pos = 7, n_neg = 5.
  // E(a, pos) = 8·7/12 = 4.67 → 5 (drop 1); E(a, neg) = 8·5/12 = 3.33 → 3 (add 1); E(b, pos) = 4·7/12 = 2.33 → 2 (add 1);
  // E(b, neg) = 4·5/12 = 1.67 → 2 (drop 1). Own-label probabilities chosen by hand (undefined: not scored).
  const preferential = dataset([['a', 'pos', 6], ['a', 'neg', 2], ['b', 'pos', 1], ['b', 'neg', 3]]);
  const ownLabel: Record<string, number | undefined> = {
    'pos/a-0.jpg': 0.9, 'pos/a-1.jpg': 0.2, 'pos/a-2.jpg': 0.7, 'pos/a-3.jpg': 0.55, 'pos/a-4.jpg': undefined, 'pos/a-5.jpg': 0.6,
    'neg/a-0.jpg': 0.8, 'neg/a-1.jpg': 0.4,
    'pos/b-0.jpg': 0.5,
    'neg/b-0.jpg': 0.3, 'neg/b-1.jpg': 0.3, 'neg/b-2.jpg': 0.9,
  };

  it('preferential sampling drops and duplicates the images closest to the decision boundary first, counted by hand', () => {
    const plan = planResampling(preferential, ['g'], 7, preferential.records.map((record) => ownLabel[record.relPath]));
    assert.match(plan.method, /^preferential sampling/);
    assert.deepEqual(plan.cells.map((c) => [`${c.groupKey}/${c.label}`, c.count, c.target]), [['a/neg', 2, 3], ['a/pos', 6, 5], ['b/neg', 3, 2], ['b/pos', 1, 2]]);
    const copies = Object.fromEntries(preferential.records.map((record, i) => [record.relPath, plan.copies[i]]));
    assert.deepEqual(copies, {
      // (a, pos): the lowest P(own label), a-1 at 0.2, is dropped; the unscored a-4 ranks last and stays.
      'pos/a-0.jpg': 1, 'pos/a-1.jpg': 0, 'pos/a-2.jpg': 1, 'pos/a-3.jpg': 1, 'pos/a-4.jpg': 1, 'pos/a-5.jpg': 1,
      // (a, neg): a-1 (0.4) is the more borderline, so it is the one duplicated.
      'neg/a-0.jpg': 1, 'neg/a-1.jpg': 2,
      'pos/b-0.jpg': 2,
      // (b, neg): b-0 and b-1 tie at 0.3; the first in record order is dropped.
      'neg/b-0.jpg': 0, 'neg/b-1.jpg': 1, 'neg/b-2.jpg': 1,
    });
  });

  it('preferential sampling cycles through a cell that needs more than one extra copy of each image', () => {
    // n = 24: (a, pos) 2, (a, neg) 10, (b, pos) 12 → E(a, pos) = 12·14/24 = 7 = 2 · 3 + 1: each image 3 times, and the
    // more borderline one (0.3 against 0.8) a fourth time.
    const cells = dataset([['a', 'pos', 2], ['a', 'neg', 10], ['b', 'pos', 12]]);
    const plan = planResampling(cells, ['g'], 7, cells.records.map((record) => (record.relPath === 'pos/a-0.jpg' ? 0.8 : record.relPath === 'pos/a-1.jpg' ? 0.3 : 0.5)));
    assert.deepEqual(plan.copies.slice(0, 2), [3, 4]);
  });

  it('fairframe mitigate resample --method preferential ranks by a predictions file, as counted by hand above', async () => {
    const root = path.resolve(__dirname, '../../..');
    const cli = path.join(root, 'dist/cli.js');
    if (!existsSync(cli)) spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
    const dir = await tempDir('ff-preferential-');
    const data = path.join(dir, 'data');
    const files = preferential.records.map((record) => record.relPath.replace('.jpg', '.png'));
    await writeImages(data, files);
    await writeText(data, 'manifest.csv', ['path,label,sex', ...preferential.records.map((record, i) => `${files[i]},${record.label},${record.attributes.g}`)].join('\n') + '\n');
    // P(pos) per image: its own-label probability for 'pos' images, one minus it for 'neg' ones; a-4 has no row (not scored).
    const rows = preferential.records.flatMap((record, i) => {
      const own = ownLabel[record.relPath];
      if (own === undefined) return [];
      const pos = record.label === 'pos' ? own : 1 - own;
      return [`${files[i]},${1 - pos},${pos}`];
    });
    await writeText(dir, 'preds.csv', ['path,neg,pos', ...rows].join('\n') + '\n');
    const run = spawnSync(process.execPath, [cli, 'mitigate', 'resample', path.join(data, 'manifest.csv'), '--attribute', 'sex', '--method', 'preferential', '--predictions', path.join(dir, 'preds.csv'), '--no-cache', '-o', path.join(dir, 'out')], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const csv = (await fs.readFile(path.join(dir, 'out', 'data.resampling.csv'), 'utf8')).trim().split('\n').slice(1).map((line) => line.split(','));
    const copies = Object.fromEntries(csv.map(([file, , , count]) => [file, Number(count)]));
    assert.deepEqual(copies, {
      'pos/a-0.png': 1, 'pos/a-1.png': 0, 'pos/a-2.png': 1, 'pos/a-3.png': 1, 'pos/a-4.png': 1, 'pos/a-5.png': 1,
      'neg/a-0.png': 1, 'neg/a-1.png': 2, 'pos/b-0.png': 2, 'neg/b-0.png': 0, 'neg/b-1.png': 1, 'neg/b-2.png': 1,
    });
    const json = JSON.parse(await fs.readFile(path.join(dir, 'out', 'data.resampling.json'), 'utf8')) as { method: string };
    assert.match(json.method, /^preferential sampling/);
    // Without scores, preferential sampling is refused with the reason.
    const bare = spawnSync(process.execPath, [cli, 'mitigate', 'resample', path.join(data, 'manifest.csv'), '--attribute', 'sex', '--method', 'preferential', '-o', path.join(dir, 'out2')], { encoding: 'utf8' });
    assert.equal(bare.status, 2);
    assert.match(bare.stderr, /ranks the images by the model's scores/);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('fairframe mitigate resample writes the plan outside the dataset, and refuses inside it', async () => {
    const root = path.resolve(__dirname, '../../..');
    const cli = path.join(root, 'dist/cli.js');
    if (!existsSync(cli)) spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
    const dir = await tempDir('ff-resample-');
    const data = path.join(dir, 'data');
    await writeImages(data, ['a1.png', 'a2.png', 'b1.png', 'b2.png']);
    await writeText(data, 'manifest.csv', 'path,label,sex\na1.png,cat,f\na2.png,cat,f\nb1.png,dog,m\nb2.png,cat,m\n');
    const ok = spawnSync(process.execPath, [cli, 'mitigate', 'resample', path.join(data, 'manifest.csv'), '--attribute', 'sex', '-o', path.join(dir, 'out')], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    const json = JSON.parse(await fs.readFile(path.join(dir, 'out', 'data.resampling.json'), 'utf8')) as { cells: Array<{ groupKey: string; label: string; target: number }> };
    // n = 4, n_f = n_m = 2, n_cat = 3, n_dog = 1: E(f, cat) = 1.5 → 2, E(m, cat) = 1.5 → 2, E(m, dog) = 0.5 → 1.
    assert.deepEqual(json.cells.map((c) => [c.groupKey, c.label, c.target]), [['f', 'cat', 2], ['m', 'cat', 2], ['m', 'dog', 1]]);
    const refused = spawnSync(process.execPath, [cli, 'mitigate', 'resample', path.join(data, 'manifest.csv'), '--attribute', 'sex', '-o', path.join(data, 'plan')], { encoding: 'utf8' });
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /never writes inside a dataset/);
    assert.equal(existsSync(path.join(data, 'plan')), false);
    await fs.rm(dir, { recursive: true, force: true });
  });
});
