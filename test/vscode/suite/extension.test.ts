// The extension in a real VS Code, on a copy of test/vscode/workspace: a manifest of 9 images with a row whose
// file is missing (line 9) and a class ('bird', 1 image) under fairframe.json's minClassCount of 3.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AuditResult } from '../../../src/engine/auditResult';
import { ALL_CHECKS } from '../../../src/engine/checks';

const EXTENSION_ID = 'fairframe.fairframe';

async function listFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name))).sort();
}

function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test workspace is open');
  return folder.uri;
}

function audit(target: vscode.Uri | string): Thenable<AuditResult | undefined> {
  return vscode.commands.executeCommand<AuditResult | undefined>('fairframe.auditDataset', target);
}

function checkPlantedFindings(result: AuditResult | undefined, root: vscode.Uri): void {
  assert.ok(result, 'the command returned the AuditResult');
  assert.equal(result.datasets.length, 1);
  const manifest = path.join(root.fsPath, 'metadata.csv');
  const missing = result.findings.filter((finding) => finding.rule === 'FF-D013');
  assert.equal(missing.length, 1, 'one manifest row names a missing file');
  assert.equal(missing[0].location.file, manifest);
  assert.equal(missing[0].location.line, 9);
  assert.equal(missing[0].severity, 'error');
  const small = result.findings.filter((finding) => finding.rule === 'FF-D002');
  assert.equal(small.length, 1, "only 'bird' is under minClassCount 3");
  assert.match(small[0].message, /bird/);
  assert.equal(result.datasets[0].classes.bird, 1);
  assert.equal(result.datasets[0].classes.cat, 3);
}

/** Declares the suite; called by run() once mocha's globals are installed. */
export function registerExtensionTests(): void {
  describe('Fairframe in VS Code', () => {
    let root: vscode.Uri;
    let filesBefore: string[];

    before(async () => {
      root = workspaceRoot();
      filesBefore = await listFiles(root.fsPath);
    });

    it('is installed and activates', async () => {
      const extension = vscode.extensions.getExtension(EXTENSION_ID);
      assert.ok(extension, `${EXTENSION_ID} is installed`);
      await extension.activate();
      assert.equal(extension.isActive, true);
      const commands = await vscode.commands.getCommands(true);
      for (const command of ['fairframe.auditDataset', 'fairframe.auditWorkspace', 'fairframe.clearCache']) {
        assert.ok(commands.includes(command), `${command} is registered`);
      }
    });

    it('audits the workspace dataset given as a URI and returns the AuditResult', async () => {
      checkPlantedFindings(await audit(root), root);
    });

    it('puts each finding in the Problems panel on its file and line, with the rule id as code', async () => {
      const result = await audit(root);
      assert.ok(result);
      const manifest = vscode.Uri.joinPath(root, 'metadata.csv');
      const diagnostics = vscode.languages.getDiagnostics(manifest);
      const onManifest = result.findings.filter((finding) => finding.location.file === manifest.fsPath);
      assert.equal(diagnostics.length, onManifest.length, 'one diagnostic per finding on the manifest');
      const missing = diagnostics.filter((diagnostic) => typeof diagnostic.code === 'object' && diagnostic.code.value === 'FF-D013');
      assert.equal(missing.length, 1);
      assert.equal(missing[0].range.start.line, 8, 'manifest line 9 is 0-based line 8');
      assert.equal(missing[0].severity, vscode.DiagnosticSeverity.Error);
      assert.equal(missing[0].source, 'Fairframe');
      const small = diagnostics.find((diagnostic) => typeof diagnostic.code === 'object' && diagnostic.code.value === 'FF-D002');
      assert.ok(small, 'the small-class finding is on the manifest');
      assert.equal(small.range.start.line, 0, 'a finding without a line sits on line 0');
      assert.equal(small.severity, vscode.DiagnosticSeverity.Warning);
      for (const diagnostic of diagnostics) {
        assert.ok(typeof diagnostic.code === 'object' && /^FF-[A-Z]\d{3}$/.test(String(diagnostic.code.value)));
        assert.ok(typeof diagnostic.code === 'object' && diagnostic.code.target.fragment === String(diagnostic.code.value).toLowerCase());
      }
    });

    it('takes a path string as well as a URI', async () => {
      checkPlantedFindings(await audit(root.fsPath), root);
    });

    it('audits every workspace folder with fairframe.auditWorkspace', async () => {
      const results = await vscode.commands.executeCommand<AuditResult[]>('fairframe.auditWorkspace');
      assert.equal(results.length, 1);
      checkPlantedFindings(results[0], root);
    });

    it('reuses the scan cache in the extension storage until fairframe.clearCache empties it', async () => {
      const warm = await audit(root);
      assert.deepEqual(warm?.datasets[0].scan, { scanned: 9, failed: 0, cacheHits: 9, decoded: 0 });
      await vscode.commands.executeCommand('fairframe.clearCache');
      const cold = await audit(root);
      assert.deepEqual(cold?.datasets[0].scan, { scanned: 9, failed: 0, cacheHits: 0, decoded: 9 });
    });

    it('a new audit of the same target supersedes the running one, which ends quietly', async () => {
      const first = audit(root);
      const second = audit(root);
      assert.equal(await first, undefined, 'the superseded run returns nothing');
      checkPlantedFindings(await second, root);
    });

    it('survives a crash of the worker process: the request fails cleanly and the next audit works', async () => {
      const code = await vscode.commands.executeCommand<string>('fairframe.debug.crashWorker', 'segfault');
      assert.equal(code, 'worker-crashed');
      checkPlantedFindings(await audit(root), root);
    });

    it('wrote nothing inside the dataset', async () => {
      assert.deepEqual(await listFiles(root.fsPath), filesBefore);
    });
  });
}

/** Declares the restricted-mode suite (the workspace is not trusted): images must not be decoded. */
export function registerRestrictedModeTests(): void {
  describe('Fairframe in a restricted (untrusted) workspace', () => {
    it('the workspace is untrusted and the extension still activates', async () => {
      assert.equal(vscode.workspace.isTrusted, false);
      const extension = vscode.extensions.getExtension(EXTENSION_ID);
      assert.ok(extension);
      await extension.activate();
      assert.equal(extension.isActive, true);
    });

    it('audits without decoding any image: the image checks are skipped, the manifest checks still run', async () => {
      const root = workspaceRoot();
      const result = await audit(root);
      checkPlantedFindings(result, root);
      assert.ok(result);
      assert.deepEqual(result.datasets[0].scan, { scanned: 0, failed: 0, cacheHits: 0, decoded: 0 });
      const skipped = result.datasets[0].checks.filter((run) => run.status === 'skipped').map((run) => run.check);
      const needScans = ALL_CHECKS.filter((check) => check.needsScan).map((check) => check.name);
      assert.ok(needScans.length > 0);
      assert.deepEqual(skipped, needScans);
    });
  });
}
