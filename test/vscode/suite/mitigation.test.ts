// Fit Fair Thresholds in the editor: the seeded predictions of test/fixtures/predictions (160 images, validation and
// test splits, skin dark/light) thresholded for demographic parity; the thresholds must be fairlearn's
// ThresholdOptimizer's (seededReference.json, made by scripts/reference/predictionsReference.py), and every file is saved
// outside the dataset. Runs last in the trusted pass; removes what it made.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { MitigateCommandResult } from '../../../src/extension/mitigateCommand';
import { fairframeApi } from './features.test';

interface SeededReference {
  thresholdsDemographicParity: { xBest: number; groups: Record<string, { p0: number; threshold0: number; p1: number; threshold1: number }>; testPaths: string[]; testPositiveProbability: number[]; testDemographicParityDifferenceBefore: number };
}

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder);
  return folder.uri.fsPath;
}

const close = (actual: number | string | undefined, expected: number, what: string): void => {
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) <= 1e-12, `${what}: ${actual} ≠ ${expected}`);
};

export function registerMitigationTests(): void {
  describe('Fit Fair Thresholds', () => {
    let dir: string;
    let data: string;
    let predictions: string;
    let reference: SeededReference;

    before(async () => {
      const extension = vscode.extensions.getExtension('fairframe.fairframe');
      assert.ok(extension);
      const fixtures = path.join(extension.extensionPath, 'test', 'fixtures', 'predictions');
      reference = JSON.parse(await fs.readFile(path.join(fixtures, 'seededReference.json'), 'utf8')) as SeededReference;
      // The dataset: the seeded rows' paths, labels, splits and groups, each image a copy of one small PNG.
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-mitigate-'));
      data = path.join(dir, 'data');
      await fs.mkdir(path.join(data, 'img'), { recursive: true });
      const rows = (await fs.readFile(path.join(fixtures, 'seeded.csv'), 'utf8')).trim().split('\n').slice(1).map((line) => line.split(','));
      const png = path.join(workspaceRoot(), 'images', 'cat_01.png');
      for (const [relPath] of rows) await fs.copyFile(png, path.join(data, relPath));
      await fs.writeFile(path.join(data, 'manifest.csv'), ['path,label,split,skin', ...rows.map((row) => row.slice(0, 4).join(','))].join('\n') + '\n');
      // Its fairframe.json (read from the audited folder) names the sensitive column.
      await fs.writeFile(path.join(data, 'fairframe.json'), JSON.stringify({ attributes: ['skin'] }));
      predictions = path.join(dir, 'scores', 'seeded.csv');
      await fs.mkdir(path.dirname(predictions));
      await fs.copyFile(path.join(fixtures, 'seeded.csv'), predictions);
    });

    after(async () => {
      await fs.rm(dir, { recursive: true, force: true });
    });

    it('fits on validation, measures on test, matches fairlearn, shows the before/after table and saves the thresholds outside the dataset', async () => {
      await fairframeApi();
      const reports = path.join(dir, 'reports');
      const settings = vscode.workspace.getConfiguration('fairframe');
      await settings.update('reportFolder', reports, vscode.ConfigurationTarget.Global);
      try {
        const outcome = await vscode.commands.executeCommand<MitigateCommandResult | undefined>('fairframe.mitigateThresholds', {
          model: predictions, dataset: path.join(data, 'manifest.csv'), attribute: 'skin', constraint: 'demographic_parity', replicates: 200,
        });
        assert.ok(outcome, 'the command returned its result');
        const { result, folder, files } = outcome;
        assert.equal(result.fit.split, 'validation');
        assert.equal(result.evaluation.split, 'test');
        assert.equal(result.positiveClass, 'malignant');
        // fairlearn ThresholdOptimizer on the same validation scores (frozen reference).
        const expected = reference.thresholdsDemographicParity;
        close(result.thresholds.xBest, expected.xBest, 'x best');
        for (const [group, rule] of Object.entries(expected.groups)) {
          close(result.thresholds.groups[group].p0, rule.p0, `${group} p0`);
          close(result.thresholds.groups[group].operation0.threshold, rule.threshold0, `${group} threshold 0`);
          close(result.thresholds.groups[group].operation1.threshold, rule.threshold1, `${group} threshold 1`);
        }
        assert.deepEqual(result.mitigated.map((row) => row.relPath), expected.testPaths);
        result.mitigated.forEach((row, i) => close(row.positiveProbability, expected.testPositiveProbability[i], `P(positive) of ${row.relPath}`));
        const selection = result.table.find((row) => row.metric === 'selectionRate');
        close(selection?.before.difference.estimate ?? undefined, expected.testDemographicParityDifferenceBefore, 'demographic parity difference before (fairlearn)');

        // Saved in the report folder, under the dataset's name: the thresholds, the table and the predictions.
        assert.ok(folder.startsWith(reports + path.sep), folder);
        const saved = JSON.parse(await fs.readFile(files.thresholds, 'utf8')) as { thresholds: { xBest: number }; source: string };
        close(saved.thresholds.xBest, expected.xBest, 'x best in thresholds.json');
        assert.equal(saved.source, predictions);
        const table = await fs.readFile(files.table, 'utf8');
        assert.ok(table.includes(`| selection rate | before | `), 'the table has the selection-rate row');
        assert.ok(table.includes(`| ${expected.testDemographicParityDifferenceBefore.toFixed(3)} [`), 'with the difference before');
        assert.equal((await fs.readFile(files.predictions, 'utf8')).trim().split('\n').length, expected.testPaths.length + 1);
        // The table is shown beside the editor (a read-only Markdown preview, or the document).
        const tabs = (): string[] => vscode.window.tabGroups.all.flatMap((group) => group.tabs.map((tab) => tab.label));
        const deadline = Date.now() + 30_000;
        while (!tabs().some((label) => label.includes(path.basename(files.table))) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
        assert.ok(tabs().some((label) => label.includes(path.basename(files.table))), `a tab shows the table (tabs: ${tabs().join(', ')})`);
        // Nothing was written into the dataset.
        assert.deepEqual((await fs.readdir(data)).sort(), ['fairframe.json', 'img', 'manifest.csv']);
        assert.equal((await fs.readdir(path.join(data, 'img'))).length, 160);
      } finally {
        await settings.update('reportFolder', undefined, vscode.ConfigurationTarget.Global);
      }
    });

    it('refuses a folder inside the dataset and writes nothing there', async () => {
      const inside = path.join(data, 'thresholds');
      const outcome = await vscode.commands.executeCommand<MitigateCommandResult | undefined>('fairframe.mitigateThresholds', {
        model: predictions, dataset: path.join(data, 'manifest.csv'), attribute: 'skin', constraint: 'equal_opportunity', replicates: 50, outDir: inside,
      });
      assert.equal(outcome, undefined);
      await assert.rejects(fs.stat(inside));
    });

    it('says what is wrong with an attribute the images do not have, without writing anything', async () => {
      const outDir = path.join(dir, 'never');
      const outcome = await vscode.commands.executeCommand<MitigateCommandResult | undefined>('fairframe.mitigateThresholds', {
        model: predictions, dataset: path.join(data, 'manifest.csv'), attribute: 'age', constraint: 'demographic_parity', replicates: 50, outDir,
      });
      assert.equal(outcome, undefined);
      await assert.rejects(fs.stat(outDir));
    });
  });
}
