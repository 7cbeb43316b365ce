// With several datasets, a model whose labels fit one of them is audited there and quiet elsewhere; a model whose
// labels fit none of them is reported on each.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { auditPath } from '../../../src/engine/audit';

const MODEL = path.resolve(__dirname, '../../fixtures/inference/mean_logits.onnx');

describe('a model audited on several datasets', function () {
  this.timeout(120_000);
  let dir: string;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-model-fit-'));
    for (const [name, labels] of [['light', ['bright', 'dark']], ['pets', ['cat', 'dog']]] as const) {
      const folder = path.join(dir, name);
      await fs.mkdir(folder, { recursive: true });
      const rows = ['file_name,label'];
      for (let i = 0; i < 4; i++) {
        const level = i % 2 === 0 ? 230 : 20;
        await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: level, g: level, b: level } } }).png().toFile(path.join(folder, `img${i}.png`));
        rows.push(`img${i}.png,${labels[i % 2]}`);
      }
      await fs.writeFile(path.join(folder, 'metadata.csv'), `${rows.join('\n')}\n`);
    }
  });
  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  async function audit(labels: string[]): Promise<Awaited<ReturnType<typeof auditPath>>> {
    const configFile = path.join(dir, `fairframe-${labels.join('-')}.json`);
    await fs.writeFile(configFile, JSON.stringify({ models: [{ path: MODEL, labels }] }));
    return auditPath(dir, { configFile, thresholds: { bootstrapReplicates: 0 } });
  }

  it('reports nothing about the dataset it does not fit when it fits another', async () => {
    const result = await audit(['bright', 'dark']);
    assert.deepEqual(result.datasets.map((d) => d.name), ['light', 'pets']);
    assert.deepEqual(result.models.map((m) => [m.dataset, m.status]), [['light', 'ok'], ['pets', 'failed']]);
    assert.equal(result.findings.filter((f) => f.rule === 'FF-M001').length, 0);
  });

  it('reports an error on every dataset when it fits none of them', async () => {
    const result = await audit(['sun', 'moon']);
    assert.deepEqual(result.models.map((m) => [m.dataset, m.status]), [['light', 'failed'], ['pets', 'failed']]);
    const unusable = result.findings.filter((f) => f.rule === 'FF-M001');
    assert.deepEqual(unusable.map((f) => [f.severity, f.dataset]), [['error', 'light'], ['error', 'pets']]);
    for (const finding of unusable) assert.match(finding.message, /Model 'mean_logits\.onnx' cannot be audited on dataset '(light|pets)': .*'sun', 'moon'/);
    assert.ok(result.counts.error >= 2);
  });
});
