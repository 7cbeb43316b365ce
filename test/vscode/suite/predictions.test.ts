// A predictions file in the editor: declared in fairframe.json, it is listed in the Models view and audited like a
// model. Runs last in the trusted pass, and puts fairframe.json back as it found it.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AuditResult } from '../../../src/engine/auditResult';
import type { ModelNode } from '../../../src/extension/modelsTreeProvider';
import { fairframeApi } from './features.test';

function root(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder);
  return folder.uri;
}

function labelOf(item: vscode.TreeItem): string {
  return typeof item.label === 'string' ? item.label : item.label?.label ?? '';
}

async function children<T>(provider: vscode.TreeDataProvider<T>, parent?: T): Promise<Array<{ node: T; item: vscode.TreeItem }>> {
  const nodes = (await provider.getChildren(parent)) ?? [];
  return Promise.all(nodes.map(async (node) => ({ node, item: await provider.getTreeItem(node) })));
}

export function registerPredictionsTests(): void {
  describe('A predictions file declared in fairframe.json', () => {
    const configFile = (): string => path.join(root().fsPath, 'fairframe.json');
    const scoresDir = (): string => path.join(path.dirname(root().fsPath), 'scores');
    let original: string;

    before(async () => {
      original = await fs.readFile(configFile(), 'utf8');
    });

    after(async () => {
      await fs.writeFile(configFile(), original);
      await fs.rm(scoresDir(), { recursive: true, force: true });
      await vscode.commands.executeCommand('fairframe.refresh');
      await (await fairframeApi()).whenIdle();
    });

    it('is listed in the Models view and audited like a model', async () => {
      // Beside the workspace, never inside the dataset: right on cat ×3, dog ×3 (dog_01–03) and dog_05, wrong on
      // bird_01 → 7 of 8 images; dog_06 has no row; one row names no image.
      await fs.mkdir(scoresDir(), { recursive: true });
      const preds = path.join(scoresDir(), 'preds.csv');
      await fs.writeFile(preds, ['path,cat,dog,bird',
        ...['cat_01', 'cat_02', 'cat_03'].map((name) => `images/${name}.png,0.8,0.1,0.1`),
        ...['dog_01', 'dog_02', 'dog_03', 'dog_05'].map((name) => `images/${name}.png,0.1,0.8,0.1`),
        'images/bird_01.png,0.7,0.2,0.1',
        'images/nothere.png,0.3,0.3,0.4'].join('\n') + '\n');
      const config = JSON.parse(original) as Record<string, unknown>;
      await fs.writeFile(configFile(), JSON.stringify({ ...config, models: [{ predictions: '../scores/preds.csv' }] }, null, 2));
      await vscode.commands.executeCommand('fairframe.refresh');
      const api = await fairframeApi();
      await api.whenIdle();
      const entry = api.store.models().find((model) => model.file === preds);
      assert.ok(entry, `listed: ${api.store.models().map((model) => model.file).join(', ')}`);
      assert.equal(entry.predictions, true);
      const node = (await children(api.models)).find((child) => labelOf(child.item) === 'preds.csv');
      assert.ok(node);
      assert.match(String(node.item.description), /^predictions file/);

      const result = await vscode.commands.executeCommand<AuditResult | undefined>('fairframe.auditModel', vscode.Uri.file(preds), 'workspace');
      const audit = result?.models.find((model) => model.model.file === preds);
      assert.equal(audit?.status, 'ok', audit?.reason);
      assert.equal(audit?.overall?.accuracy.estimate, 7 / 8);
      assert.equal(audit?.predictionsFile?.unmatchedRows, 1);
      const details = await children<ModelNode>(api.models, node.node);
      const byLabel = new Map(details.map((child) => [labelOf(child.item), child.item]));
      assert.equal(byLabel.get('Scores')?.description, 'a probability per class');
      assert.equal(byLabel.get('Explanations, robustness')?.description, 'need the model');
      assert.match(String(byLabel.get('On workspace')?.description), /^accuracy 87\.5%/);
    });
  });
}
