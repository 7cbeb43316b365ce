// Robustness in the editor, on a slice of the demo: the first 160 images `npm run demo` writes (seed 10; 31 of them in
// the test split the model audit measures) beside the demo model, in the workspace. *Audit Model Robustness* runs
// the audit with corruptions and attacks in the worker and opens the dashboard's Robustness section; every figure the
// dashboard was sent must equal the CLI's JSON for the same folder, model and fairframe.json. Runs last in the trusted
// pass and leaves the workspace as it found it.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AuditResult } from '../../../src/engine/auditResult';
import type { RobustnessResults } from '../../../src/engine/robustness/robustnessTypes';
import { generateDemo } from '../../../src/demo/generateDemo';
import { fairframeApi } from './features.test';

const EXTENSION_ID = 'fairframe.fairframe';
/** Images of the demo written (its first rows, both splits). */
const DEMO_IMAGES = 160;

function root(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder);
  return folder.uri.fsPath;
}

/** The demo's rows whose image was written, as a manifest without the mask column (the masks are not copied). */
async function copyWrittenRows(demoData: string, into: string): Promise<number> {
  const [header, ...rows] = (await fs.readFile(path.join(demoData, 'metadata.csv'), 'utf8')).trimEnd().split('\n');
  const columns = header.split(',');
  const maskAt = columns.indexOf('mask');
  const kept: string[] = [];
  for (const row of rows) {
    const cells = row.split(',');
    const source = path.join(demoData, cells[0]);
    if (!(await fs.stat(source).catch(() => undefined))) continue;
    await fs.mkdir(path.dirname(path.join(into, cells[0])), { recursive: true });
    await fs.copyFile(source, path.join(into, cells[0]));
    kept.push(cells.filter((_, i) => i !== maskAt).join(','));
  }
  await fs.writeFile(path.join(into, 'metadata.csv'), `${columns.filter((_, i) => i !== maskAt).join(',')}\n${kept.join('\n')}\n`);
  return kept.length;
}

/** Runs the CLI (the same dist/cli.js the extension ships beside) and resolves to its JSON report. */
async function cliReport(extensionPath: string, args: string[], outDir: string): Promise<AuditResult> {
  await new Promise<void>((resolve, reject) => {
    // ELECTRON_RUN_AS_NODE: in a desktop VS Code the extension host's executable is Electron.
    execFile(process.execPath, [path.join(extensionPath, 'dist', 'cli.js'), ...args, '--format', 'json', '--out', outDir, '--no-record', '--no-cache', '--quiet'],
      { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, maxBuffer: 64 * 1024 * 1024 },
      (error, _stdout, stderr) => (error && error.code !== 1 ? reject(new Error(`fairframe audit failed (${String(error.code)}): ${stderr}`)) : resolve()));
  });
  return JSON.parse(await fs.readFile(path.join(outDir, 'fairframe-report.json'), 'utf8')) as AuditResult;
}

/** The robustness figures without the cache counters (the editor's worker keeps a prediction cache; the CLI ran without). */
function figures(robustness: RobustnessResults | undefined): unknown {
  assert.ok(robustness, 'robustness figures');
  const { corruptions, ...rest } = robustness;
  assert.ok(corruptions);
  return { ...rest, corruptions: { ...corruptions, cacheHits: 'not compared', inferred: 'not compared' } };
}

export function registerRobustnessTests(): void {
  describe('Audit Model Robustness on a slice of the demo', function () {
    this.timeout(240_000);
    const configFile = (): string => path.join(root(), 'fairframe.json');
    const datasetRoot = (): string => path.join(root(), 'lesions');
    const modelFile = (): string => path.join(root(), 'models', 'lesion-cnn.onnx');
    let original: string;
    let scratch: string;
    let extensionPath: string;

    before(async () => {
      original = await fs.readFile(configFile(), 'utf8');
      scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-robustness-'));
      const extension = vscode.extensions.getExtension(EXTENSION_ID);
      assert.ok(extension);
      extensionPath = extension.extensionPath;
      await generateDemo(path.join(scratch, 'demo'), { limit: DEMO_IMAGES });
      assert.equal(await copyWrittenRows(path.join(scratch, 'demo', 'data'), datasetRoot()), DEMO_IMAGES);
      await fs.copyFile(path.join(extensionPath, 'models', 'demo', 'lesion-cnn.onnx'), modelFile());
      // Declared, since discovery does not look inside the workspace's own dataset; kept small so the run takes
      // seconds: 200 bootstrap replicates, 6 attacked images.
      const config = JSON.parse(original) as { thresholds?: Record<string, number> };
      await fs.writeFile(configFile(), `${JSON.stringify({ ...config, datasets: [{ name: 'lesions', path: 'lesions' }], thresholds: { ...config.thresholds, bootstrapReplicates: 200, attackImages: 6 } }, null, 2)}\n`);
      await vscode.commands.executeCommand('fairframe.refresh');
      await (await fairframeApi()).whenIdle();
    });

    after(async () => {
      (await fairframeApi()).dashboard()?.dispose();
      await fs.writeFile(configFile(), original);
      await fs.rm(datasetRoot(), { recursive: true, force: true });
      await fs.rm(modelFile(), { force: true });
      if (scratch) await fs.rm(scratch, { recursive: true, force: true });
      await vscode.commands.executeCommand('fairframe.refresh');
      await (await fairframeApi()).whenIdle();
    });

    it('measures corruptions and attacks in the worker, and the dashboard shows the figures the CLI computes', async () => {
      const api = await fairframeApi();
      const dataset = api.store.datasets().find((entry) => path.resolve(entry.root) === datasetRoot());
      assert.ok(dataset, `the demo slice is discovered: ${api.store.datasets().map((entry) => entry.root).join(', ')}`);
      assert.ok(api.store.models().some((model) => model.file === modelFile()), 'the demo model is discovered');

      const result = await vscode.commands.executeCommand<AuditResult | undefined>('fairframe.auditRobustness', vscode.Uri.file(modelFile()), dataset.name, 'all');
      const audit = result?.models.find((model) => model.model.file === modelFile());
      assert.equal(audit?.status, 'ok', audit?.reason);
      const robustness = audit.robustness;
      assert.equal(robustness?.mode, 'all');
      // 31 test images; 8 corruptions × 5 severities plus each corruption's mean; FGSM and PGD at 4 ε on 6 images.
      assert.equal(robustness.corruptions?.images, 31);
      assert.equal(robustness.corruptions?.conditions.length, 8 * 5 + 8);
      assert.equal(robustness.attacks?.status, 'ok', robustness.attacks?.reason);
      assert.equal(robustness.attacks?.images, 6);
      assert.equal(robustness.attacks?.conditions?.length, 2 * 4);

      // The dashboard opened on this audit at its Robustness section, and drew the robustness chart.
      const panel = api.dashboard();
      assert.ok(panel, 'the dashboard is open');
      await panel.whenRendered();
      assert.ok(panel.lastRendered.includes('robustness'));
      assert.ok(panel.lastCharts.includes('robustness'), `charts drawn: ${panel.lastCharts.join(', ')}`);
      assert.equal(panel.lastFocused?.id, 'robustness');
      const shown = panel.lastData?.models.find((model) => model.file === modelFile());
      assert.ok(shown, 'the dashboard shows the demo model');

      // The same audit from the CLI: the figures the dashboard was sent are the CLI's, to the last digit.
      const cli = await cliReport(extensionPath, [
        'audit', root(), '--model', modelFile(), '--dataset', dataset.name, '--robustness', 'all',
      ], path.join(scratch, 'cli'));
      const cliAudit = cli.models.find((model) => model.model.file === modelFile());
      assert.equal(cliAudit?.status, 'ok');
      assert.deepEqual(figures(shown.robustness), figures(cliAudit.robustness));
      assert.deepEqual(shown.accuracy, cliAudit.overall?.accuracy);
      // Real numbers, not placeholders: the clean accuracy, and a corruption that costs accuracy.
      const clean = cliAudit.robustness?.corruptions?.clean.estimate;
      assert.ok(clean !== null && clean !== undefined && clean > 0.5 && clean <= 1, `clean accuracy ${String(clean)}`);
      const worst = Math.min(...(cliAudit.robustness?.corruptions?.conditions ?? []).map((condition) => condition.accuracy.estimate ?? 1));
      assert.ok(worst < clean, `the worst corruption keeps ${worst} of ${clean}`);
    });
  });
}
