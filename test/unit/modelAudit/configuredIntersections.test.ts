// An intersection in fairframe.json naming an attribute the dataset lacks is reported (FF-M008), not dropped.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { auditPath } from '../../../src/engine/audit';

const MODEL = path.resolve(__dirname, '../../fixtures/inference/mean_logits.onnx');

describe('configured intersections', function () {
  this.timeout(120_000);
  let dir: string;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-intersections-'));
    const rows = ['file_name,label,tone,sex'];
    for (let i = 0; i < 8; i++) {
      const level = i % 2 === 0 ? 230 : 20;
      await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: level, g: level, b: level } } }).png().toFile(path.join(dir, `img${i}.png`));
      rows.push(`img${i}.png,${i % 2 === 0 ? 'bright' : 'dark'},${i < 4 ? 'x' : 'y'},${i % 4 < 2 ? 'f' : 'm'}`);
    }
    await fs.writeFile(path.join(dir, 'metadata.csv'), `${rows.join('\n')}\n`);
    await fs.writeFile(path.join(dir, 'fairframe.json'), JSON.stringify({
      attributes: ['tone', 'sex'],
      intersections: [['tone', 'sex'], ['tone', 'age']],
      models: [{ path: MODEL, labels: ['bright', 'dark'] }],
      thresholds: { bootstrapReplicates: 0 },
    }));
  });
  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('audits the known intersection and reports the one naming an unknown attribute', async () => {
    const result = await auditPath(dir, {});
    const model = result.models[0];
    assert.equal(model.status, 'ok', model.reason);
    assert.deepEqual(model.groups?.map((group) => group.attributes.join(' × ')), ['tone', 'sex', 'tone × sex']);
    const unknown = result.findings.filter((f) => f.rule === 'FF-M008');
    assert.equal(unknown.length, 1);
    assert.equal(unknown[0].severity, 'warning');
    assert.equal(unknown[0].message, "The intersection 'tone' × 'age' in fairframe.json names 'age', which dataset '" + path.basename(dir) + "' does not have as a sensitive attribute (it has 'tone', 'sex'); Model 'mean_logits.onnx' is not audited on that intersection.");
    assert.deepEqual(unknown[0].evidence.missing, ['age']);
  });
});
