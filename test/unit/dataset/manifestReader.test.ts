import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { discoverDatasets } from '../../../src/engine/dataset/discover';
import { loadDataset } from '../../../src/engine/dataset/loadDataset';
import { detectDelimiter, readManifest, readManifestColumns } from '../../../src/engine/dataset/manifestReader';
import { UNKNOWN } from '../../../src/engine/types';
import { configIn, tempDir, writeImages, writeText } from './datasetFixtures';

describe('manifest reader', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('handles a BOM, CRLF, quoted commas, a multi-line quoted field and blank lines, with exact line numbers', async () => {
    const text = [
      '\uFEFFpath,label,note,sex', // 1
      'a.png,cat,"soft, grey",F', // 2
      '', // 3
      'b.png,dog,"first line', // 4
      'second line', // 5
      'third ""quoted"" line",M', // 6
      'c.png,"cat, wild",,', // 7
      'é.png,ünïcödé,x,F', // 8
    ].join('\r\n');
    const file = await writeText(dir, 'm.csv', text);
    const table = await readManifest(file);
    assert.deepEqual(table.columns, ['path', 'label', 'note', 'sex']);
    assert.deepEqual(table.rows.map((r) => r.line), [2, 4, 7, 8]);
    assert.equal(table.rows[1].values.note, 'first line\r\nsecond line\r\nthird "quoted" line');
    assert.equal(table.rows[2].values.label, 'cat, wild');
    assert.equal(table.rows[3].values.label, 'ünïcödé');
    assert.deepEqual(table.issues, []);
    assert.deepEqual(await readManifestColumns(file), ['path', 'label', 'note', 'sex']);

    await writeImages(dir, ['a.png', 'b.png', 'c.png', 'é.png']);
    const config = configIn(dir);
    const [ref] = await discoverDatasets(dir, config);
    const dataset = await loadDataset(ref, config);
    assert.deepEqual(dataset.records.map((r) => [r.id, r.label, r.attributes.sex, r.source.line]), [
      ['a.png', 'cat', 'F', 2],
      ['b.png', 'dog', 'M', 4],
      ['c.png', 'cat, wild', UNKNOWN, 7],
      ['é.png', 'ünïcödé', 'F', 8],
    ]);
  });

  it('counts lines with LF and lone CR endings too', async () => {
    const lf = await writeText(dir, 'lf.csv', 'path,label\n"x\ny.png",a\n\n\nz.png,b\n');
    assert.deepEqual((await readManifest(lf)).rows.map((r) => r.line), [2, 6]);
    const cr = await writeText(dir, 'cr.csv', 'path,label\ry.png,a\rz.png,b');
    assert.deepEqual((await readManifest(cr)).rows.map((r) => [r.line, r.values.path]), [[2, 'y.png'], [3, 'z.png']]);
  });

  it('loads ragged rows: short rows have missing values, rows with extra values are bad rows', async () => {
    await writeImages(dir, ['a.png', 'b.png', 'c.png', 'd.png']);
    await writeText(dir, 'm.csv', 'path,label,gender\na.png,x\nb.png,y,F,\nc.png,z,M,oops\nd.png\n,,,\n');
    const config = configIn(dir);
    const [ref] = await discoverDatasets(dir, config);
    const dataset = await loadDataset(ref, config);
    assert.deepEqual(dataset.records.map((r) => [r.id, r.label, r.attributes.gender, r.source.line]), [['a.png', 'x', UNKNOWN, 2], ['b.png', 'y', 'F', 3]]);
    // c.png's row was skipped, so c.png is also an image no row loads.
    assert.deepEqual(dataset.loadIssues.map((i) => [i.kind, i.location.line ?? i.path]), [['bad-row', 4], ['bad-row', 5], ['unlisted-file', 'c.png']]);
    assert.equal(dataset.loadIssues[0].message, "Line 4 has 4 fields but the header has 3; quote values that contain ','. The row is skipped.");
  });

  it('keeps the rows before an unclosed quote and reports where parsing stopped', async () => {
    const file = await writeText(dir, 'm.csv', 'path,label\r\na.png,x\r\nb.png,"never closed\r\nc.png,z\r\n');
    const table = await readManifest(file);
    assert.deepEqual(table.rows.map((r) => r.values.path), ['a.png']);
    assert.deepEqual(table.issues.map((i) => [i.kind, i.location.line]), [['bad-manifest', 3]]);
  });

  it('reports an unreadable manifest as bad-manifest', async () => {
    const table = await readManifest(path.join(dir, 'absent.csv'));
    assert.deepEqual(table.issues.map((i) => i.kind), ['bad-manifest']);
  });

  it('detects the delimiter from the header', () => {
    assert.equal(detectDelimiter('path;label;sex', 'csv'), ';');
    assert.equal(detectDelimiter('path,label', 'csv'), ',');
    assert.equal(detectDelimiter('"a;b",label', 'csv'), ',');
    assert.equal(detectDelimiter('path,label', 'tsv'), '\t');
    assert.equal(detectDelimiter('path', 'csv'), ',');
  });

  it('loads 100,000 rows with every file checked', async () => {
    const names = Array.from({ length: 1000 }, (_, i) => `img/${i}.png`);
    await writeImages(dir, names);
    const lines = ['path,label,sex'];
    for (let i = 0; i < 100_000; i++) lines.push(`img/${i % 1000}.png,c${i % 7},${i % 3 === 0 ? '' : 'F'}`);
    await writeText(dir, 'big.csv', lines.join('\n'));
    const config = configIn(dir);
    const [ref] = await discoverDatasets(dir, config);
    const dataset = await loadDataset(ref, config);
    assert.equal(dataset.records.length, 100_000);
    assert.equal(new Set(dataset.records.map((r) => r.id)).size, 100_000);
    assert.equal(dataset.records.filter((r) => r.attributes.sex === UNKNOWN).length, 33_334);
    assert.equal(dataset.records[99_999].source.line, 100_001);
    assert.deepEqual(dataset.loadIssues, []);
  });
});
