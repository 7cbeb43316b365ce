import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { discoverDatasets } from '../../../src/engine/dataset/discover';
import { loadDataset } from '../../../src/engine/dataset/loadDataset';
import { UNKNOWN } from '../../../src/engine/types';
import { configIn, tempDir, writeImages, writeText } from './datasetFixtures';

describe('manifest datasets', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('loads a CSV manifest with path, label, split and attribute columns', async () => {
    const root = path.join(dir, 'derm');
    await writeImages(root, ['img/1.png', 'img/2.png', 'img/3.png', 'img/unlisted.png']);
    const manifest = await writeText(root, 'labels.csv', 'image_path,Class,split,Skin Tone,patient_age,site\nimg/1.png,benign,train,V,41,arm\nimg/2.png, Benign ,test,,n/a,leg\n./img/3.png,malignant,,II,63,back\n');
    const config = configIn(dir);
    const refs = await discoverDatasets(dir, config);
    assert.deepEqual(refs, [{ name: 'derm', root, format: 'manifest', manifest }]);
    const dataset = await loadDataset(refs[0], config);
    assert.deepEqual(dataset.attributes, [{ name: 'Skin Tone', origin: 'guessed' }, { name: 'patient_age', origin: 'guessed' }]);
    assert.deepEqual(dataset.records.map((r) => [r.id, r.label, r.split, r.attributes, r.source.line]), [
      ['img/1.png', 'benign', 'train', { 'Skin Tone': 'V', patient_age: '41' }, 2],
      ['img/2.png', ' Benign ', 'test', { 'Skin Tone': UNKNOWN, patient_age: UNKNOWN }, 3],
      ['img/3.png', 'malignant', undefined, { 'Skin Tone': 'II', patient_age: '63' }, 4],
    ]);
    assert.deepEqual(dataset.loadIssues.map((i) => [i.kind, i.path]), [['unlisted-file', 'img/unlisted.png']]);
  });

  it('loads a TSV manifest and a JSONL manifest, one dataset each, without reporting each other\'s images', async () => {
    await writeImages(dir, ['a.png', 'b.png', 'c.png', 'd.png']);
    const tsv = await writeText(dir, 'train.tsv', 'filename\tlabel\tgender\na.png\tx, y\tF\nb.png\tz\tM\n');
    const jsonl = await writeText(dir, 'test.jsonl', '{"file": "c.png", "category": 3, "gender": "F"}\nnot json\n{"file": "d.png", "category": 4}\n[1, 2]\n');
    const config = configIn(dir);
    const refs = await discoverDatasets(dir, config);
    const base = path.basename(dir);
    assert.deepEqual(refs, [
      { name: `${base}/test`, root: dir, format: 'manifest', manifest: jsonl },
      { name: `${base}/train`, root: dir, format: 'manifest', manifest: tsv },
    ]);
    const test = await loadDataset(refs[0], config);
    assert.deepEqual(test.records.map((r) => [r.id, r.label, r.attributes.gender, r.source.line]), [['c.png', '3', 'F', 1], ['d.png', '4', UNKNOWN, 3]]);
    assert.deepEqual(test.loadIssues.map((i) => [i.kind, i.location.line]), [['bad-row', 2], ['bad-row', 4]]);
    const train = await loadDataset(refs[1], config);
    assert.deepEqual(train.records.map((r) => [r.id, r.label, r.attributes.gender, r.source.line]), [['a.png', 'x, y', 'F', 2], ['b.png', 'z', 'M', 3]]);
    assert.deepEqual(train.loadIssues, []);
  });

  it('takes a manifest file as the target', async () => {
    await writeImages(dir, ['p/1.png']);
    const manifest = await writeText(dir, 'p/list.csv', 'path,label\n1.png,one\n');
    const config = configIn(dir);
    const refs = await discoverDatasets(manifest, config);
    assert.deepEqual(refs, [{ name: 'p', root: path.join(dir, 'p'), format: 'manifest', manifest }]);
    assert.deepEqual((await loadDataset(refs[0], config)).records.map((r) => r.path), [path.join(dir, 'p/1.png')]);
    const declaredFolder = configIn(dir, { datasets: [{ name: 'P', path: 'p' }] });
    assert.deepEqual(await discoverDatasets(manifest, declaredFolder), [{ name: 'P', root: path.join(dir, 'p'), format: 'manifest', manifest, declared: true }]);
  });

  it('applies declared column overrides and configured attributes, and names a configured attribute that is not a column', async () => {
    await writeImages(dir, ['data/imgs/1.png', 'data/imgs/2.png', 'other/a/1.png', 'other/b/1.png']);
    const manifest = await writeText(dir, 'data/meta/annotations.csv', 'img_ref,finding,fold,Sex,age\nimgs/1.png,cyst,A,F,30\nimgs/2.png,mole,B,,41\n');
    const config = configIn(dir, {
      datasets: [{ name: 'clinic', path: 'data', manifest: 'meta/annotations.csv', pathColumn: 'img_ref', labelColumn: 'finding', splitColumn: 'fold', attributes: ['sex', 'ethnicity'] }],
    });
    const refs = await discoverDatasets(dir, config);
    assert.deepEqual(refs, [
      { name: 'clinic', root: path.join(dir, 'data'), format: 'manifest', manifest, declared: true },
      { name: 'other', root: path.join(dir, 'other'), format: 'imagefolder', manifest: undefined },
    ]);
    const dataset = await loadDataset(refs[0], config);
    assert.deepEqual(dataset.attributes, [{ name: 'sex', origin: 'config' }]);
    assert.deepEqual(dataset.records.map((r) => [r.id, r.label, r.split, r.attributes]), [
      ['imgs/1.png', 'cyst', 'A', { sex: 'F' }],
      ['imgs/2.png', 'mole', 'B', { sex: UNKNOWN }],
    ]);
    assert.deepEqual(dataset.loadIssues.map((i) => i.kind), ['bad-manifest']);
    assert.equal(dataset.loadIssues[0].message, "The sensitive attribute 'ethnicity' named in fairframe.json is not a column of the dataset; the columns are: 'img_ref', 'finding', 'fold', 'Sex', 'age'.");
  });

  it('uses top-level configured attributes instead of guessing', async () => {
    await writeImages(dir, ['1.png']);
    await writeText(dir, 'm.csv', 'path,label,sex,region\n1.png,a,M,north\n');
    const config = configIn(dir, { attributes: ['region'] });
    const [ref] = await discoverDatasets(dir, config);
    const dataset = await loadDataset(ref, config);
    assert.deepEqual(dataset.attributes, [{ name: 'region', origin: 'config' }]);
    assert.deepEqual(dataset.records[0].attributes, { region: 'north' });
  });

  it('reports a missing path or label column, listing the columns', async () => {
    await writeImages(dir, ['1.png']);
    const manifest = await writeText(dir, 'm.csv', 'picture,label\n1.png,a\n');
    const config = configIn(dir);
    assert.deepEqual(await discoverDatasets(dir, config), []);
    const [ref] = await discoverDatasets(manifest, config);
    const dataset = await loadDataset(ref, config);
    assert.deepEqual(dataset.records, []);
    assert.deepEqual(dataset.loadIssues.map((i) => i.kind), ['bad-manifest']);
    assert.match(dataset.loadIssues[0].message, /no image path column .*the columns are: 'picture', 'label'/);
    const overridden = configIn(dir, { datasets: [{ path: 'm.csv', pathColumn: 'photo' }] });
    const [declared] = await discoverDatasets(manifest, overridden);
    assert.equal(declared.declared, true);
    const again = await loadDataset(declared, overridden);
    assert.deepEqual(again.loadIssues.map((i) => i.kind), ['bad-manifest']);
    assert.match(again.loadIssues[0].message, /pathColumn 'photo'/);
  });

  it('reports missing files, empty paths and labels, and keeps duplicate rows with distinct ids', async () => {
    await writeImages(dir, ['ok.png', 'dup.png']);
    await writeText(dir, 'm.csv', 'path,label\nok.png,a\ngone.png,a\n,b\ndup.png,\ndup.png,c\ndup.png,d\n');
    const config = configIn(dir);
    const [ref] = await discoverDatasets(dir, config);
    const dataset = await loadDataset(ref, config);
    assert.deepEqual(dataset.records.map((r) => [r.id, r.label, r.source.line]), [['ok.png', 'a', 2], ['dup.png', 'c', 6], ['dup.png#7', 'd', 7]]);
    assert.deepEqual(dataset.loadIssues.map((i) => [i.kind, i.location.line]), [['bad-row', 4], ['bad-row', 5], ['missing-file', 3]]);
  });

  it('finds images by bare name or by id without extension anywhere under the root', async () => {
    await writeImages(dir, ['part_1/ISIC_001.jpg', 'part_2/ISIC_002.jpg', 'part_2/twin.png', 'part_1/twin.png']);
    await writeText(dir, 'HAM_metadata.csv', 'lesion_id,image_id,dx,sex\nL1,ISIC_001,mel,male\nL2,ISIC_002.jpg,nv,female\nL3,twin,nv,male\n');
    const config = configIn(dir);
    const [ref] = await discoverDatasets(dir, config);
    const dataset = await loadDataset(ref, config);
    assert.deepEqual(dataset.records.map((r) => [r.relPath, r.label, r.attributes.sex]), [['part_1/ISIC_001.jpg', 'mel', 'male'], ['part_2/ISIC_002.jpg', 'nv', 'female']]);
    // 'twin' matches two files, so it is not guessed.
    assert.deepEqual(dataset.loadIssues.map((i) => [i.kind, i.path]), [['missing-file', 'twin'], ['unlisted-file', 'part_1/twin.png'], ['unlisted-file', 'part_2/twin.png']]);
  });
});
