// The 'shift' request: the comparison the editor's "Compare Data Distributions" runs, answered by the worker process.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { FairframeError } from '../../../src/engine/errors';
import { WorkerClient } from '../../../src/worker/workerClient';
import { buildWorker } from './buildWorker';

/** 40 flat grey 8×8 PNGs at levels start … start+39 with a manifest (label by parity). */
async function greyFolder(folder: string, start: number): Promise<void> {
  await fs.mkdir(folder, { recursive: true });
  const rows = ['file_name,label'];
  for (let i = 0; i < 40; i++) {
    const level = start + i;
    await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: level, g: level, b: level } } }).png().toFile(path.join(folder, `g${i}.png`));
    rows.push(`g${i}.png,${i % 2 ? 'odd' : 'even'}`);
  }
  await fs.writeFile(path.join(folder, 'metadata.csv'), `${rows.join('\n')}\n`);
}

describe('worker: shift request', function () {
  this.timeout(60_000);
  let script: string;
  let cleanup: () => Promise<void>;
  let dir: string;
  let client: WorkerClient;

  before(async () => {
    ({ script, cleanup } = await buildWorker());
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-shift-worker-'));
    await greyFolder(path.join(dir, 'a'), 60);
    await greyFolder(path.join(dir, 'b'), 80);
    client = new WorkerClient(script);
  });
  after(async () => {
    client?.dispose();
    await cleanup?.();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('answers with the comparison, with progress on the way', async () => {
    const stages = new Set<string>();
    const result = await client.shift(path.join(dir, 'a'), path.join(dir, 'b'), {}, { onProgress: (progress) => stages.add(progress.stage) });
    const brightness = result.properties.find((p) => p.property === 'brightness' && p.group === null);
    assert.ok(brightness);
    // Levels 60…99 against 80…119: 20 of 40 overlap, so D = 20/40 = 0.5 (at level 79.x the reference ECDF is 0.5, the target's 0).
    assert.equal(brightness.ksStatistic, 0.5);
    assert.ok(Math.abs(brightness.meanDifference.estimate as number - 20) < 1e-9);
    assert.ok(stages.has('scan'));
  });

  it('answers a bad request with a FairframeError, not a hang', async () => {
    await assert.rejects(client.shift(path.join(dir, 'a'), path.join(dir, 'missing'), {}), (error: unknown) => FairframeError.is(error, 'path-not-found'));
  });
});
