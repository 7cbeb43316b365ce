// The one store of audit results: a partial re-audit replaces only what it recomputed, a model audit made on another
// configuration or dataset content is kept and marked stale, every figure is counted from the same findings, and the
// store survives being saved and read back (and drops what is not a valid snapshot). Real engine audits of the
// dashboard's fixture (80 images, a model whose every answer is known) feed it.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { auditPath } from '../../../src/engine/audit';
import type { AuditResult } from '../../../src/engine/auditResult';
import { AuditStore, countBySeverity, datasetKey, modelResultKey } from '../../../src/extension/auditStore';
import { FolderResultsCopies, STORE_FILE_NAME, StorePersistence } from '../../../src/extension/storePersistence';
import { STORE_SNAPSHOT_VERSION, readSnapshot, toSnapshot } from '../../../src/extension/storeSnapshot';
import { auditFixture, type FixtureAudit } from '../../webview/fixtureAudit';

const silentLog = { error: (): void => undefined, info: (): void => undefined };

describe('AuditStore', () => {
  let fixture: FixtureAudit;
  let modelFile: string;
  /** The dataset audited alone, with fairframe.json as the model audit saw it. */
  let datasetOnly: AuditResult;
  /** The dataset audited alone after fairframe.json changed (a threshold). */
  let afterConfigEdit: AuditResult;

  before(async function () {
    this.timeout(180_000);
    fixture = await auditFixture();
    modelFile = fixture.result.models[0].model.file;
    datasetOnly = await auditPath(fixture.data, {});
    const configFile = path.join(fixture.data, 'fairframe.json');
    const config = JSON.parse(await fs.readFile(configFile, 'utf8')) as { thresholds: Record<string, number> };
    config.thresholds.minClassCount = 50;
    await fs.writeFile(configFile, JSON.stringify(config));
    afterConfigEdit = await auditPath(fixture.data, {});
  });

  after(async () => {
    await fs.rm(fixture.dir, { recursive: true, force: true });
  });

  function modelFindingCount(result: AuditResult): number {
    return result.findings.filter((finding) => finding.rule.startsWith('FF-M')).length;
  }

  it('splits a model audit into the dataset audit and the model audit, and counts what the Problems panel lists', () => {
    const store = new AuditStore();
    store.publish(fixture.result, fixture.dir);
    assert.equal(store.datasetAudits().length, 1);
    assert.equal(store.modelAudits().length, 1);
    const [model] = store.modelAudits();
    assert.equal(model.key, modelResultKey(modelFile, datasetKey(fixture.result.datasets[0])));
    assert.equal(model.stale, undefined);
    assert.ok(modelFindingCount(fixture.result) > 0, 'the fixture has model findings');
    assert.equal(model.findings.length, modelFindingCount(fixture.result));
    assert.equal(store.findings().length, fixture.result.findings.length, 'every finding of the result is in the store once');
    assert.deepEqual(store.counts(), fixture.result.counts);
  });

  it('a dataset-only re-audit on the same content and configuration keeps the model audit fresh', () => {
    const store = new AuditStore();
    store.publish(fixture.result, fixture.dir);
    const model = store.modelAudits()[0];
    store.publish(datasetOnly, fixture.dir);
    assert.equal(store.modelAudits().length, 1);
    assert.equal(store.modelAudits()[0], model);
    assert.equal(model.stale, undefined);
    assert.equal(store.datasetAudits()[0].audit, datasetOnly.datasets[0], 'the dataset audit is the new one');
  });

  it('a dataset-only re-audit after fairframe.json changed keeps the model audit and its findings, marked stale', () => {
    const store = new AuditStore();
    store.publish(fixture.result, fixture.dir);
    store.publish(afterConfigEdit, fixture.dir);
    const [model] = store.modelAudits();
    assert.ok(model, 'the model audit is kept');
    assert.match(model.stale?.reason ?? '', /^fairframe\.json changed since this model audit/);
    assert.equal(model.stale?.since, afterConfigEdit.createdAt);
    const modelFindings = store.findings().filter((stored) => stored.finding.rule.startsWith('FF-M'));
    assert.equal(modelFindings.length, modelFindingCount(fixture.result), 'no model finding dropped');
    assert.ok(modelFindings.every((stored) => stored.stale === model.stale), 'each says it is stale');
    // The dataset's findings are the new audit's: the raised minClassCount gives a small-class finding.
    const datasetFindings = store.findings().filter((stored) => !stored.finding.rule.startsWith('FF-M'));
    assert.deepEqual(datasetFindings.map((stored) => stored.finding), afterConfigEdit.findings);
    assert.ok(afterConfigEdit.findings.some((finding) => finding.rule === 'FF-D002'));
    // One count: the status bar's figures are those of the findings listed.
    assert.deepEqual(store.counts(), countBySeverity(store.findings().map((stored) => stored.finding)));
    assert.equal(store.staleModels().length, 1);
    // The dashboard's and the report's result: the new dataset audit, the stale model audit, the same findings.
    const composed = store.compose({ datasetKey: model.datasetKey, modelKey: model.key });
    assert.ok(composed);
    assert.equal(composed.result.datasets[0], afterConfigEdit.datasets[0]);
    assert.deepEqual(composed.result.models, [model.audit]);
    assert.equal(composed.stale[0], model.stale);
    assert.equal(composed.result.findings.length, store.findings().length);
    assert.deepEqual(composed.result.counts, store.counts());
  });

  it('stays stale since the first differing audit, and is fresh again when the configuration is changed back', () => {
    const store = new AuditStore();
    store.publish(fixture.result, fixture.dir);
    store.publish(afterConfigEdit, fixture.dir);
    const since = store.modelAudits()[0].stale?.since;
    store.publish({ ...afterConfigEdit, createdAt: '2999-01-01T00:00:00.000Z' }, fixture.dir);
    assert.equal(store.modelAudits()[0].stale?.since, since);
    store.publish(datasetOnly, fixture.dir);
    assert.equal(store.modelAudits()[0].stale, undefined);
  });

  it('a new model audit replaces the stale one', () => {
    const store = new AuditStore();
    store.publish(fixture.result, fixture.dir);
    store.publish(afterConfigEdit, fixture.dir);
    store.publish(fixture.result, fixture.dir);
    assert.equal(store.modelAudits().length, 1);
    assert.equal(store.modelAudits()[0].stale, undefined);
  });

  it('a model file replaced since its audit marks the audit stale, and a later dataset audit keeps saying so', () => {
    const store = new AuditStore();
    store.publish(fixture.result, fixture.dir);
    const audited = fixture.result.datasets[0];
    const dataset = { name: audited.name, root: audited.root, manifest: audited.manifest, format: audited.format, folder: fixture.dir };
    const model = store.modelAudits()[0];
    const same = { file: modelFile, folder: fixture.dir, info: { ...model.audit.model } };
    store.setDiscovery(fixture.dir, [dataset], [same]);
    assert.equal(model.stale, undefined, 'the same file: still current');
    store.setDiscovery(fixture.dir, [dataset], [{ ...same, info: { ...model.audit.model, sha256: 'f'.repeat(64) } }]);
    assert.match(store.modelAudits()[0].stale?.reason ?? '', /^the model file changed since this model audit/);
    store.publish(datasetOnly, fixture.dir);
    assert.match(store.modelAudits()[0].stale?.reason ?? '', /^the model file changed since this model audit/);
    store.publish(fixture.result, fixture.dir);
    // A new model audit replaces the stale one and is current when published.
    assert.equal(store.modelAudits()[0].stale, undefined, 'a new model audit is current');
  });

  it("discovery in one folder never forgets another folder's results; a closed folder's results go", () => {
    const store = new AuditStore();
    store.publish(fixture.result, fixture.dir);
    store.setDiscovery('/elsewhere', [], []);
    assert.equal(store.datasetAudits().length, 1);
    assert.equal(store.modelAudits().length, 1);
    store.setDiscovery(fixture.dir, [], []);
    assert.equal(store.datasetAudits().length, 0, 'the dataset vanished from its folder');
    assert.equal(store.modelAudits().length, 0);
    store.publish(fixture.result, fixture.dir);
    store.dropFolders([fixture.dir]);
    assert.equal(store.findings().length, 0);
  });

  it('lists one selection per audited dataset and per model audit on it', () => {
    const store = new AuditStore();
    store.publish(fixture.result, fixture.dir);
    const selections = store.selections().map((entry) => [entry.datasetKey, entry.modelKey]);
    const key = datasetKey(fixture.result.datasets[0]);
    assert.deepEqual(selections, [[key, undefined], [key, modelResultKey(modelFile, key)]]);
    assert.equal(store.compose({ datasetKey: 'nowhere|' }), undefined);
  });

  describe('saved and read back', () => {
    let folder: string;
    beforeEach(async () => {
      folder = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-store-'));
    });
    afterEach(async () => {
      await fs.rm(folder, { recursive: true, force: true });
    });

    it('a saved store reads back into a new one with the same findings, stale marks and composed results', async () => {
      const store = new AuditStore();
      const persistence = new StorePersistence(store, folder, silentLog, 60_000);
      store.publish(fixture.result, fixture.dir);
      store.publish(afterConfigEdit, fixture.dir);
      await persistence.flush();
      persistence.dispose();
      const reloaded = new AuditStore();
      const outcome = await new StorePersistence(reloaded, folder, silentLog, 60_000).restore();
      assert.deepEqual(outcome, { kind: 'restored', datasets: 1, models: 1 });
      assert.deepEqual(reloaded.findings(), JSON.parse(JSON.stringify(store.findings())));
      assert.deepEqual(reloaded.counts(), store.counts());
      assert.equal(reloaded.staleModels().length, 1);
      const [model] = reloaded.modelAudits();
      assert.deepEqual(reloaded.compose({ datasetKey: model.datasetKey })?.result, JSON.parse(JSON.stringify(store.compose({ datasetKey: model.datasetKey })?.result)));
    });

    it('an audit made before the saved results were read back wins over them', async () => {
      const store = new AuditStore();
      const persistence = new StorePersistence(store, folder, silentLog, 60_000);
      store.publish(fixture.result, fixture.dir);
      await persistence.flush();
      const reloaded = new AuditStore();
      reloaded.publish(afterConfigEdit, fixture.dir);
      await new StorePersistence(reloaded, folder, silentLog, 60_000).restore();
      assert.equal(reloaded.datasetAudits()[0].audit, afterConfigEdit.datasets[0]);
      assert.equal(reloaded.modelAudits().length, 1, 'the saved model audit is added');
    });

    it('a file that is not a valid snapshot is dropped, deleted, and leaves the store empty', async () => {
      await fs.writeFile(path.join(folder, STORE_FILE_NAME), '{"snapshotVersion": 1, "datasets": [');
      const store = new AuditStore();
      const outcome = await new StorePersistence(store, folder, silentLog).restore();
      assert.equal(outcome.kind, 'dropped');
      assert.equal(store.findings().length, 0);
      await assert.rejects(fs.access(path.join(folder, STORE_FILE_NAME)));
      assert.deepEqual(await new StorePersistence(store, folder, silentLog).restore(), { kind: 'none' });
    });

    it("keeps a copy per workspace folder, read back for the folders open (a window whose identity changed)", async () => {
      const store = new AuditStore();
      store.publish(fixture.result, fixture.dir);
      const copies = new FolderResultsCopies(store, folder, silentLog);
      await copies.save([fixture.dir, '/empty/folder']);
      await assert.rejects(fs.access(copies.fileOf('/empty/folder')), 'a folder without results has no copy');
      assert.deepEqual(await new FolderResultsCopies(new AuditStore(), folder, silentLog).restore(['/empty/folder']), { datasets: 0, models: 0 });
      // The window now holds a second folder: the first one's results come back.
      const reloaded = new AuditStore();
      const restored = await new FolderResultsCopies(reloaded, folder, silentLog).restore([fixture.dir, '/empty/folder']);
      assert.deepEqual(restored, { datasets: 1, models: 1 });
      assert.deepEqual(reloaded.datasetAudits().map((entry) => entry.folder), [fixture.dir], "only the open folder's results");
      assert.deepEqual(reloaded.counts(), fixture.result.counts);
      // A copy that is not this folder's, or not valid, is dropped.
      await fs.copyFile(copies.fileOf(fixture.dir), copies.fileOf('/moved/folder'));
      assert.deepEqual(await new FolderResultsCopies(new AuditStore(), folder, silentLog).restore(['/moved/folder']), { datasets: 0, models: 0 });
      await assert.rejects(fs.access(copies.fileOf('/moved/folder')));
      await fs.writeFile(copies.fileOf(fixture.dir), '{"folder": 1}');
      assert.deepEqual(await new FolderResultsCopies(new AuditStore(), folder, silentLog).restore([fixture.dir]), { datasets: 0, models: 0 });
    });

    it('checks the version, the result schema and the shape of what is read', () => {
      const store = new AuditStore();
      store.publish(fixture.result, fixture.dir);
      const good = JSON.parse(JSON.stringify(toSnapshot(store.content()))) as Record<string, unknown>;
      assert.equal(readSnapshot(good).ok, true);
      assert.equal(readSnapshot(JSON.stringify(good)).ok, true);
      // A free-form copy of the JSON to damage in one place.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      type Loose = any;
      const variant = (change: (copy: Loose) => void): string => {
        const copy = JSON.parse(JSON.stringify(good)) as Loose;
        change(copy);
        const reading = readSnapshot(copy);
        assert.equal(reading.ok, false);
        return reading.ok ? '' : reading.reason;
      };
      assert.match(variant((copy) => (copy.snapshotVersion = STORE_SNAPSHOT_VERSION + 1)), /version/);
      assert.match(variant((copy) => (copy.schemaVersion = '0.9.0')), /schema/);
      assert.match(variant((copy) => (copy.datasets[0].findings[0].severity = 'fatal')), /^datasets\[0\]\.findings\[0\]\.severity/);
      assert.match(variant((copy) => delete copy.models[0].audit.overall), /overall/);
      assert.match(variant((copy) => (copy.models[0].audit.labelIssues.issues = {})), /issues is not an array/);
      assert.match(variant((copy) => (copy.datasets[0].audit.classes.bright = 'many')), /classes\.bright is not a number/);
      assert.match(variant((copy) => (copy.datasets[0].key = 'another|')), /does not match/);
      assert.match(variant((copy) => copy.datasets.push(copy.datasets[0])), /twice/);
      assert.match(variant((copy) => (copy.other = null)), /^other is not an array/);
      const notObject = readSnapshot('[1, 2]');
      assert.equal(notObject.ok, false);
    });
  });
});
