// Which models an audit runs: fairframe.json's, the listed ones only, none in restricted mode; and threshold overrides.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { auditPath } from '../../../src/engine/audit';
import { FairframeError } from '../../../src/engine/errors';

const MODEL = path.resolve(__dirname, '../../fixtures/inference/mean_logits.onnx');

describe('audit options for models', function () {
  this.timeout(120_000);
  let dir: string;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-audit-options-'));
    const rows = ['file_name,label'];
    for (let i = 0; i < 8; i++) {
      const level = i % 2 === 0 ? 230 : 20;
      await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: level, g: level, b: level } } }).png().toFile(path.join(dir, `img${i}.png`));
      rows.push(`img${i}.png,${i % 2 === 0 ? 'bright' : 'dark'}`);
    }
    await fs.writeFile(path.join(dir, 'metadata.csv'), `${rows.join('\n')}\n`);
    await fs.writeFile(path.join(dir, 'fairframe.json'), JSON.stringify({ models: [{ path: MODEL, labels: ['bright', 'dark'] }] }));
  });
  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('audits the models fairframe.json declares, with their settings', async () => {
    const result = await auditPath(dir, {});
    assert.equal(result.models.length, 1);
    assert.equal(result.models[0].status, 'ok', result.models[0].reason);
    assert.equal(result.models[0].usage?.sources.labels, 'config');
    assert.equal(result.models[0].overall?.accuracy.estimate, 1);
  });

  it('runs only the listed models with onlyListedModels, none when the list is empty', async () => {
    assert.equal((await auditPath(dir, { onlyListedModels: true })).models.length, 0);
    const listed = await auditPath(dir, { onlyListedModels: true, models: [MODEL] });
    assert.equal(listed.models.length, 1);
    assert.equal(listed.models[0].usage?.sources.labels, 'config', 'the fairframe.json entry still gives the labels');
  });

  it('runs no model in restricted mode: declared ones are skipped, asked-for ones are refused', async () => {
    const restricted = await auditPath(dir, { noDecode: true });
    assert.equal(restricted.models.length, 0);
    assert.equal(restricted.datasets[0].images, 8);
    await assert.rejects(auditPath(dir, { noDecode: true, models: [MODEL] }), (e: unknown) => FairframeError.is(e, 'bad-config'));
  });

  it('applies threshold overrides on top of fairframe.json', async () => {
    const result = await auditPath(dir, { thresholds: { bootstrapReplicates: 0 } });
    assert.equal(result.config.thresholds.bootstrapReplicates, 0);
    assert.equal(result.models[0].overall?.accuracy.lower, null, 'no replicates, no interval');
  });

  it("uses a dataset's own fairframe.json when the audited workspace folder has none", async () => {
    const workspace = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-nested-'));
    try {
      const data = path.join(workspace, 'data');
      await fs.mkdir(data);
      const rows = ['file_name,label,tone'];
      for (let i = 0; i < 4; i++) {
        await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 10 * i, g: 0, b: 0 } } }).png().toFile(path.join(data, `img${i}.png`));
        rows.push(`img${i}.png,${i % 2 ? 'a' : 'b'},${i < 2 ? 'x' : 'y'}`);
      }
      await fs.writeFile(path.join(data, 'metadata.csv'), `${rows.join('\n')}\n`);
      await fs.writeFile(path.join(data, 'fairframe.json'), JSON.stringify({ attributes: ['tone'] }));
      const result = await auditPath(workspace, {});
      assert.deepEqual(result.datasets[0].attributes.map((a) => [a.name, a.origin]), [['tone', 'config']]);
    } finally {
      await fs.rm(workspace, { recursive: true, force: true });
    }
  });
});
