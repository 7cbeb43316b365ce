import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { discoverDatasets } from '../../../src/engine/dataset/discover';
import { loadDataset } from '../../../src/engine/dataset/loadDataset';
import { FairframeError } from '../../../src/engine/errors';
import type { Progress } from '../../../src/engine/types';
import { configIn, tempDir, writeImages, writeText } from './datasetFixtures';

describe('ImageFolder datasets', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('loads root/<label>/* with labels from the folders and no split', async () => {
    const root = path.join(dir, 'pets');
    await writeImages(root, ['cat/1.png', 'cat/2.JPG', 'dog/1.jpeg', 'dog/deep/nested.webp', 'readme.png']);
    await writeText(root, 'cat/notes.txt', 'not an image');
    await writeText(root, 'dog/.hidden.png', 'hidden');
    const config = configIn(dir);
    const refs = await discoverDatasets(root, config);
    assert.deepEqual(refs, [{ name: 'pets', root, format: 'imagefolder', manifest: undefined }]);
    const dataset = await loadDataset(refs[0], config);
    assert.deepEqual(
      dataset.records.map((r) => [r.id, r.label, r.split]),
      [
        ['cat/1.png', 'cat', undefined],
        ['cat/2.JPG', 'cat', undefined],
        ['dog/1.jpeg', 'dog', undefined],
        ['dog/deep/nested.webp', 'dog', undefined],
      ],
    );
    assert.equal(dataset.records[0].path, path.join(root, 'cat/1.png'));
    assert.deepEqual(dataset.records[0].source, { file: path.join(root, 'cat/1.png') });
    assert.deepEqual(dataset.records[0].attributes, {});
    assert.deepEqual(dataset.columns, []);
    assert.deepEqual(dataset.loadIssues, []);
  });

  it('loads root/<split>/<label>/* with the split from the folder', async () => {
    await writeImages(dir, ['train/cat/a.png', 'train/dog/b.png', 'train/dog/c.png', 'Validation/cat/d.png', 'test/dog/e.png', 'extra/cat/f.png']);
    const config = configIn(dir);
    const refs = await discoverDatasets(dir, config);
    assert.equal(refs.length, 1);
    assert.equal(refs[0].format, 'imagefolder');
    const dataset = await loadDataset(refs[0], config);
    assert.deepEqual(
      dataset.records.map((r) => [r.relPath, r.label, r.split]),
      [
        ['Validation/cat/d.png', 'cat', 'Validation'],
        ['test/dog/e.png', 'dog', 'test'],
        ['train/cat/a.png', 'cat', 'train'],
        ['train/dog/b.png', 'dog', 'train'],
        ['train/dog/c.png', 'dog', 'train'],
      ],
    );
  });

  it('reports a dataset-level attribute on an ImageFolder as missing, but not a top-level one', async () => {
    await writeImages(dir, ['data/a/1.png', 'data/b/1.png']);
    const topLevel = configIn(dir, { attributes: ['sex'] });
    const [ref] = await discoverDatasets(path.join(dir, 'data'), topLevel);
    assert.deepEqual((await loadDataset(ref, topLevel)).loadIssues, []);
    const perDataset = configIn(dir, { datasets: [{ path: 'data', attributes: ['sex'] }] });
    const [declared] = await discoverDatasets(dir, perDataset);
    const dataset = await loadDataset(declared, perDataset);
    assert.deepEqual(dataset.loadIssues.map((i) => i.kind), ['bad-manifest']);
    assert.match(dataset.loadIssues[0].message, /'sex'/);
    assert.deepEqual(dataset.attributes, []);
  });

  it('loads a declared dataset whose folder is missing as empty, with an unreadable-dir issue', async () => {
    const config = configIn(dir, { datasets: [{ name: 'gone', path: 'nowhere' }] });
    const [ref] = await discoverDatasets(dir, config);
    const dataset = await loadDataset(ref, config);
    assert.deepEqual(dataset.records, []);
    assert.deepEqual(dataset.loadIssues.map((i) => [i.kind, i.location.file]), [['unreadable-dir', path.join(dir, 'nowhere')]]);
  });

  it('reports load progress and stops with a cancelled error when the signal has fired', async () => {
    await writeImages(dir, ['a/1.png', 'b/1.png', 'b/2.png']);
    const config = configIn(dir);
    const [ref] = await discoverDatasets(dir, config);
    const progress: Progress[] = [];
    await loadDataset(ref, config, { onProgress: (p) => progress.push(p) });
    assert.deepEqual(progress.map((p) => [p.stage, p.done]), [['load', 0], ['load', 3]]);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(loadDataset(ref, config, { signal: controller.signal }), (e: unknown) => FairframeError.is(e, 'cancelled'));
  });
});
