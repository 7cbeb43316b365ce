import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { discoverDatasets } from '../../../src/engine/dataset/discover';
import { loadDataset } from '../../../src/engine/dataset/loadDataset';
import { UNKNOWN } from '../../../src/engine/types';
import { configIn, tempDir, writeImages, writeText } from './datasetFixtures';

describe('Hugging Face imagefolder datasets', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reads metadata.csv with file_name, guessing attributes and taking the split from the top folder', async () => {
    const root = path.join(dir, 'skin');
    await writeImages(root, ['train/a.png', 'train/b.png', 'test/c.png', 'd.png', 'stray.png']);
    const manifest = await writeText(root, 'metadata.csv', 'file_name,label,Sex,age_group,notes\ntrain/a.png,melanoma,F,30-39,x\ntrain/b.png,nevus,,40-49,y\ntest/c.png,nevus,M,,z\nd.png,melanoma,NaN,30-39,w\n');
    const config = configIn(dir);
    const refs = await discoverDatasets(dir, config);
    assert.deepEqual(refs, [{ name: 'skin', root, format: 'hf-imagefolder', manifest }]);
    const dataset = await loadDataset(refs[0], config);
    assert.deepEqual(dataset.columns, ['file_name', 'label', 'Sex', 'age_group', 'notes']);
    assert.deepEqual(dataset.attributes, [{ name: 'Sex', origin: 'guessed' }, { name: 'age_group', origin: 'guessed' }]);
    assert.deepEqual(
      dataset.records.map((r) => [r.id, r.label, r.split, r.attributes.Sex, r.attributes.age_group, r.source.line]),
      [
        ['train/a.png', 'melanoma', 'train', 'F', '30-39', 2],
        ['train/b.png', 'nevus', 'train', UNKNOWN, '40-49', 3],
        ['test/c.png', 'nevus', 'test', 'M', UNKNOWN, 4],
        ['d.png', 'melanoma', undefined, UNKNOWN, '30-39', 5],
      ],
    );
    assert.deepEqual(dataset.records[0].source, { file: manifest, line: 2 });
    assert.deepEqual(dataset.loadIssues.map((i) => [i.kind, i.path]), [['unlisted-file', 'stray.png']]);
  });

  it('reads metadata.jsonl and takes labels from class folders when there is no label column', async () => {
    await writeImages(dir, ['cat/1.png', 'dog/2.png', 'loose.png']);
    const manifest = await writeText(dir, 'metadata.jsonl', [
      '{"file_name": "cat/1.png", "gender": "female", "caption": "a cat"}',
      '',
      '{"file_name": "dog/2.png", "gender": null}',
      '{"file_name": "loose.png", "gender": "male"}',
    ].join('\n'));
    const config = configIn(dir);
    const [ref] = await discoverDatasets(dir, config);
    assert.deepEqual(ref, { name: path.basename(dir), root: dir, format: 'hf-imagefolder', manifest });
    const dataset = await loadDataset(ref, config);
    assert.deepEqual(dataset.records.map((r) => [r.id, r.label, r.attributes.gender, r.source.line]), [
      ['cat/1.png', 'cat', 'female', 1],
      ['dog/2.png', 'dog', UNKNOWN, 3],
    ]);
    assert.deepEqual(dataset.loadIssues.map((i) => [i.kind, i.location.line]), [['bad-row', 4]]);
  });

  it('merges metadata files kept in split folders into one dataset, with the split from the folder', async () => {
    const root = path.join(dir, 'faces');
    await writeImages(root, ['train/x.png', 'train/y.png', 'validation/z.png']);
    const train = await writeText(root, 'train/metadata.csv', 'file_name,label,race\nx.png,happy,Asian\ny.png,sad,Black\n');
    const validation = await writeText(root, 'validation/metadata.jsonl', '{"file_name":"z.png","label":"happy","race":"White","split":"holdout"}\n{"file_name":"x.png","label":"sad"}\n');
    const config = configIn(dir);
    const refs = await discoverDatasets(dir, config);
    assert.deepEqual(refs, [{ name: 'faces', root, format: 'hf-imagefolder', manifest: undefined }]);
    const dataset = await loadDataset(refs[0], config);
    assert.deepEqual(dataset.columns, ['file_name', 'label', 'race', 'split']);
    assert.deepEqual(dataset.attributes, [{ name: 'race', origin: 'guessed' }]);
    assert.deepEqual(dataset.records.map((r) => [r.id, r.relPath, r.label, r.split, r.attributes.race, r.source.file]), [
      ['train/x.png', 'train/x.png', 'happy', 'train', 'Asian', train],
      ['train/y.png', 'train/y.png', 'sad', 'train', 'Black', train],
      ['validation/z.png', 'validation/z.png', 'happy', 'holdout', 'White', validation],
    ]);
    // 'x.png' in validation/metadata.jsonl means validation/x.png, which does not exist.
    assert.deepEqual(dataset.loadIssues.map((i) => [i.kind, i.location.line]), [['missing-file', 2]]);
  });
});
