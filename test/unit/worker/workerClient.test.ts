// The worker machinery: round trips, progress, cancellation, and recovery from each kind of crash.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ALL_CHECKS } from '../../../src/engine/checks';
import { FairframeError, type FairframeErrorCode } from '../../../src/engine/errors';
import type { Progress } from '../../../src/engine/types';
import { WorkerClient, type WorkerClientOptions } from '../../../src/worker/workerClient';
import { buildWorker } from './buildWorker';

// A manifest dataset of 9 images (cat 3, dog 5, bird 1; skin_tone light 7, dark 2) whose line 9 names a missing file and
// whose dog_05 is a copy of dog_01; its fairframe.json sets minClassCount 3, so 'bird' is the one class too small.
const FIXTURE = path.resolve(__dirname, '..', '..', 'vscode', 'workspace');

async function rejectsWith(promise: Promise<unknown>, code: FairframeErrorCode): Promise<FairframeError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(FairframeError.is(error), `expected a FairframeError, got ${String(error)}`);
    assert.equal(error.code, code, `expected code '${code}', got '${error.code}': ${error.message}`);
    return error;
  }
  assert.fail(`expected a rejection with code '${code}'`);
}

describe('WorkerClient', function () {
  this.timeout(60_000);
  let script: string;
  let cleanup: () => Promise<void>;
  const clients: WorkerClient[] = [];
  const logs: string[] = [];

  function client(options: WorkerClientOptions = {}): WorkerClient {
    const created = new WorkerClient(script, {
      env: { FAIRFRAME_TEST_HOOKS: '1' },
      log: (level, message) => logs.push(`${level}: ${message}`),
      ...options,
    });
    clients.push(created);
    return created;
  }

  before(async () => {
    ({ script, cleanup } = await buildWorker());
  });
  afterEach(() => {
    for (const created of clients.splice(0)) created.dispose();
  });
  after(async () => {
    await cleanup?.();
  });

  it('starts lazily and answers a request', async () => {
    const worker = client();
    assert.equal(worker.pid, undefined);
    assert.deepEqual(await worker.debugWork(3, 1), { steps: 3 });
    assert.equal(typeof worker.pid, 'number');
  });

  it('answers several concurrent requests, each with its own reply', async () => {
    const worker = client();
    const replies = await Promise.all([worker.debugWork(4, 5), worker.debugWork(1, 1), worker.debugWork(2, 3)]);
    assert.deepEqual(replies, [{ steps: 4 }, { steps: 1 }, { steps: 2 }]);
  });

  it('forwards progress: the first and last steps always, in order', async () => {
    const worker = client();
    const events: Progress[] = [];
    await worker.debugWork(6, 10, { onProgress: (progress) => events.push(progress) });
    assert.ok(events.length >= 2);
    assert.deepEqual(events[0], { stage: 'scan', done: 1, total: 6, message: 'step 1' });
    assert.deepEqual(events[events.length - 1], { stage: 'scan', done: 6, total: 6, message: 'step 6' });
    for (let i = 1; i < events.length; i++) assert.ok(events[i].done > events[i - 1].done);
  });

  it('cancels through an AbortSignal; the same worker then runs the next request', async () => {
    const worker = client({ cancelGraceMs: 120_000 });
    const controller = new AbortController();
    const running = worker.debugWork(10_000, 20, { signal: controller.signal, onProgress: () => controller.abort() });
    await rejectsWith(running, 'cancelled');
    const pid = worker.pid;
    assert.equal(typeof pid, 'number', 'the worker stopped the job itself and is still running');
    assert.deepEqual(await worker.debugWork(1, 1), { steps: 1 });
    assert.equal(worker.pid, pid);
  });

  it('a cancelled job that does not stop within the grace period is answered and its worker replaced', async () => {
    const worker = client({ cancelGraceMs: 50 });
    const controller = new AbortController();
    const stubborn = worker.debugWork(10_000, 20, { signal: controller.signal, onProgress: () => controller.abort() }, true);
    const pid = worker.pid;
    await rejectsWith(stubborn, 'cancelled');
    assert.deepEqual(await worker.debugWork(1, 1), { steps: 1 });
    assert.notEqual(worker.pid, pid);
  });

  it('rejects at once when the signal has already fired', async () => {
    const worker = client();
    await rejectsWith(worker.debugWork(1, 1, { signal: AbortSignal.abort() }), 'cancelled');
    assert.equal(worker.pid, undefined, 'no worker was started for it');
  });

  it('refuses the test hooks unless the worker runs with FAIRFRAME_TEST_HOOKS=1', async () => {
    const worker = client({ env: { FAIRFRAME_TEST_HOOKS: undefined } });
    await rejectsWith(worker.debugCrash('segfault'), 'internal');
    await rejectsWith(worker.debugWork(1, 1), 'internal');
  });

  it('an exception inside a job becomes an error reply and the worker keeps running', async () => {
    const worker = client();
    await worker.debugWork(1, 1);
    const pid = worker.pid;
    const error = await rejectsWith(worker.debugCrash('throw'), 'internal');
    assert.ok(typeof error.details?.workerStack === 'string');
    assert.deepEqual(await worker.debugWork(2, 1), { steps: 2 });
    assert.equal(worker.pid, pid);
  });

  it('out of memory: the request rejects with worker-crashed and the next request gets a fresh worker', async () => {
    const worker = client({ execArgv: ['--max-old-space-size=64'] });
    await worker.debugWork(1, 1);
    const pid = worker.pid;
    const error = await rejectsWith(worker.debugCrash('oom'), 'worker-crashed');
    assert.equal(error.details?.outOfMemory, true);
    assert.deepEqual(await worker.debugWork(1, 1), { steps: 1 });
    assert.notEqual(worker.pid, pid);
  });

  for (const [kind, signal] of [['abort', 'SIGABRT'], ['segfault', 'SIGSEGV']] as const) {
    it(`${kind}: every pending request rejects with worker-crashed and the next request gets a fresh worker`, async () => {
      const worker = client();
      await worker.debugWork(1, 1);
      const pid = worker.pid;
      const longJob = worker.debugWork(10_000, 20);
      const crash = await rejectsWith(worker.debugCrash(kind), 'worker-crashed');
      assert.equal(crash.details?.signal, signal);
      assert.equal(crash.details?.outOfMemory, false);
      await rejectsWith(longJob, 'worker-crashed');
      assert.deepEqual(await worker.debugWork(1, 1), { steps: 1 });
      assert.notEqual(worker.pid, pid);
    });
  }

  it('dispose() answers pending requests with cancelled and refuses new ones', async () => {
    const worker = client();
    const longJob = worker.debugWork(10_000, 20);
    await worker.debugWork(1, 1);
    worker.dispose();
    await rejectsWith(longJob, 'cancelled');
    await rejectsWith(worker.debugWork(1, 1), 'internal');
  });

  describe('audit', () => {
    let cacheDir: string;
    before(async () => {
      cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-worker-cache-'));
    });
    after(async () => {
      await fs.rm(cacheDir, { recursive: true, force: true });
    });

    it('runs the audit in the worker and returns the AuditResult, with progress per stage', async () => {
      const worker = client();
      const stages = new Set<string>();
      const result = await worker.audit(FIXTURE, { cacheDir }, { onProgress: (progress) => stages.add(progress.stage) });
      assert.equal(result.target, FIXTURE);
      assert.equal(result.datasets.length, 1);
      assert.equal(result.datasets[0].images, 9);
      assert.deepEqual(result.datasets[0].classes, { cat: 3, dog: 5, bird: 1 });
      assert.deepEqual(result.datasets[0].scan, { scanned: 9, failed: 0, cacheHits: 0, decoded: 9 });
      assert.deepEqual(result.findings.map((finding) => [finding.rule, finding.location.file, finding.location.line]).sort(), [
        ['FF-D002', path.join(FIXTURE, 'metadata.csv'), undefined],
        ['FF-D003', path.join(FIXTURE, 'metadata.csv'), undefined],
        ['FF-D005', path.join(FIXTURE, 'metadata.csv'), undefined],
        ['FF-D013', path.join(FIXTURE, 'metadata.csv'), 9],
        ['FF-D020', path.join(FIXTURE, 'metadata.csv'), 5],
      ]);
      assert.deepEqual(result.counts, { error: 1, warning: 4, info: 0 });
      for (const stage of ['discover', 'load', 'scan', 'checks']) assert.ok(stages.has(stage), `progress for '${stage}'`);
    });

    it('passes the options across: the cache is reused, and noDecode decodes nothing', async () => {
      const worker = client();
      const cached = await worker.audit(FIXTURE, { cacheDir });
      assert.deepEqual(cached.datasets[0].scan, { scanned: 9, failed: 0, cacheHits: 9, decoded: 0 });
      const restricted = await worker.audit(FIXTURE, { noDecode: true });
      assert.deepEqual(restricted.datasets[0].scan, { scanned: 0, failed: 0, cacheHits: 0, decoded: 0 });
      const needScans = ALL_CHECKS.filter((check) => check.needsScan).map((check) => check.name);
      assert.ok(needScans.length > 0);
      assert.deepEqual(restricted.datasets[0].checks.filter((run) => run.status === 'skipped').map((run) => run.check), needScans);
    });

    it('runs the model audit in the worker: a model that cannot be used becomes a finding, and the worker lives on', async () => {
      const worker = client();
      const model = path.resolve(__dirname, '..', '..', 'fixtures', 'inference', 'mean_logits.onnx');
      const result = await worker.audit(FIXTURE, { models: [model] });
      assert.equal(result.models.length, 1);
      assert.equal(result.models[0].status, 'failed');
      const unusable = result.findings.filter((finding) => finding.rule === 'FF-M001');
      assert.equal(unusable.length, 1);
      assert.match(unusable[0].message, /declares no class labels/);
      assert.equal((await worker.audit(FIXTURE, { noDecode: true })).datasets[0].images, 9);
      await rejectsWith(worker.audit(FIXTURE, { noDecode: true, models: [model] }), 'bad-config');
    });

    it('explains an image in the worker and returns the overlay PNG; a second request reuses the loaded model', async () => {
      const worker = client();
      const model = path.resolve(__dirname, '..', '..', '..', 'models', 'demo', 'lesion-cnn.onnx');
      const image = path.join(FIXTURE, 'images', 'cat_01.png');
      const first = await worker.explain({ model, image, size: 128 });
      assert.equal(first.method, 'gradcam');
      const png = Buffer.from(first.pngBase64, 'base64');
      assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
      assert.ok(first.probability > 0 && first.probability <= 1);
      const second = await worker.explain({ model, image, size: 128 });
      assert.equal(second.pngBase64, first.pngBase64);
      await rejectsWith(worker.explain({ model, image: path.join(FIXTURE, 'images', 'missing.png') }), 'bad-image');
    });

    it('an engine error crosses the boundary with its code', async () => {
      const worker = client();
      await rejectsWith(worker.audit(path.join(FIXTURE, 'no-such-folder'), {}), 'path-not-found');
      assert.equal((await worker.audit(FIXTURE, { noDecode: true })).datasets[0].images, 9);
    });
  });

  it('a worker script that cannot start rejects with worker-crashed', async () => {
    const worker = new WorkerClient(`${script}.missing`, { log: () => undefined });
    clients.push(worker);
    await rejectsWith(worker.debugWork(1, 1), 'worker-crashed');
  });
});
