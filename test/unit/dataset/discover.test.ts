import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { discoverDatasets } from '../../../src/engine/dataset/discover';
import { FairframeError } from '../../../src/engine/errors';
import type { Progress } from '../../../src/engine/types';
import { configIn, tempDir, writeImages, writeText } from './datasetFixtures';

describe('dataset discovery', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('searches sub-folders, returns each dataset once, and does not search inside a dataset', async () => {
    await writeImages(dir, [
      'docs/logo.png', 'media/icon.png', // two image folders among other folders: not an ImageFolder
      'data/skin/train/mel/1.png', 'data/skin/train/nev/1.png', 'data/skin/test/mel/2.png',
      'data/faces/imgs/1.png',
      'data/old/train/a/1.png', 'data/old/train/b/1.png',
      'data/skin/extra/inner/x/1.png', 'data/skin/extra/inner/y/1.png', // inside a dataset: not searched
      'node_modules/pkg/a/1.png', 'node_modules/pkg/b/1.png',
      '.cache/a/1.png', '.cache/b/1.png',
      'a/b/c/d/deep/x/1.png', 'a/b/c/d/deep/y/1.png', // below the depth bound
      'a/b/c/shallow/x/1.png', 'a/b/c/shallow/y/1.png', // depth 4: found
    ]);
    await writeText(dir, 'src/index.ts', 'export {};');
    await writeText(dir, 'data/faces/labels.csv', 'image,target,race\nimgs/1.png,smile,x\n');
    await writeText(dir, 'data/faces/notes.csv', 'a,b\n1,2\n');
    const progress: Progress[] = [];
    const refs = await discoverDatasets(dir, configIn(dir), { onProgress: (p) => progress.push(p) });
    assert.deepEqual(refs.map((r) => [r.name, path.relative(dir, r.root), r.format, r.manifest && path.relative(dir, r.manifest)]), [
      ['shallow', 'a/b/c/shallow', 'imagefolder', undefined],
      ['faces', 'data/faces', 'manifest', 'data/faces/labels.csv'],
      ['old', 'data/old', 'imagefolder', undefined],
      ['skin', 'data/skin', 'imagefolder', undefined],
    ]);
    assert.ok(progress.length > 0 && progress.every((p) => p.stage === 'discover'));
    assert.equal(progress[progress.length - 1].done, 4);
  });

  it('returns the target itself when it is a dataset', async () => {
    await writeImages(dir, ['x/1.png', 'y/1.png', 'y/sub/train/a/1.png', 'y/sub/train/b/1.png']);
    const refs = await discoverDatasets(dir, configIn(dir));
    assert.deepEqual(refs.map((r) => [r.root, r.format]), [[dir, 'imagefolder']]);
  });

  it('makes names unique with the parent folder, then a number', async () => {
    await writeImages(dir, ['p/set/a/1.png', 'p/set/b/1.png', 'q/set/a/1.png', 'q/set/b/1.png', 'r/q/set/a/1.png', 'r/q/set/b/1.png']);
    const refs = await discoverDatasets(dir, configIn(dir));
    assert.deepEqual(refs.map((r) => [r.name, path.relative(dir, r.root)]), [['set', 'p/set'], ['q/set', 'q/set'], ['set-2', 'r/q/set']]);
  });

  it('lists declared datasets first with their names, and does not find them again', async () => {
    await writeImages(dir, ['data/a/1.png', 'data/b/1.png', 'more/a/1.png', 'more/b/1.png', 'elsewhere/a/1.png', 'elsewhere/b/1.png']);
    const config = configIn(path.join(dir, 'project'), { datasets: [{ name: 'Main', path: '../data' }, { path: '../elsewhere' }] });
    const refs = await discoverDatasets(path.join(dir, 'data'), config);
    assert.deepEqual(refs, [{ name: 'Main', root: path.join(dir, 'data'), format: 'imagefolder', manifest: undefined, declared: true }]);
    const all = await discoverDatasets(dir, config);
    assert.deepEqual(all.map((r) => [r.name, r.declared]), [['Main', true], ['elsewhere', true], ['more', undefined]]);
  });

  it('returns a declared dataset whose folder does not exist, so that loading can report it', async () => {
    const config = configIn(dir, { datasets: [{ name: 'gone', path: 'nowhere' }] });
    assert.deepEqual(await discoverDatasets(dir, config), [{ name: 'gone', root: path.join(dir, 'nowhere'), format: 'imagefolder', manifest: undefined, declared: true }]);
  });

  it('finds nothing in a folder without datasets, and nothing for a non-manifest file', async () => {
    await writeImages(dir, ['one/1.png', 'loose.png']);
    assert.deepEqual(await discoverDatasets(dir, configIn(dir)), []);
    assert.deepEqual(await discoverDatasets(path.join(dir, 'loose.png'), configIn(dir)), []);
  });

  it('finds two Hugging Face datasets side by side as two datasets, not one ImageFolder labelled by their names', async () => {
    await writeImages(dir, ['data/ds1/a.png', 'data/ds1/b.png', 'data/ds2/a.png', 'data/ds2/b.png']);
    await writeText(dir, 'data/ds1/metadata.csv', 'file_name,label\na.png,cat\nb.png,dog\n');
    await writeText(dir, 'data/ds2/metadata.csv', 'file_name,label\na.png,cat\nb.png,dog\n');
    const expected = [
      ['ds1', 'data/ds1', 'hf-imagefolder', 'data/ds1/metadata.csv'],
      ['ds2', 'data/ds2', 'hf-imagefolder', 'data/ds2/metadata.csv'],
    ];
    const view = (refs: Awaited<ReturnType<typeof discoverDatasets>>): unknown[] => refs.map((r) => [r.name, path.relative(dir, r.root), r.format, r.manifest && path.relative(dir, r.manifest)]);
    assert.deepEqual(view(await discoverDatasets(dir, configIn(dir))), expected);
    assert.deepEqual(view(await discoverDatasets(path.join(dir, 'data'), configIn(dir))), expected);
  });

  it('does not audit the parent of two declared datasets as a third one', async () => {
    await writeImages(dir, ['data/left/1.png', 'data/left/2.png', 'data/right/1.png', 'data/right/2.png']);
    const config = configIn(dir, { datasets: [{ path: 'data/left' }, { path: 'data/right' }] });
    const refs = await discoverDatasets(dir, config);
    assert.deepEqual(refs.map((r) => [r.name, path.relative(dir, r.root), r.declared]), [['left', 'data/left', true], ['right', 'data/right', true]]);
  });

  it('keeps one dataset with split folders holding metadata, and an ImageFolder with one stray manifest', async () => {
    await writeImages(dir, ['splits/train/a.png', 'splits/test/b.png', 'plain/cat/1.png', 'plain/dog/1.png', 'plain/fox/1.png']);
    await writeText(dir, 'splits/train/metadata.csv', 'file_name,label\na.png,cat\n');
    await writeText(dir, 'splits/test/metadata.csv', 'file_name,label\nb.png,dog\n');
    await writeText(dir, 'plain/dog/notes.csv', 'path,label\n1.png,dog\n');
    const refs = await discoverDatasets(dir, configIn(dir));
    assert.deepEqual(refs.map((r) => [r.name, r.format, r.manifest]), [['plain', 'imagefolder', undefined], ['splits', 'hf-imagefolder', undefined]]);
  });

  it('stops with a cancelled error when the signal has fired', async () => {
    await writeImages(dir, ['x/a/1.png', 'x/b/1.png']);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(discoverDatasets(dir, configIn(dir), { signal: controller.signal }), (e: unknown) => FairframeError.is(e, 'cancelled'));
  });
});
