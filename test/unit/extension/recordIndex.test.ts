// The hover's record index says why a dataset is missing instead of "not part of a dataset", and logs the error.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { RecordIndex, type RecordSource } from '../../../src/extension/recordIndex';
import type { DatasetEntry } from '../../../src/extension/auditStore';
import { tempDir, writeImages, writeText } from '../dataset/datasetFixtures';

function source(datasets: DatasetEntry[]): RecordSource {
  return { datasets: () => datasets, onDidChange: () => ({ dispose: () => undefined }) } as unknown as RecordSource;
}

describe('record index errors', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('ff-record-index-');
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('logs a dataset that cannot be read and names it for its images', async () => {
    await writeImages(dir, ['good/cat/1.png', 'good/dog/1.png', 'bad/1.png']);
    const datasets: DatasetEntry[] = [
      { name: 'good', root: path.join(dir, 'good'), format: 'imagefolder', folder: dir },
      { name: 'bad', root: path.join(dir, 'bad'), format: 'manifest', manifest: path.join(dir, 'bad', 'gone.csv'), folder: dir },
    ];
    const logged: string[] = [];
    const index = new RecordIndex(source(datasets), (context) => logged.push(context));
    await index.ensure();
    assert.equal(index.lookup(path.join(dir, 'good/cat/1.png'))?.record.label, 'cat');
    assert.equal(index.lookup(path.join(dir, 'bad/1.png')), undefined);
    assert.match(index.problemFor(path.join(dir, 'bad/1.png')) ?? '', /^Dataset 'bad' could not be read: /);
    assert.equal(index.problemFor(path.join(dir, 'good/cat/1.png')), undefined);
    assert.deepEqual(logged, ["Reading dataset 'bad' for hovers"]);
  });

  it('logs a fairframe.json that cannot be read, and says defaults are used', async () => {
    await writeImages(dir, ['data/cat/1.png', 'data/dog/1.png']);
    await writeText(dir, 'fairframe.json', '{ "datasets": [ broken');
    const logged: string[] = [];
    const index = new RecordIndex(source([{ name: 'data', root: path.join(dir, 'data'), format: 'imagefolder', folder: dir }]), (context) => logged.push(context));
    await index.ensure();
    assert.equal(index.lookup(path.join(dir, 'data/dog/1.png'))?.record.label, 'dog');
    assert.match(index.problemFor(path.join(dir, 'data/dog/1.png')) ?? '', /^Dataset 'data': fairframe\.json could not be read \(.+\); defaults are used$/);
    assert.deepEqual(logged, [`Reading fairframe.json in ${dir} for hovers`]);
  });
});
