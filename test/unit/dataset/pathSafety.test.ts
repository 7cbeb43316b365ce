import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { discoverDatasets } from '../../../src/engine/dataset/discover';
import { loadDataset } from '../../../src/engine/dataset/loadDataset';
import { walkImages } from '../../../src/engine/dataset/walk';
import { configIn, tempDir, tinyPng, writeImages, writeText } from './datasetFixtures';

describe('dataset path safety', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('never loads paths outside the root: ../, absolute paths and escaping symlinks', async () => {
    const root = path.join(dir, 'ds');
    await writeImages(dir, ['secret.png', 'outside/x.png']);
    await writeImages(root, ['in.png', 'sub/in2.png']);
    await fs.symlink(path.join(dir, 'secret.png'), path.join(root, 'link.png'));
    await fs.symlink(path.join(dir, 'outside'), path.join(root, 'outdir'));
    await fs.symlink(path.join(root, 'sub'), path.join(root, 'alias'));
    const manifest = await writeText(root, 'm.csv', [
      'path,label',
      '../secret.png,a', // 2
      `${path.join(dir, 'secret.png')},a`, // 3
      'link.png,a', // 4
      'outdir/x.png,a', // 5
      'sub/../in.png,a', // 6
      `${path.join(root, 'sub/in2.png')},b`, // 7
      'alias/in2.png,c', // 8
    ].join('\n'));
    const config = configIn(dir);
    const [ref] = await discoverDatasets(root, config);
    assert.equal(ref.manifest, manifest);
    const dataset = await loadDataset(ref, config);
    assert.deepEqual(dataset.records.map((r) => [r.id, r.label, r.source.line]), [['in.png', 'a', 6], ['sub/in2.png', 'b', 7], ['alias/in2.png', 'c', 8]]);
    assert.deepEqual(
      dataset.loadIssues.map((i) => [i.kind, i.location.line ?? i.path]),
      [['escapes-root', 'outdir'], ['escapes-root', 2], ['escapes-root', 3], ['escapes-root', 4], ['escapes-root', 5]],
    );
  });

  it('lists a folder under its own name rather than through a symlink alias', async () => {
    const root = path.join(dir, 'ds');
    await writeImages(root, ['b/c/1.png', 'z/1.png']);
    await fs.mkdir(path.join(root, 'a'));
    await fs.symlink(path.join(root, 'b/c'), path.join(root, 'a/link'));
    await fs.symlink(path.join(root, 'b/c/1.png'), path.join(root, 'z/2.png'));
    const walk = await walkImages(root);
    assert.deepEqual(walk.files.map((f) => f.relPath), ['b/c/1.png', 'z/1.png', 'z/2.png']);
    assert.deepEqual(walk.issues, []);
  });

  it('reports an escaping symlink inside an ImageFolder instead of loading it', async () => {
    const root = path.join(dir, 'ds');
    await writeImages(dir, ['secret.png']);
    await writeImages(root, ['a/1.png', 'b/1.png']);
    await fs.symlink(path.join(dir, 'secret.png'), path.join(root, 'b/2.png'));
    const config = configIn(dir);
    const [ref] = await discoverDatasets(root, config);
    const dataset = await loadDataset(ref, config);
    assert.deepEqual(dataset.records.map((r) => r.id), ['a/1.png', 'b/1.png']);
    assert.deepEqual(dataset.loadIssues.map((i) => [i.kind, i.path]), [['escapes-root', 'b/2.png']]);
  });

  it('walks a symlink loop once and reports it', async () => {
    const root = path.join(dir, 'ds');
    await writeImages(root, ['a/1.png', 'b/1.png']);
    await fs.symlink(root, path.join(root, 'a/loop'));
    await fs.symlink(path.join(root, 'b/self'), path.join(root, 'b/self'));
    const walk = await walkImages(root);
    assert.deepEqual(walk.files.map((f) => f.relPath), ['a/1.png', 'b/1.png']);
    assert.deepEqual(walk.issues.map((i) => [i.kind, i.path]), [['symlink-loop', 'a/loop'], ['symlink-loop', 'b/self']]);
    const config = configIn(dir);
    const refs = await discoverDatasets(dir, config);
    assert.deepEqual(refs.map((r) => [r.name, r.format]), [['ds', 'imagefolder']]);
    const dataset = await loadDataset(refs[0], config);
    assert.equal(dataset.records.length, 2);
  });

  it('reports a file name that is not valid UTF-8 without throwing, and loads the rest', async () => {
    const root = path.join(dir, 'ds');
    await writeImages(root, ['a/1.png', 'b/1.png']);
    const bad = Buffer.concat([Buffer.from(path.join(root, 'a') + '/caf'), Buffer.from([0xe9]), Buffer.from('.png')]);
    await fs.writeFile(bad, await tinyPng());
    const config = configIn(dir);
    const [ref] = await discoverDatasets(root, config);
    const dataset = await loadDataset(ref, config);
    assert.deepEqual(dataset.records.map((r) => r.id), ['a/1.png', 'b/1.png']);
    assert.deepEqual(dataset.loadIssues.map((i) => [i.kind, i.path]), [['unreadable-dir', 'a/caf\\xe9.png']]);
  });

  it('loads hostile file names: quotes, markup, newlines, leading dashes and unicode', async () => {
    const names = ['-rf.png', "it's \"quoted\".png", '<script>alert(1)</script>.png', 'line\nbreak.png', 'ünï 😀.png', 'a,b.png'];
    const root = path.join(dir, 'ds');
    await writeImages(root, names.map((n) => `c1/${n}`));
    await writeImages(root, ['c2/plain.png']);
    const config = configIn(dir);
    const [ref] = await discoverDatasets(root, config);
    const folder = await loadDataset(ref, config);
    assert.equal(folder.records.length, 7);
    assert.deepEqual(folder.loadIssues, []);

    const lines = names.map((n) => JSON.stringify({ path: `c1/${n}`, label: n }));
    lines.push(JSON.stringify({ path: 'c1/nul\u0000byte.png', label: 'x' }), JSON.stringify({ path: `c1/${'n'.repeat(5000)}.png`, label: 'x' }));
    const jsonl = await writeText(root, 'list.jsonl', lines.join('\n'));
    const fromJson = await loadDataset({ name: 'j', root, format: 'manifest', manifest: jsonl }, config);
    assert.deepEqual(fromJson.records.map((r) => r.label), names);
    assert.deepEqual(fromJson.records.map((r) => r.relPath), names.map((n) => `c1/${n}`));
    assert.deepEqual(fromJson.loadIssues.map((i) => [i.kind, i.location.line ?? i.path]), [['missing-file', 7], ['missing-file', 8], ['unlisted-file', 'c2/plain.png']]);
  });
});
