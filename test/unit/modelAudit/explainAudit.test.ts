// The pieces of the audit's saliency measures, by hand: mask share, per-group means with a gap interval, mask geometry.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import type { Heatmap } from '../../../src/engine/explain/explainTypes';
import { groupMeansWithGap, maskInModelFrame, maskShare } from '../../../src/engine/modelAudit/explainAudit';
import type { ModelSpec } from '../../../src/engine/model/modelTypes';

function heatmap(data: number[], width: number): Heatmap {
  return { method: 'gradcam', classIndex: 0, width, height: data.length / width, data: Float32Array.from(data), params: {}, modelCalls: 1 };
}

describe('audit saliency measures', () => {
  it('takes the share of positive saliency inside the mask, ignoring negative values', () => {
    // Positive mass 1 + 3 + 4 = 8, of which 1 + 3 = 4 inside.
    assert.equal(maskShare(heatmap([1, 3, -5, 4], 2), Uint8Array.of(1, 1, 1, 0)), 0.5);
    assert.ok(Number.isNaN(maskShare(heatmap([0, -1, 0, 0], 2), Uint8Array.of(1, 1, 1, 1))));
  });

  it('gives each group its mean with a bootstrap interval, and the gap between the highest and the lowest', () => {
    const values = new Map([['a', [0.8, 0.9, 0.85, 0.95, 0.9, 0.8]], ['b', [0.2, 0.3, 0.25, 0.2, 0.3, 0.35]], ['tiny', [0.5]]]);
    const { byGroup, gap } = groupMeansWithGap(values, { replicates: 500, level: 0.95, seed: 3, minImages: 5 });
    assert.deepEqual(byGroup.map((g) => [g.group, g.images]), [['a', 6], ['b', 6], ['tiny', 1]]);
    assert.ok(Math.abs((byGroup[0].estimate ?? 0) - 0.8666666666666667) < 1e-12);
    assert.equal(gap.higherGroup, 'a');
    assert.equal(gap.lowerGroup, 'b');
    assert.ok(Math.abs((gap.estimate ?? 0) - (0.8666666666666667 - 0.26666666666666666)) < 1e-12);
    assert.ok((gap.lower ?? 0) > 0.4 && (gap.upper ?? 1) < 0.8, JSON.stringify(gap));
  });

  it('puts the mask in the model frame with the image geometry (here a centre crop)', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-mask-'));
    try {
      // 8×4 mask, left half set; a centre crop to 4×4 keeps columns 2–5: the first two set.
      const raw = Buffer.alloc(32);
      for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) raw[y * 8 + x] = 255;
      const file = path.join(dir, 'mask.png');
      await sharp(raw, { raw: { width: 8, height: 4, channels: 1 } }).png().toFile(file);
      const spec = { preprocess: { width: 4, height: 4, resize: 'center-crop', resizeShorter: 4, layout: 'NCHW', channels: 3, channelOrder: 'RGB', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], inputType: 'float32' } } as unknown as ModelSpec;
      const mask = await maskInModelFrame(file, spec);
      assert.deepEqual([...mask], [1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
