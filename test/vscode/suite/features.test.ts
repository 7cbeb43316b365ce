// The extension's surfaces in a real VS Code, on a copy of test/vscode/workspace: metadata.csv (9 images on disk:
// cat ×3, dog ×5 of which dog_05 is a byte copy of dog_01, bird ×1; a guessed `skin_tone` column with 'dark' on 2 of
// 9; line 9 names a missing file) and models/classifier.onnx (mean_logits.onnx from test/fixtures/inference) whose
// sidecar declares the labels ['dog', 'kat'] — 'kat' is a typo of the dataset's 'cat'.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AuditResult } from '../../../src/engine/auditResult';
import type { FairframeApi } from '../../../src/extension/extension';
import type { DatasetNode } from '../../../src/extension/datasetsTreeProvider';
import type { ExplainCommandResult } from '../../../src/extension/explainImage';
import type { FindingNode } from '../../../src/extension/findingsTreeProvider';
import type { ModelNode } from '../../../src/extension/modelsTreeProvider';
import type { ShiftCommandResult } from '../../../src/extension/shiftCommand';
import type { MitigateCommandResult } from '../../../src/extension/mitigateCommand';

const EXTENSION_ID = 'fairframe.fairframe';

/** The activated extension's API. */
export async function fairframeApi(): Promise<FairframeApi> {
  const extension = vscode.extensions.getExtension<FairframeApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is installed`);
  const api = await extension.activate();
  await api.whenIdle();
  return api;
}

function root(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder);
  return folder.uri;
}

function manifest(): vscode.Uri {
  return vscode.Uri.joinPath(root(), 'metadata.csv');
}

function modelUri(): vscode.Uri {
  return vscode.Uri.joinPath(root(), 'models', 'classifier.onnx');
}

function rulesOn(uri: vscode.Uri): string[] {
  return vscode.languages.getDiagnostics(uri).map((diagnostic) => (typeof diagnostic.code === 'object' ? String(diagnostic.code.value) : '')).sort();
}

async function items<T>(provider: vscode.TreeDataProvider<T>, parent?: T): Promise<Array<{ node: T; item: vscode.TreeItem }>> {
  const children = (await provider.getChildren(parent)) ?? [];
  return Promise.all(children.map(async (node) => ({ node, item: await provider.getTreeItem(node) })));
}

function labelOf(item: vscode.TreeItem): string {
  return typeof item.label === 'string' ? item.label : item.label?.label ?? '';
}

function iconId(item: vscode.TreeItem): string | undefined {
  return item.iconPath instanceof vscode.ThemeIcon ? item.iconPath.id : undefined;
}

/** The hover markdown of the image path on a 1-based manifest line, after the background work of a first hover. */
async function manifestHover(api: FairframeApi, line: number): Promise<string> {
  const document = await vscode.workspace.openTextDocument(manifest());
  const position = new vscode.Position(line - 1, 10);
  await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, position);
  await api.hoversSettled();
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, position);
  const text = hovers.flatMap((hover) => hover.contents.map((content) => (typeof content === 'string' ? content : content.value))).join('\n');
  // Data is appended as escaped text: compare without the escapes.
  return text.replace(/&nbsp;/g, ' ').replace(/\\([\\`*_{}[\]()#+\-!~])/g, '$1');
}

function auditModel(): Thenable<AuditResult | undefined> {
  return vscode.commands.executeCommand<AuditResult | undefined>('fairframe.auditModel', modelUri(), 'workspace');
}

/** Runs first: what a newcomer sees before running any command. */
export function registerFirstLookTests(): void {
  describe('Fairframe without any command', () => {
    it('activates, discovers the dataset and the model, and shows the imbalance warnings in the Problems panel by itself', async () => {
      const api = await fairframeApi();
      assert.deepEqual(api.store.datasets().map((dataset) => dataset.name), ['workspace']);
      assert.deepEqual(api.store.models().map((model) => path.basename(model.file)), ['classifier.onnx']);
      const rules = rulesOn(manifest());
      assert.deepEqual(rules, ['FF-D002', 'FF-D003', 'FF-D005', 'FF-D013', 'FF-D020']);
      const small = vscode.languages.getDiagnostics(manifest()).find((diagnostic) => typeof diagnostic.code === 'object' && diagnostic.code.value === 'FF-D002');
      assert.match(small?.message ?? '', /Class 'bird' has only 1 image \(11\.1% of the dataset\)/);
      assert.equal(api.store.modelAudits().length, 0, 'no model runs by itself');
    });
  });
}

/** The trees, hovers, model audit, quick fixes, exports and cancellation, in a trusted workspace. */
export function registerFeatureTests(): void {
  describe('Fairframe views, hovers and model audit', () => {
    let api: FairframeApi;
    before(async () => {
      api = await fairframeApi();
      await vscode.commands.executeCommand('fairframe.auditDataset', root());
    });

    it('contributes the commands, views and settings', async () => {
      const commands = await vscode.commands.getCommands(true);
      for (const command of ['fairframe.auditWorkspace', 'fairframe.auditDataset', 'fairframe.auditModel', 'fairframe.openDashboard', 'fairframe.exportReport',
        'fairframe.exportReweighing', 'fairframe.exportHtmlReport', 'fairframe.exportModelCard', 'fairframe.exportDatasheet', 'fairframe.mitigateThresholds', 'fairframe.clearCache', 'fairframe.refresh', 'fairframe.cancelAudits', 'fairframe.revealFinding', 'fairframe.explainImage',
        'fairframe.compareDistributions', 'fairframe.auditRobustness']) {
        assert.ok(commands.includes(command), `${command} is registered`);
      }
      assert.equal(vscode.workspace.getConfiguration('fairframe').get('autoAuditDatasets'), true);
      assert.equal(vscode.workspace.getConfiguration('fairframe').get('maxHoverThumbnailSize'), 160);
      assert.deepEqual(vscode.workspace.getConfiguration('fairframe').get('explainMethods'), ['gradcam', 'lrp', 'occlusion', 'rise', 'lime', 'shap']);
      assert.equal(vscode.workspace.getConfiguration('fairframe').get('robustness'), null);
    });

    it('Datasets view: classes and guessed attribute groups with counts, shares and warning icons', async () => {
      const [dataset] = await items(api.datasets);
      assert.equal(labelOf(dataset.item), 'workspace');
      assert.equal(dataset.item.contextValue, 'dataset');
      assert.match(String(dataset.item.description), /^9 images · 3 classes · 5 problems$/);
      const sections = await items<DatasetNode>(api.datasets, dataset.node);
      assert.deepEqual(sections.map((entry) => labelOf(entry.item)), ['Classes', 'skin_tone']);
      assert.equal(sections[1].item.description, 'guessed');
      const classes = await items<DatasetNode>(api.datasets, sections[0].node);
      assert.deepEqual(classes.map((entry) => [labelOf(entry.item), entry.item.description, iconId(entry.item)]), [
        ['dog', '5 · 55.6%', 'tag'],
        ['cat', '3 · 33.3%', 'tag'],
        ['bird', '1 · 11.1%', 'warning'],
      ]);
      const groups = await items<DatasetNode>(api.datasets, sections[1].node);
      assert.deepEqual(groups.map((entry) => [labelOf(entry.item), entry.item.description, iconId(entry.item)]), [
        ['light', '7 · 77.8%', 'circle-outline'],
        ['dark', '2 · 22.2%', 'warning'],
      ]);
    });

    it('Models view: inputs, outputs, labels and preprocessing before any model audit', async () => {
      const [model] = await items(api.models);
      assert.equal(labelOf(model.item), 'classifier.onnx');
      const details = await items<ModelNode>(api.models, model.node);
      const byLabel = new Map(details.map((entry) => [labelOf(entry.item), entry]));
      assert.equal(byLabel.get('Labels')?.item.description, 'dog, kat');
      assert.equal(byLabel.get('Preprocessing')?.item.description, '4×4, stretch, NCHW, RGB, scale 0.003922, mean [0, 0, 0], std [1, 1, 1]');
      const inputs = await items<ModelNode>(api.models, byLabel.get('Inputs')?.node);
      assert.deepEqual(inputs.map((entry) => [labelOf(entry.item), entry.item.description]), [['image', 'float32 [batch×3×4×4]']]);
      const outputs = await items<ModelNode>(api.models, byLabel.get('Outputs')?.node);
      assert.deepEqual(outputs.map((entry) => labelOf(entry.item)), ['logits', 'features']);
    });

    it('Findings view: grouped by severity, then rule; a finding reveals its manifest line', async () => {
      const severities = await items<FindingNode>(api.findings);
      assert.deepEqual(severities.map((entry) => [labelOf(entry.item), entry.item.description]), [['Errors', '1'], ['Warnings', '4']]);
      const warningRules = await items<FindingNode>(api.findings, severities[1].node);
      assert.deepEqual(warningRules.map((entry) => labelOf(entry.item)), ['FF-D002', 'FF-D003', 'FF-D005', 'FF-D020']);
      const [missing] = await items<FindingNode>(api.findings, (await items<FindingNode>(api.findings, severities[0].node))[0].node);
      assert.equal(missing.item.command?.command, 'fairframe.revealFinding');
      await vscode.commands.executeCommand(missing.item.command.command, ...(missing.item.command.arguments ?? []));
      const editor = vscode.window.activeTextEditor;
      assert.equal(editor?.document.uri.fsPath, manifest().fsPath);
      assert.equal(editor?.selection.active.line, 8, 'line 9 (1-based) is selected');
    });

    it('hovering an image path in the manifest shows its thumbnail, label, groups and duplicate flag', async () => {
      const cat = await manifestHover(api, 2);
      assert.match(cat, /!\[images\/cat_01\.png\]\(data:image\/png;base64,[A-Za-z0-9+/=]{100,}\)/);
      assert.match(cat, /\*\*Label\*\* cat/);
      assert.match(cat, /skin_tone = light/);
      const copy = await manifestHover(api, 10);
      assert.match(copy, /Exact duplicate of images\/dog_01\.png \(FF-D020\)/);
      const missing = await manifestHover(api, 9);
      assert.match(missing, /The file does not exist\./);
    });

    it('audits the model on the dataset through the command with arguments, and shows its numbers', async () => {
      const result = await auditModel();
      assert.ok(result, 'the command returned the AuditResult');
      assert.equal(result.models.length, 1);
      const [audit] = result.models;
      assert.equal(audit.status, 'ok');
      assert.equal(audit.overall?.images, 5, "the 5 readable 'dog' images; 'cat' and 'bird' are unknown to the model");
      assert.equal(audit.overall?.accuracy.estimate, 0.8);
      assert.ok(rulesOn(manifest()).includes('FF-M002'), 'the model finding is on the manifest');
      const [model] = await items(api.models);
      const auditNode = (await items<ModelNode>(api.models, model.node)).find((entry) => labelOf(entry.item) === 'On workspace');
      assert.equal(auditNode?.item.description, 'accuracy 80.0% [40.0%, 100.0%]');
      const numbers = await items<ModelNode>(api.models, auditNode?.node);
      const worst = numbers.find((entry) => labelOf(entry.item) === 'Worst group by skin_tone');
      assert.match(String(worst?.item.description), /^light: 75\.0% \[25\.0%, 100\.0%\]/);
      const hover = await manifestHover(api, 5);
      assert.match(hover, /classifier\.onnx\*\* dog 54\.4% · kat 45\.6%/);
      // The explanation overlay, made in the worker: this model has no convolution, so Grad-CAM falls back to occlusion.
      assert.match(hover, /!\[occlusion \(gradcam unsupported\) explanation\]\(data:image\/png;base64,[A-Za-z0-9+/=]{100,}\)/);
    });

    it("offers a quick fix for the model's label typo that adds a labelMap entry to fairframe.json", async () => {
      const diagnostic = vscode.languages.getDiagnostics(manifest()).find((entry) => typeof entry.code === 'object' && entry.code.value === 'FF-M002');
      assert.ok(diagnostic);
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', manifest(), diagnostic.range, vscode.CodeActionKind.QuickFix.value);
      const fix = actions.find((action) => action.title.startsWith("Map model label 'kat' to 'cat'"));
      assert.ok(fix?.edit, `a labelMap fix is offered (got: ${actions.map((action) => action.title).join('; ')})`);
      assert.ok(await vscode.workspace.applyEdit(fix.edit));
      const config = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(root(), 'fairframe.json'));
      await config.save();
      assert.deepEqual(JSON.parse(config.getText()).models, [{ path: 'models/classifier.onnx', labelMap: { kat: 'cat' } }]);
      const result = await auditModel();
      assert.equal(result?.models[0].overall?.images, 8, "the 3 'cat' images are audited now");
      const unknown = result?.findings.find((finding) => finding.rule === 'FF-M002')?.evidence.unknown;
      assert.deepEqual(unknown, { bird: 1 });
    });

    it('a dataset audit still runs no model once fairframe.json declares one', async () => {
      const result = await vscode.commands.executeCommand<AuditResult | undefined>('fairframe.auditDataset', root());
      assert.equal(result?.models.length, 0, 'no model audited');
      assert.equal(result?.config.models.length, 1, 'the declared model is still in the configuration the audit read');
    });

    it('offers to export reweighing weights for an under-represented group, and writes them', async () => {
      const diagnostic = vscode.languages.getDiagnostics(manifest()).find((entry) => typeof entry.code === 'object' && entry.code.value === 'FF-D003');
      assert.ok(diagnostic);
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', manifest(), diagnostic.range, vscode.CodeActionKind.QuickFix.value);
      const fix = actions.find((action) => action.title === "Export reweighing weights for 'skin_tone'…");
      assert.ok(fix?.command);
      const out = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-weights-'));
      const written = await vscode.commands.executeCommand<string[]>(fix.command.command, ...(fix.command.arguments ?? []), out);
      assert.deepEqual(written.map((file) => path.basename(file)), ['workspace.reweighing.csv', 'workspace.reweighing.json']);
      const csv = await fs.readFile(written[0], 'utf8');
      assert.equal(csv.trim().split('\n').length, 10, 'a header and one row per record');
    });

    it('exports the report (JSON, Markdown, SARIF, HTML, model card, datasheet) to a folder', async () => {
      const out = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-report-'));
      const written = await vscode.commands.executeCommand<string[]>('fairframe.exportReport', out);
      assert.deepEqual(written.map((file) => path.basename(file)), ['fairframe-report.json', 'fairframe-report.md', 'fairframe-report.sarif', 'fairframe-report.html',
        'model-card-classifier.md', 'model-card-classifier.html', 'datasheet-workspace.md', 'datasheet-workspace.html']);
      const json = JSON.parse(await fs.readFile(written[0], 'utf8')) as AuditResult;
      assert.equal(json.datasets[0].images, 9);
      const sarif = JSON.parse(await fs.readFile(written[2], 'utf8')) as { version: string };
      assert.equal(sarif.version, '2.1.0');
    });

    it('compares the dataset with a copy of its dog images (Compare Data Distributions) and shows it in the dashboard', async () => {
      // The target: the five dog rows of the manifest, copied outside the workspace.
      const target = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-shift-target-'));
      await fs.mkdir(path.join(target, 'images'));
      const rows = ['file_name,label,skin_tone'];
      for (const line of (await fs.readFile(manifest().fsPath, 'utf8')).trim().split('\n').slice(1)) {
        const [file, label, tone] = line.split(',');
        if (label !== 'dog' || !(await fs.stat(path.join(root().fsPath, file)).catch(() => undefined))) continue;
        await fs.copyFile(path.join(root().fsPath, file), path.join(target, file));
        rows.push(`${file},${label},${tone}`);
      }
      await fs.writeFile(path.join(target, 'metadata.csv'), `${rows.join('\n')}\n`);
      const outcome = await vscode.commands.executeCommand<ShiftCommandResult | undefined>('fairframe.compareDistributions', { reference: manifest().fsPath, target: path.join(target, 'metadata.csv') });
      assert.ok(outcome, 'the comparison ran');
      const { result, reportFile } = outcome;
      assert.equal(result.target.images, rows.length - 1);
      assert.ok(result.properties.some((p) => p.property === 'brightness' && p.group === null));
      // The report shown is a file in the cache folder, outside the workspace and the datasets.
      assert.match(await fs.readFile(reportFile, 'utf8'), /^# Fairframe distribution shift report/);
      assert.ok(!reportFile.startsWith(root().fsPath) && !reportFile.startsWith(target));
      // The dashboard's Shift section drew this comparison.
      const panel = (await fairframeApi()).dashboard();
      assert.equal(panel?.lastShiftShown, result.createdAt);
      panel?.dispose();
      await fs.rm(target, { recursive: true, force: true });
    });

    it("records model audits as runs, never inside the dataset, and the Models view shows the model's history", async () => {
      const api = await fairframeApi();
      // This workspace folder is the dataset's root: the default store (.fairframe/runs there) would be inside it, so the
      // audits so far were not recorded, and nothing was written.
      await assert.rejects(fs.stat(vscode.Uri.joinPath(root(), '.fairframe').fsPath));
      const store = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-runs-'));
      const settings = vscode.workspace.getConfiguration('fairframe');
      await settings.update('runStore', store, vscode.ConfigurationTarget.Global);
      try {
        assert.ok(await auditModel());
        assert.ok(await auditModel());
        assert.equal((await fs.readdir(store)).filter((file) => file.endsWith('.json')).length, 2);
        const [model] = await items(api.models);
        const history = (await items<ModelNode>(api.models, model.node)).find((entry) => labelOf(entry.item) === 'History');
        assert.equal(history?.item.description, '2 recorded runs');
        const runs = await items<ModelNode>(api.models, history?.node);
        assert.equal(runs.length, 2);
        // The labelMap quick fix above made 'cat' known: 5 of the 8 dog and cat images are called right.
        assert.match(String(runs[0].item.description), /^accuracy 62\.5% \[\d+\.\d%, \d+\.\d%\] · accuracy gap by skin_tone \d\.\d+ · model [0-9a-f]{8}$/);
      } finally {
        await settings.update('runStore', undefined, vscode.ConfigurationTarget.Global);
      }
    });

    it('exports the HTML report, the model card and the datasheet of the audit in the store, with its numbers, never inside a dataset', async () => {
      const api = await fairframeApi();
      const [modelNode] = await items(api.models);
      const [datasetNode] = await items(api.datasets);
      const [stored] = api.store.modelResultsOf(modelUri().fsPath);
      const audit = stored?.audit;
      const accuracy = audit?.overall?.accuracy;
      assert.ok(audit && accuracy && accuracy.lower !== null && accuracy.upper !== null);
      // By hand: after the labelMap fix, 5 of the 8 readable dog and cat images are called right.
      assert.equal(accuracy.estimate, 5 / 8);
      const percent = (value: number): string => `${(100 * value).toFixed(1)}%`;
      const interval = `[${percent(accuracy.lower)}, ${percent(accuracy.upper)}]`;
      const unescape = (markdown: string): string => markdown.replace(/\\([\\`*_{}[\]()<>#+!|~])/g, '$1');

      // A folder inside the dataset (this workspace folder is its root) is refused, and nothing is created.
      const inside = path.join(root().fsPath, 'exports');
      assert.deepEqual(await vscode.commands.executeCommand<string[]>('fairframe.exportModelCard', modelNode.node, inside), []);
      await assert.rejects(fs.stat(inside));

      // Without a folder: the report folder setting (outside the dataset), one subfolder per dataset.
      const reports = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-reports-'));
      const settings = vscode.workspace.getConfiguration('fairframe');
      await settings.update('reportFolder', reports, vscode.ConfigurationTarget.Global);
      try {
        const card = await vscode.commands.executeCommand<string[]>('fairframe.exportModelCard', modelNode.node);
        assert.deepEqual(card.map((file) => path.relative(reports, file)), [path.join('workspace', 'model-card-classifier.md'), path.join('workspace', 'model-card-classifier.html')]);
        const cardText = unescape(await fs.readFile(card[0], 'utf8'));
        assert.ok(cardText.includes(`| accuracy | 62.5% | ${interval} |`), 'the card shows the store\'s accuracy and interval');
        assert.ok(cardText.includes(`| SHA-256 | ${audit.model.sha256} |`));
        const accuracyByTone = audit.groups?.find((report) => report.name === 'skin_tone')?.metrics.find((metric) => metric.metric === 'accuracy');
        assert.ok(accuracyByTone && accuracyByTone.byGroup.length === 2);
        for (const group of accuracyByTone.byGroup) {
          assert.ok(group.estimate !== null && group.lower !== null && group.upper !== null);
          assert.ok(cardText.includes(`| ${group.group} | ${group.count} | ${percent(group.estimate)} | [${percent(group.lower)}, ${percent(group.upper)}] |`), `the card's row of ${group.group}`);
        }
        const cardHtml = await fs.readFile(card[1], 'utf8');
        assert.ok(cardHtml.includes(`<td>62.5%</td><td>${interval}</td>`));
        assert.ok(cardHtml.includes('Content-Security-Policy" content="default-src &#39;none&#39;'), 'a CSP that allows nothing by default');

        const sheet = await vscode.commands.executeCommand<string[]>('fairframe.exportDatasheet', datasetNode.node);
        assert.deepEqual(sheet.map((file) => path.basename(file)), ['datasheet-workspace.md', 'datasheet-workspace.html']);
        // By hand from metadata.csv: 9 images on disk, dog 5, cat 3, bird 1.
        const sheetText = unescape(await fs.readFile(sheet[0], 'utf8'));
        assert.ok(sheetText.includes('9 images'), 'the datasheet counts the images');
        assert.ok(sheetText.includes('dog (5), cat (3), bird (1)'), 'and the classes');

        const [html, ...moreHtml] = await vscode.commands.executeCommand<string[]>('fairframe.exportHtmlReport', datasetNode.node);
        assert.equal(moreHtml.length, 0);
        assert.equal(path.basename(html), 'fairframe-report.html');
        const report = await fs.readFile(html, 'utf8');
        assert.ok(report.includes('62.5%') && report.includes(interval), 'the HTML report shows the store\'s accuracy and interval');
        assert.doesNotMatch(report, /\s(src|href)="(https?:)?\/\//, 'no external request');

        // The whole report from the model's node: every format, the JSON being the store's composed result.
        const all = await vscode.commands.executeCommand<string[]>('fairframe.exportReport', modelNode.node);
        assert.deepEqual(all.map((file) => path.basename(file)), ['fairframe-report.json', 'fairframe-report.md', 'fairframe-report.sarif', 'fairframe-report.html',
          'model-card-classifier.md', 'model-card-classifier.html', 'datasheet-workspace.md', 'datasheet-workspace.html']);
        const json = JSON.parse(await fs.readFile(all[0], 'utf8')) as AuditResult;
        assert.deepEqual(json.models[0].overall?.accuracy, accuracy);
        // Nothing was written into the dataset.
        assert.deepEqual((await fs.readdir(root().fsPath)).sort(), ['fairframe.json', 'images', 'metadata.csv', 'models']);
      } finally {
        await settings.update('reportFolder', undefined, vscode.ConfigurationTarget.Global);
      }
    });

    it('Fit Fair Thresholds on the model audit in the store (its Models view node) fails cleanly on groups too small to fit, writing nothing', async () => {
      const [modelNode] = await items(api.models);
      const out = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-thresholds-'));
      // The store's audit scored 8 images; skin_tone 'dark' holds one of them (dog_06), so a per-group threshold for
      // 'cat' cannot be fitted for it: the worker's error is shown, the command resolves to nothing, nothing is saved.
      const outcome = await vscode.commands.executeCommand<MitigateCommandResult | undefined>('fairframe.mitigateThresholds', modelNode.node, { constraint: 'demographic_parity', replicates: 50, outDir: out });
      assert.equal(outcome, undefined);
      assert.deepEqual(await fs.readdir(out), []);
      const next = await auditModel();
      assert.equal(next?.models[0].status, 'ok', 'the worker still audits');
    });

    it('a cancelled model audit ends quietly with no result, and the next one works', async () => {
      await vscode.commands.executeCommand('fairframe.clearCache');
      // Nothing else runs (the automatic audit after the fairframe.json edit has ended): the cancel hits the model audit.
      await api.whenIdle();
      // Cancelled as soon as it has started (no polling: the runner says when).
      const started = new Promise<void>((resolve) => {
        const subscription = api.onDidStartAudit((audit) => {
          if (audit.models.length === 0) return;
          subscription.dispose();
          resolve();
        });
      });
      const pending = auditModel();
      await started;
      assert.ok((await vscode.commands.executeCommand<number>('fairframe.cancelAudits')) >= 1, 'the model audit was running');
      assert.equal(await pending, undefined);
      const next = await auditModel();
      assert.equal(next?.models[0].status, 'ok');
    });

    it('opens the dashboard on the one audited dataset and model: the webview says ready, the host posts the result, every section renders', async () => {
      await vscode.commands.executeCommand('fairframe.openDashboard');
      const panel = api.dashboard();
      assert.ok(panel, 'a dashboard panel is open');
      const rendered = panel.lastRendered.length > 0 ? panel.lastRendered : await new Promise<string[]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the dashboard did not render within 60 s')), 60_000);
        panel.onDidRender((sections) => {
          clearTimeout(timer);
          resolve(sections);
        });
      });
      for (const section of ['overview', 'fairness', 'groups', 'heatmaps']) assert.ok(rendered.includes(section as never), `${section} rendered (got ${rendered.join(', ')})`);
    });

    it('explains an image with every method side by side in the dashboard, each with its deletion and insertion AUC', async () => {
      const image = vscode.Uri.joinPath(root(), 'images', 'dog_02.png');
      const explained = await vscode.commands.executeCommand<ExplainCommandResult | undefined>('fairframe.explainImage', image);
      assert.ok(explained, 'the command returned its results');
      assert.equal(explained.modelSource, 'audit', "the model audited on the image's dataset is used");
      assert.equal(path.basename(explained.model), 'classifier.onnx');
      assert.deepEqual(explained.results.map((result) => result.method), ['gradcam', 'lrp', 'occlusion', 'rise', 'lime', 'shap']);
      for (const result of explained.results) {
        assert.equal(result.status, 'ok', `${result.method}: ${result.error ?? ''}`);
        assert.match(result.overlay ?? '', /^data:image\/png;base64,[A-Za-z0-9+/=]{100,}$/);
        for (const auc of [result.deletionAuc, result.insertionAuc, result.randomDeletionAuc, result.randomInsertionAuc]) assert.ok(typeof auc === 'number' && auc >= 0 && auc <= 1, `${result.method}: AUC ${auc} in [0, 1]`);
        assert.ok(result.className === 'dog' || result.className === 'kat');
      }
      // This model has no convolution: the gradient methods say they fell back to occlusion, and why.
      const gradcam = explained.results[0];
      assert.equal(gradcam.usedMethod, 'occlusion');
      assert.ok(gradcam.fallbackReason && gradcam.fallbackReason.length > 10);
      assert.equal(explained.results[2].usedMethod, 'occlusion');
      // The chance level is the image's, the same for every method.
      assert.equal(new Set(explained.results.map((result) => result.randomDeletionAuc)).size, 1);
      const panel = api.dashboard();
      assert.ok(panel);
      const deadline = Date.now() + 60_000;
      while ((panel.explanationRendered.get(explained.id)?.length ?? 0) < explained.results.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(panel.explanationRendered.get(explained.id), explained.results.map((result) => result.method), 'the webview drew every method');
    });
  });
}

/** In a restricted workspace: no model run, no thumbnails; the dataset checks that decode nothing still run by themselves. */
export function registerRestrictedFeatureTests(): void {
  describe('Fairframe views in a restricted workspace', () => {
    it('shows the manifest warnings by itself, without decoding', async () => {
      const api = await fairframeApi();
      const rules = rulesOn(manifest());
      assert.deepEqual(rules, ['FF-D002', 'FF-D003', 'FF-D005', 'FF-D013']);
      assert.equal(api.store.datasetAudits()[0]?.audit.scan.decoded, 0);
    });

    it('refuses to run a model and says why', async () => {
      const api = await fairframeApi();
      assert.equal(await auditModel(), undefined);
      assert.equal(await vscode.commands.executeCommand('fairframe.auditRobustness', modelUri(), 'workspace', 'corruptions'), undefined);
      assert.equal(api.store.modelAudits().length, 0);
    });

    it('Compare Data Distributions decodes nothing and says why', async () => {
      const result = await vscode.commands.executeCommand('fairframe.compareDistributions', { reference: manifest().fsPath, target: root().fsPath });
      assert.equal(result, undefined);
    });

    it('Fit Fair Thresholds runs no model', async () => {
      const outcome = await vscode.commands.executeCommand('fairframe.mitigateThresholds', { model: modelUri().fsPath, dataset: manifest().fsPath, attribute: 'skin_tone', constraint: 'demographic_parity' });
      assert.equal(outcome, undefined);
    });

    it('Explain Image runs no model', async () => {
      const api = await fairframeApi();
      const image = vscode.Uri.joinPath(root(), 'images', 'dog_02.png');
      assert.equal(await vscode.commands.executeCommand('fairframe.explainImage', image, modelUri()), undefined);
      assert.equal(api.dashboard()?.explanationRendered.size ?? 0, 0);
    });

    it('hovers show the label and groups but no thumbnail', async () => {
      const api = await fairframeApi();
      const hover = await manifestHover(api, 2);
      assert.match(hover, /\*\*Label\*\* cat/);
      assert.doesNotMatch(hover, /data:image/);
      assert.match(hover, /Thumbnails are off in a restricted workspace/);
    });
  });
}
