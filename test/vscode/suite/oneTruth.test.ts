// One truth in the editor, in a real VS Code: after fairframe.json changes and only the dataset is audited again, the
// Models view, the Problems panel, the status bar, the dashboard and an exported report tell the same story (the model
// audit kept and marked stale); the dashboard opens on the dataset it is asked about and on the finding it was opened
// from; and the results come back after a reload. Each test sets up what it needs and leaves the workspace as it was.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AuditResult } from '../../../src/engine/auditResult';
import type { Severity } from '../../../src/engine/types';
import type { CompareCommandResult } from '../../../src/extension/compareCommand';
import type { FairframeApi } from '../../../src/extension/extension';
import type { DashboardPanel } from '../../../src/extension/dashboardPanel';
import type { FindingNode } from '../../../src/extension/findingsTreeProvider';
import { formatRate, type ModelNode } from '../../../src/extension/modelsTreeProvider';
import { findingKey } from '../../../webview/dashboardData';
import { fairframeApi } from './features.test';

function root(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder);
  return folder.uri;
}

const configUri = (): vscode.Uri => vscode.Uri.joinPath(root(), 'fairframe.json');
const modelUri = (): vscode.Uri => vscode.Uri.joinPath(root(), 'models', 'classifier.onnx');

/** Every Fairframe diagnostic in the workspace, counted by severity as the Problems panel shows them. */
function problems(): { counts: Record<Severity, number>; list: vscode.Diagnostic[] } {
  const list = vscode.languages.getDiagnostics().flatMap(([, diagnostics]) => diagnostics).filter((diagnostic) => diagnostic.source === 'Fairframe');
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const diagnostic of list) {
    counts[diagnostic.severity === vscode.DiagnosticSeverity.Error ? 'error' : diagnostic.severity === vscode.DiagnosticSeverity.Warning ? 'warning' : 'info']++;
  }
  return { counts, list };
}

function ruleOf(diagnostic: vscode.Diagnostic): string {
  return typeof diagnostic.code === 'object' ? String(diagnostic.code.value) : String(diagnostic.code ?? '');
}

function labelOf(item: vscode.TreeItem): string {
  return typeof item.label === 'string' ? item.label : item.label?.label ?? '';
}

async function children<T>(provider: vscode.TreeDataProvider<T>, parent?: T): Promise<Array<{ node: T; item: vscode.TreeItem }>> {
  const nodes = (await provider.getChildren(parent)) ?? [];
  return Promise.all(nodes.map(async (node) => ({ node, item: await provider.getTreeItem(node) })));
}

/** Replaces fairframe.json's text through an editor and saves it, as a person would. */
async function editConfig(text: string): Promise<void> {
  const document = await vscode.workspace.openTextDocument(configUri());
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, new vscode.Range(0, 0, document.lineCount, 0), text);
  assert.ok(await vscode.workspace.applyEdit(edit));
  assert.ok(await document.save());
}

/** Runs discovery and the automatic dataset audit (what a saved change triggers) and waits for them to end. */
async function rediscover(api: FairframeApi): Promise<void> {
  await vscode.commands.executeCommand('fairframe.refresh');
  await api.whenIdle();
}

async function openDashboard(api: FairframeApi, argument: unknown): Promise<DashboardPanel> {
  await vscode.commands.executeCommand('fairframe.openDashboard', argument);
  const panel = api.dashboard();
  assert.ok(panel, 'a dashboard panel is open');
  await panel.whenRendered();
  return panel;
}

/** The trusted workspace's one-truth tests. */
export function registerOneTruthTests(): void {
  describe('One truth: every view shows the same audit', () => {
    let api: FairframeApi;
    let originalConfig: string;
    let outside: string | undefined;

    before(async () => {
      api = await fairframeApi();
      originalConfig = await fs.readFile(configUri().fsPath, 'utf8');
    });

    after(async () => {
      api.dashboard()?.dispose();
      await editConfig(originalConfig);
      await rediscover(api);
      if (outside) await fs.rm(outside, { recursive: true, force: true });
    });

    it('after fairframe.json changes, the dataset re-audit keeps the model audit marked stale, and every view agrees', async () => {
      const audited = await vscode.commands.executeCommand<AuditResult | undefined>('fairframe.auditModel', modelUri(), 'workspace');
      assert.equal(audited?.models[0]?.status, 'ok');
      const accuracy = audited.models[0].overall?.accuracy.estimate;
      const modelRulesBefore = problems().list.filter((diagnostic) => ruleOf(diagnostic).startsWith('FF-M')).map(ruleOf).sort();
      assert.ok(modelRulesBefore.length > 0, 'the model audit put findings in the Problems panel');
      assert.doesNotMatch(api.statusBar.text ?? '', /stale/);

      // minClassCount 3 → 4: 'cat' (3 images) joins 'bird' under it. Only the dataset is audited again.
      const config = JSON.parse(originalConfig) as { thresholds: Record<string, number> };
      config.thresholds.minClassCount = 4;
      await editConfig(`${JSON.stringify(config, null, 2)}\n`);
      await rediscover(api);

      // The store: the model audit is kept, and says why it is stale.
      const [model] = api.store.modelAudits();
      assert.ok(model, 'the model audit is kept');
      assert.match(model.stale?.reason ?? '', /^fairframe\.json changed since this model audit/);
      assert.equal(model.audit.overall?.accuracy.estimate, accuracy);

      // Problems: the new dataset findings, and the same model findings, each saying it is stale.
      const { counts, list } = problems();
      assert.equal(list.filter((diagnostic) => ruleOf(diagnostic) === 'FF-D002').length, 2, "'bird' and now 'cat' are under minClassCount 4");
      const modelDiagnostics = list.filter((diagnostic) => ruleOf(diagnostic).startsWith('FF-M'));
      assert.deepEqual(modelDiagnostics.map(ruleOf).sort(), modelRulesBefore, 'no model finding dropped');
      for (const diagnostic of modelDiagnostics) assert.match(diagnostic.message, /\nStale: fairframe\.json changed since this model audit/);

      // The status bar counts what the Problems panel lists, and says one model audit is stale.
      assert.deepEqual(api.store.counts(), counts);
      assert.equal(api.statusBar.text, `$(shield) Fairframe: ${counts.error} $(error) ${counts.warning} $(warning) ${counts.info} $(info) $(history) 1 stale`);

      // The Models view: the same accuracy, marked stale, with the reason.
      const [modelNode] = await children(api.models);
      const auditNode = (await children<ModelNode>(api.models, modelNode.node)).find((entry) => labelOf(entry.item) === 'On workspace');
      assert.ok(auditNode);
      assert.equal(auditNode.item.description, `accuracy ${formatRate(model.audit.overall?.accuracy)} · stale`);
      const staleNode = (await children<ModelNode>(api.models, auditNode.node)).find((entry) => labelOf(entry.item) === 'Stale');
      assert.match(String(staleNode?.item.description), /^fairframe\.json changed/);

      // The dashboard, opened on the dataset: the model is still there, marked stale, with the same figures.
      const [datasetNode] = await children(api.datasets);
      const panel = await openDashboard(api, datasetNode.node);
      const data = panel.lastData;
      assert.ok(data);
      assert.equal(data.models.length, 1, 'the dashboard still shows the model audit');
      assert.match(data.models[0].stale ?? '', /^fairframe\.json changed/);
      assert.equal(data.models[0].accuracy?.estimate, accuracy);
      assert.deepEqual(data.counts, counts, 'the dashboard counts what the Problems panel lists');
      assert.ok(panel.lastRendered.includes('overview'));

      // The exported report: the same dataset audit, model audit and counts.
      const out = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-one-truth-'));
      const [json] = await vscode.commands.executeCommand<string[]>('fairframe.exportReport', out);
      const report = JSON.parse(await fs.readFile(json, 'utf8')) as AuditResult;
      assert.deepEqual(report.counts, counts);
      assert.equal(report.models[0].overall?.accuracy.estimate, accuracy);
      assert.equal(report.datasets[0].checks.length, api.store.datasetAudits()[0].audit.checks.length);
      await fs.rm(out, { recursive: true, force: true });

      // Auditing the model again makes it current everywhere.
      await vscode.commands.executeCommand('fairframe.auditModel', modelUri(), 'workspace');
      assert.equal(api.store.staleModels().length, 0);
      assert.doesNotMatch(api.statusBar.text ?? '', /stale/);
      assert.ok(problems().list.every((diagnostic) => !/\nStale:/.test(diagnostic.message)));
      await panel.whenRendered();
      assert.equal(panel.lastData?.models[0].stale, undefined);
    });

    it('opens the dashboard on the dataset it is asked about, not the last one audited, and on the finding it is opened from', async () => {
      // A second dataset without a manifest (class folders), outside the workspace.
      outside = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-classes-'));
      const second = path.join(outside, 'pets');
      for (const [label, files] of [['cat', ['cat_01.png', 'cat_02.png']], ['dog', ['dog_01.png', 'dog_02.png', 'dog_03.png']]] as const) {
        await fs.mkdir(path.join(second, label), { recursive: true });
        for (const file of files) await fs.copyFile(path.join(root().fsPath, 'images', file), path.join(second, label, file));
      }
      const secondResult = await vscode.commands.executeCommand<AuditResult | undefined>('fairframe.auditDataset', vscode.Uri.file(second));
      assert.equal(secondResult?.datasets[0].name, 'pets');
      // The workspace dataset is audited last.
      await vscode.commands.executeCommand('fairframe.auditDataset', root());

      const onSecond = await openDashboard(api, vscode.Uri.file(second));
      assert.equal(onSecond.lastData?.datasets[0].name, 'pets', 'the dataset asked about, not the last audited');
      assert.deepEqual(onSecond.lastData?.models, [], 'no model was audited on it');

      // From a finding of the workspace dataset (the Findings view's context menu): that dataset, that finding.
      const severities = await children<FindingNode>(api.findings);
      const errors = severities.find((entry) => labelOf(entry.item) === 'Errors');
      assert.ok(errors);
      const missingRule = (await children<FindingNode>(api.findings, errors.node)).find((entry) => labelOf(entry.item) === 'FF-D013');
      assert.ok(missingRule);
      const [missing] = await children<FindingNode>(api.findings, missingRule.node);
      assert.equal(missing.node.kind, 'finding');
      const finding = missing.node.kind === 'finding' ? missing.node.stored.finding : undefined;
      assert.equal(finding?.rule, 'FF-D013');
      const onFinding = await openDashboard(api, missing.node);
      assert.equal(onFinding, onSecond, 'the one panel switches');
      assert.equal(onFinding.lastData?.datasets[0].name, 'workspace');
      assert.ok(onFinding.lastData?.findings.some((entry) => entry.key === findingKey(finding)));
      assert.deepEqual(onFinding.lastFocused, { kind: 'finding', id: findingKey(finding), highlighted: true }, 'the webview scrolled to the finding and highlighted it');

      // A finding of the class-folder dataset sits on its folder: revealing it opens the dashboard on it, not the folder as a file.
      const onFolder = api.store.findings().find((stored) => stored.finding.dataset === 'pets' && path.resolve(stored.root, stored.finding.location.file) === second);
      assert.ok(onFolder, `a finding of 'pets' is located on its folder (got ${api.store.findings().filter((stored) => stored.finding.dataset === 'pets').map((stored) => stored.finding.location.file).join(', ')})`);
      const outcome = await vscode.commands.executeCommand<string>('fairframe.revealFinding', { uri: vscode.Uri.file(second), finding: onFolder.finding });
      assert.equal(outcome, 'dashboard');
      const panel = api.dashboard();
      assert.ok(panel);
      await panel.whenRendered();
      assert.equal(panel.lastData?.datasets[0].name, 'pets');
      assert.equal(panel.lastFocused?.id, findingKey(onFolder.finding));

      // In the Problems panel it sits on the folder's page of findings (a document that opens), not on the folder.
      await api.diagnosticsSettled();
      const onFolderUri = vscode.languages.getDiagnostics().filter(([uri]) => uri.scheme === 'file' && uri.fsPath === second);
      assert.deepEqual(onFolderUri.flatMap(([, list]) => list), [], 'no problem is set on the folder itself');
      const pages = vscode.languages.getDiagnostics().filter(([uri]) => uri.scheme === 'fairframe-findings' && uri.path.startsWith(`${vscode.Uri.file(second).path}/`));
      assert.equal(pages.length, 1, 'one page for the folder');
      const [pageUri, pageDiagnostics] = pages[0];
      const onPage = pageDiagnostics.find((diagnostic) => ruleOf(diagnostic) === onFolder.finding.rule && diagnostic.message.startsWith(onFolder.finding.message));
      assert.ok(onPage, `the finding is on the page (page has ${pageDiagnostics.map(ruleOf).join(', ')})`);
      const page = await vscode.workspace.openTextDocument(pageUri);
      const line = page.lineAt(onPage.range.start.line).text;
      assert.ok(line.includes(onFolder.finding.rule), `the problem's line names its rule: '${line}'`);
      assert.ok(line.includes(onFolder.finding.message.replace(/\s*[\r\n]+\s*/g, ' ').slice(0, 60)), `the problem's line holds its message: '${line}'`);
      await vscode.window.showTextDocument(page);
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', pageUri, onPage.range);
      const show = actions.find((action) => action.title === 'Show this finding in the dashboard');
      assert.ok(show?.command, `the page offers the dashboard (offers: ${actions.map((action) => action.title).join('; ')})`);
      await vscode.commands.executeCommand('fairframe.openDashboard', api.store.findings().find((stored) => stored.finding.dataset === 'workspace')?.finding);
      await vscode.commands.executeCommand(show.command.command, ...(show.command.arguments ?? []));
      const fromPage = api.dashboard();
      assert.ok(fromPage);
      await fromPage.whenRendered();
      assert.equal(fromPage.lastData?.datasets[0].name, 'pets', 'the quick fix opens the dashboard on the folder\'s dataset');
      assert.equal(fromPage.lastFocused?.id, findingKey(onFolder.finding));
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });

    it('a duplicate finding opens its images side by side, in one click from the Findings view or from its problem', async () => {
      await vscode.commands.executeCommand('fairframe.auditDataset', root());
      const severities = await children<FindingNode>(api.findings);
      const warnings = severities.find((entry) => labelOf(entry.item) === 'Warnings');
      assert.ok(warnings);
      const rule = (await children<FindingNode>(api.findings, warnings.node)).find((entry) => labelOf(entry.item) === 'FF-D020');
      assert.ok(rule);
      const [duplicate] = await children<FindingNode>(api.findings, rule.node);
      assert.equal(duplicate.item.command?.command, 'fairframe.compareFinding', 'one click compares the images');
      assert.equal(duplicate.item.contextValue, 'findingImages');
      const compared = await vscode.commands.executeCommand<CompareCommandResult | undefined>(duplicate.item.command.command, ...(duplicate.item.command.arguments ?? []));
      assert.ok(compared);
      assert.deepEqual(compared.view.images.map((image) => image.relPath).sort(), ['images/dog_01.png', 'images/dog_05.png']);
      assert.equal(compared.shown, 2, 'the webview drew both images');
      for (const image of compared.view.images) {
        assert.equal(image.label, 'dog');
        assert.equal(image.exists, true);
        assert.match(image.uri ?? '', /dog_0[15]\.png/);
        assert.ok(image.groups.skin_tone === 'light' || image.groups.skin_tone === 'dark');
      }
      const panel = api.dashboard();
      assert.equal(panel?.lastData?.datasets[0].name, 'workspace');
      assert.equal(panel?.lastCompared?.finding, compared.view.finding);

      // The same from the problem in the manifest: a quick fix offers it.
      await api.diagnosticsSettled();
      const manifest = vscode.Uri.joinPath(root(), 'metadata.csv');
      const diagnostic = vscode.languages.getDiagnostics(manifest).find((entry) => ruleOf(entry) === 'FF-D020');
      assert.ok(diagnostic);
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', manifest, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
      const compare = actions.find((action) => action.command?.command === 'fairframe.compareFinding');
      assert.ok(compare, `a compare action is offered (got: ${actions.map((action) => action.title).join('; ')})`);
      const again = await vscode.commands.executeCommand<CompareCommandResult | undefined>('fairframe.compareFinding', ...(compare.command?.arguments ?? []));
      assert.equal(again?.view.finding, compared.view.finding);
    });

    it("a manifest row's problem leaves its image path free, and the image hover shows the image first, the problem under it", async () => {
      await vscode.commands.executeCommand('fairframe.auditDataset', root());
      await api.diagnosticsSettled();
      const manifest = vscode.Uri.joinPath(root(), 'metadata.csv');
      // dog_05.png is a byte copy of dog_01.png (FF-D020), on the row of one of them.
      const duplicate = vscode.languages.getDiagnostics(manifest).find((diagnostic) => ruleOf(diagnostic) === 'FF-D020');
      assert.ok(duplicate, 'the duplicate finding is on the manifest');
      const row = (await vscode.workspace.openTextDocument(manifest)).lineAt(duplicate.range.start.line).text;
      assert.match(row, /^images\/dog_0[15]\.png,/);
      assert.equal(duplicate.range.start.character, 'images/dog_05.png'.length, 'the range starts after the image path');
      assert.equal(duplicate.range.end.character, row.length);
      const position = new vscode.Position(duplicate.range.start.line, 10);
      await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', manifest, position);
      await api.hoversSettled();
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', manifest, position);
      // Text is appended escaped: compare without the escapes.
      const text = hovers.flatMap((hover) => hover.contents.map((content) => (typeof content === 'string' ? content : content.value))).join('\n')
        .replace(/&nbsp;/g, ' ').replace(/\\([\\`*_{}[\]()#+\-!~])/g, '$1');
      const image = text.indexOf('](data:image/png;base64,');
      const problem = text.indexOf(`${duplicate.message.split('\n')[0]} (FF-D020)`);
      assert.ok(image >= 0, 'the hover shows the thumbnail');
      assert.ok(problem > image, 'the problem comes under the image');
      assert.ok(!duplicate.range.contains(position), "VS Code's own problem hover does not open over the path");
    });
  });
}

/** Where the reload test's two sessions leave each other notes (outside the workspace). */
const RELOAD_NOTES_ENV = 'FAIRFRAME_RELOAD_NOTES';

/** What the first session saw, for the second to compare with. */
interface ReloadNotes {
  counts: Record<Severity, number>;
  modelCreatedAt: string;
  modelRules: string[];
  accuracy: number | null | undefined;
}

/** The reload pass: the first session audits the model; the second, a new window on the same workspace, finds it. */
export function registerReloadTests(phase: 'before' | 'after'): void {
  const notesFile = process.env[RELOAD_NOTES_ENV];
  describe(`Results across a window reload (${phase})`, () => {
    it(phase === 'before' ? 'audits the model and saves the results in the workspace storage' : 'shows the saved results again without running any audit', async () => {
      assert.ok(notesFile, `${RELOAD_NOTES_ENV} names the notes file`);
      const extension = vscode.extensions.getExtension<FairframeApi>('fairframe.fairframe');
      assert.ok(extension);
      const api = await extension.activate();
      if (phase === 'before') {
        assert.deepEqual(await api.whenRestored(), { kind: 'none' }, 'a fresh workspace has nothing saved');
        await api.whenIdle();
        const result = await vscode.commands.executeCommand<AuditResult | undefined>('fairframe.auditModel', modelUri(), 'workspace');
        assert.equal(result?.models[0]?.status, 'ok');
        await api.saveResults();
        const [model] = api.store.modelAudits();
        const notes: ReloadNotes = {
          counts: problems().counts,
          modelCreatedAt: model.origin.createdAt,
          modelRules: problems().list.filter((diagnostic) => ruleOf(diagnostic).startsWith('FF-M')).map(ruleOf).sort(),
          accuracy: model.audit.overall?.accuracy.estimate,
        };
        await fs.writeFile(notesFile, JSON.stringify(notes));
        return;
      }
      const notes = JSON.parse(await fs.readFile(notesFile, 'utf8')) as ReloadNotes;
      // Read back before discovery runs: the saved model audit is the one the first session made.
      assert.deepEqual(await api.whenRestored(), { kind: 'restored', datasets: 1, models: 1 });
      await api.whenIdle();
      const [model] = api.store.modelAudits();
      assert.ok(model, 'the model audit is back');
      assert.equal(model.origin.createdAt, notes.modelCreatedAt, 'the same audit, not a new one');
      assert.equal(model.stale, undefined, 'the automatic dataset audit found the same content and configuration');
      assert.equal(model.audit.overall?.accuracy.estimate, notes.accuracy);
      assert.deepEqual(problems().list.filter((diagnostic) => ruleOf(diagnostic).startsWith('FF-M')).map(ruleOf).sort(), notes.modelRules);
      assert.deepEqual(problems().counts, notes.counts);
      assert.deepEqual(api.store.counts(), notes.counts);
      assert.equal(api.statusBar.text, `$(shield) Fairframe: ${notes.counts.error} $(error) ${notes.counts.warning} $(warning) ${notes.counts.info} $(info)`);
      const [modelNode] = await children(api.models);
      const auditNode = (await children<ModelNode>(api.models, modelNode.node)).find((entry) => labelOf(entry.item) === 'On workspace');
      assert.equal(auditNode?.item.description, `accuracy ${formatRate(model.audit.overall?.accuracy)}`);
      assert.match(String(auditNode?.item.description), new RegExp(`^accuracy ${((notes.accuracy ?? 0) * 100).toFixed(1)}%`));
      const panel = await openDashboard(api, undefined);
      assert.equal(panel.lastData?.models.length, 1, 'the dashboard shows the model audit');
      assert.deepEqual(panel.lastData?.counts, notes.counts);
    });
  });
}
