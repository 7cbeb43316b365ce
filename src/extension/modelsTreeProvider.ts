// The Models view: model → inputs, outputs, labels, preprocessing, and the headline numbers of its latest audits.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Interval, LabelIssue, LabelIssueSummary } from '../engine/modelAudit/modelAuditTypes';
import type { PreprocessSpec, TensorInfo } from '../engine/model/modelTypes';
import type { AuditStore, ModelEntry, ModelResult } from './auditStore';
import type { RunHistory } from './runHistory';

/** A node of the Models view. */
export type ModelNode =
  | { kind: 'model'; model: ModelEntry }
  | { kind: 'detail'; id: string; label: string; description?: string; tooltip?: string; icon: string; color?: string; children?: ModelNode[] }
  | { kind: 'audit'; model: ModelEntry; result: ModelResult }
  | { kind: 'image'; id: string; file: string; label: string; description: string };

/** "80.0% [40.0%, 100.0%]" for a rate with its interval. */
export function formatRate(interval: Interval | undefined): string {
  if (!interval || interval.estimate === null) return 'undefined';
  const percent = (value: number | null): string => (value === null ? '?' : `${(value * 100).toFixed(1)}%`);
  return interval.lower === null || interval.upper === null ? percent(interval.estimate) : `${percent(interval.estimate)} [${percent(interval.lower)}, ${percent(interval.upper)}]`;
}

function tensorText(tensor: TensorInfo): string {
  return `${tensor.elementType} [${tensor.shape.map((dim) => (dim === null ? '?' : String(dim))).join('×')}]`;
}

function preprocessText(preprocess: Partial<PreprocessSpec>): string {
  const parts: string[] = [];
  if (preprocess.width && preprocess.height) parts.push(`${preprocess.width}×${preprocess.height}`);
  if (preprocess.resize) parts.push(preprocess.resize);
  if (preprocess.layout) parts.push(preprocess.layout);
  if (preprocess.channelOrder) parts.push(preprocess.channelOrder);
  if (preprocess.scale !== undefined) parts.push(`scale ${Number(preprocess.scale.toPrecision(4))}`);
  if (preprocess.mean) parts.push(`mean [${preprocess.mean.join(', ')}]`);
  if (preprocess.std) parts.push(`std [${preprocess.std.join(', ')}]`);
  return parts.join(', ') || 'not declared';
}

/** Lists the workspace's models and what their latest audits measured. */
export class ModelsTreeProvider implements vscode.TreeDataProvider<ModelNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ModelNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  private readonly historySubscription: vscode.Disposable | undefined;

  constructor(private readonly store: AuditStore, private readonly imageTooltip: (file: string) => Promise<vscode.MarkdownString>, private readonly history?: RunHistory) {
    this.subscription = store.onDidChange(() => this.refresh());
    this.historySubscription = history?.onDidChange(() => this.refresh());
  }

  /** Re-reads the whole view. */
  refresh(): void {
    this.changed.fire(undefined);
  }

  getChildren(node?: ModelNode): ModelNode[] {
    if (!node) return this.store.models().map((model) => ({ kind: 'model', model }));
    switch (node.kind) {
      case 'model':
        return this.modelChildren(node.model);
      case 'audit':
        return this.auditChildren(node.model, node.result);
      case 'detail':
        return node.children ?? [];
      case 'image':
        return [];
    }
  }

  getTreeItem(node: ModelNode): vscode.TreeItem {
    switch (node.kind) {
      case 'model': {
        const item = new vscode.TreeItem(path.basename(node.model.file), vscode.TreeItemCollapsibleState.Expanded);
        item.id = `model:${node.model.file}`;
        item.contextValue = 'model';
        item.resourceUri = vscode.Uri.file(node.model.file);
        item.iconPath = node.model.error ? new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground')) : new vscode.ThemeIcon(node.model.predictions ? 'table' : 'circuit-board');
        item.description = node.model.predictions
          ? `predictions file · ${path.relative(node.model.folder, node.model.file)}`
          : node.model.info ? `${formatBytes(node.model.info.bytes)} · opset ${node.model.info.opsets.find((opset) => opset.domain === '')?.version ?? '?'}` : path.relative(node.model.folder, node.model.file);
        item.tooltip = node.model.error ?? node.model.file;
        return item;
      }
      case 'audit': {
        const { audit } = node.result;
        const item = new vscode.TreeItem(`On ${audit.dataset}${audit.split ? ` (${audit.split})` : ''}`, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `model:${node.model.file}:audit:${audit.dataset}`;
        item.contextValue = 'modelAudit';
        if (node.result.stale) {
          item.description = `${audit.status === 'ok' && audit.overall ? `accuracy ${formatRate(audit.overall.accuracy)} · ` : ''}stale`;
          item.tooltip = `Stale: ${node.result.stale.reason}.`;
          item.iconPath = new vscode.ThemeIcon('history', new vscode.ThemeColor('list.warningForeground'));
          item.contextValue = 'modelAuditStale';
        } else if (audit.status === 'ok' && audit.overall) {
          item.description = `accuracy ${formatRate(audit.overall.accuracy)}`;
          item.iconPath = new vscode.ThemeIcon('graph');
        } else {
          item.description = 'not audited';
          item.tooltip = audit.reason;
          item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
        }
        return item;
      }
      case 'detail': {
        const item = new vscode.TreeItem(node.label, node.children?.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.description = node.description;
        item.tooltip = node.tooltip ?? (node.description ? `${node.label}: ${node.description}` : node.label);
        item.iconPath = new vscode.ThemeIcon(node.icon, node.color ? new vscode.ThemeColor(node.color) : undefined);
        return item;
      }
      case 'image': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.description = node.description;
        item.resourceUri = vscode.Uri.file(node.file);
        item.iconPath = new vscode.ThemeIcon('file-media');
        item.contextValue = 'image';
        item.command = { command: 'vscode.open', title: 'Open Image', arguments: [vscode.Uri.file(node.file)] };
        return item;
      }
    }
  }

  /** The image items get the image hover as their tooltip, made when the item is first hovered. */
  async resolveTreeItem(item: vscode.TreeItem, node: ModelNode): Promise<vscode.TreeItem> {
    if (node.kind === 'image') item.tooltip = await this.imageTooltip(node.file);
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.historySubscription?.dispose();
    this.changed.dispose();
  }

  private modelChildren(model: ModelEntry): ModelNode[] {
    const id = `model:${model.file}`;
    const latest = this.store.modelResultsOf(model.file);
    const usage = latest.find((entry) => entry.audit.usage)?.audit.usage;
    const info = latest.find((entry) => entry.audit.model.inputs.length > 0)?.audit.model ?? model.info;
    const nodes: ModelNode[] = [];
    if (model.error) nodes.push({ kind: 'detail', id: `${id}:error`, label: 'Cannot be inspected', description: model.error, icon: 'error', color: 'list.errorForeground' });
    if (model.predictions) return [...nodes, ...this.predictionsChildren(model, id, latest)];
    if (info) {
      nodes.push({ kind: 'detail', id: `${id}:inputs`, label: 'Inputs', description: `${info.inputs.length}`, icon: 'arrow-right',
        children: info.inputs.map((tensor) => ({ kind: 'detail', id: `${id}:input:${tensor.name}`, label: tensor.name, description: tensorText(tensor), icon: 'symbol-field' })) });
      nodes.push({ kind: 'detail', id: `${id}:outputs`, label: 'Outputs', description: `${info.outputs.length}`, icon: 'arrow-left',
        children: info.outputs.map((tensor) => ({ kind: 'detail', id: `${id}:output:${tensor.name}`, label: tensor.name, description: tensorText(tensor), icon: 'symbol-field' })) });
    } else if (!model.error) {
      nodes.push({ kind: 'detail', id: `${id}:large`, label: 'Inputs and outputs', description: 'shown after the first audit (large model)', icon: 'info' });
    }
    const labels = usage?.classNames ?? model.labels;
    nodes.push({ kind: 'detail', id: `${id}:labels`, label: 'Labels', description: labels ? labels.join(', ') : 'not declared (taken from the dataset)', icon: 'tag',
      tooltip: labels ? `${labels.length} labels${model.describedBy ? `, from ${model.describedBy}` : ''}` : undefined });
    const preprocess = usage?.preprocess ?? model.preprocess;
    nodes.push({ kind: 'detail', id: `${id}:preprocess`, label: 'Preprocessing', description: preprocess ? preprocessText(preprocess) : 'not declared (defaults are assumed)', icon: 'settings-gear' });
    for (const result of latest) nodes.push({ kind: 'audit', model, result });
    const history = this.historyNode(model);
    if (history) nodes.push(history);
    return nodes;
  }

  /** The recorded runs of the model, newest first: accuracy with its interval, the largest failing gap, the model's hash. */
  private historyNode(model: ModelEntry): ModelNode | undefined {
    const runs = this.history?.forModel(model.file) ?? [];
    if (runs.length === 0) return undefined;
    const id = `model:${model.file}:history`;
    return {
      kind: 'detail', id, label: 'History', description: `${runs.length} recorded run${runs.length === 1 ? '' : 's'}`, icon: 'history',
      tooltip: 'Recorded audits of this model (the run store); compare two with `fairframe diff` or the dashboard\'s Runs section.',
      children: [...runs].reverse().map(({ run, index }) => {
        const audit = run.result.models[index];
        const worst = (audit.groups ?? []).flatMap((group) => group.fairness.filter((f) => f.rule === 'FF-M010' && f.value !== null).map((f) => ({ group: group.name, value: f.value as number })))
          .sort((a, b) => b.value - a.value)[0];
        const parts = [
          audit.status === 'ok' && audit.overall ? `accuracy ${formatRate(audit.overall.accuracy)}` : 'not audited',
          worst ? `accuracy gap by ${worst.group} ${worst.value.toFixed(3)}` : '',
          `model ${audit.model.sha256.slice(0, 8)}`,
        ].filter(Boolean);
        return {
          kind: 'detail', id: `${id}:${run.id}:${index}`, label: `${run.recordedAt.slice(0, 16).replace('T', ' ')}${run.label ? ` · ${run.label}` : ''}`,
          description: parts.join(' · '), icon: 'circle-small-filled',
          tooltip: `Run ${run.id} (${run.source}) on ${audit.dataset}${run.git ? `, commit ${run.git.commit.slice(0, 10)}` : ''}: ${parts.join(', ')}`,
        } satisfies ModelNode;
      }),
    };
  }

  /** A predictions file: what it gives (from its latest audit), its classes, and what needs the model itself. */
  private predictionsChildren(model: ModelEntry, id: string, latest: ModelResult[]): ModelNode[] {
    const summary = latest.find((entry) => entry.audit.predictionsFile)?.audit.predictionsFile;
    const scores = summary ? { probabilities: 'a probability per class', logits: 'a logit per class (softmax applied)', labels: 'predicted labels only' }[summary.scoreKind] : 'read when audited';
    const labels = latest.find((entry) => entry.audit.usage)?.audit.usage?.classNames ?? latest.find((entry) => entry.audit.overall)?.audit.overall?.perClass.map((row) => row.class) ?? model.labels;
    const nodes: ModelNode[] = [
      { kind: 'detail', id: `${id}:scores`, label: 'Scores', description: scores, icon: 'table',
        tooltip: summary ? `${summary.rows} rows read, ${summary.invalidRows} skipped, ${summary.unmatchedRows} naming no image, ${summary.imagesWithoutPrediction} images without a row` : undefined },
      { kind: 'detail', id: `${id}:labels`, label: 'Labels', description: labels ? labels.join(', ') : 'from the file\'s columns', icon: 'tag' },
      { kind: 'detail', id: `${id}:needsModel`, label: 'Explanations, robustness', description: 'need the model', icon: 'info',
        tooltip: summary?.scoreKind === 'labels' ? 'Explanations, embedding duplicates and robustness need the model; calibration, AUC and label issues need a probability per class.' : 'Explanations, embedding duplicates and robustness need the model.' },
    ];
    for (const result of latest) nodes.push({ kind: 'audit', model, result });
    return nodes;
  }

  private auditChildren(model: ModelEntry, result: ModelResult): ModelNode[] {
    const { audit } = result;
    const id = `model:${model.file}:audit:${audit.dataset}`;
    const staleNodes: ModelNode[] = result.stale
      ? [{ kind: 'detail', id: `${id}:stale`, label: 'Stale', description: result.stale.reason, icon: 'history', color: 'list.warningForeground' }]
      : [];
    if (audit.status !== 'ok' || !audit.overall) {
      return [...staleNodes, { kind: 'detail', id: `${id}:reason`, label: 'Not audited', description: audit.reason, icon: 'error', color: 'list.errorForeground' }];
    }
    const nodes: ModelNode[] = [
      ...staleNodes,
      { kind: 'detail', id: `${id}:accuracy`, label: 'Accuracy', description: formatRate(audit.overall.accuracy), icon: 'target', tooltip: `Accuracy on ${audit.overall.images} images, with its ${Math.round((audit.overall.accuracy.level ?? 0.95) * 100)}% bootstrap interval` },
      { kind: 'detail', id: `${id}:balanced`, label: 'Balanced accuracy', description: formatRate(audit.overall.balancedAccuracy), icon: 'target' },
    ];
    for (const group of audit.groups ?? []) {
      const failed = group.fairness.filter((figure) => figure.passed === false).length;
      nodes.push({
        kind: 'detail', id: `${id}:group:${group.name}`, label: `Worst group by ${group.name}`,
        description: group.worstGroup ? `${group.worstGroup.group}: ${formatRate(group.worstGroup.accuracy)}${failed ? ` · ${failed} fairness checks fail` : ''}` : 'groups too small to rank',
        icon: failed ? 'warning' : 'person', color: failed ? 'list.warningForeground' : undefined,
      });
    }
    const summary = audit.labelIssues;
    if (summary) {
      const issues: LabelIssue[] = summary.issues;
      nodes.push({
        kind: 'detail', id: `${id}:labelIssues`, label: 'Likely mislabelled', description: labelIssueDescription(summary), icon: summary.flagged ? 'warning' : 'pass',
        color: summary.flagged ? 'list.warningForeground' : undefined,
        tooltip: labelIssueTooltip(summary),
        children: issues.slice(0, 100).map((issue) => ({
          kind: 'image', id: `${id}:issue:${issue.relPath}`, file: path.resolve(result.datasetRoot, issue.relPath), label: issue.relPath,
          description: `#${issue.rank} '${issue.givenLabel}' → '${issue.suggestedLabel}'`,
        })),
      });
    }
    return nodes;
  }
}

/** "12 of 400 flagged · top 5 in Problems": the flagged count (LabelIssueSummary.flagged, as in the report and the
 * dashboard) and how many of them are findings of their own (FF-M020), so no view shows another figure for the same fact. */
export function labelIssueDescription(summary: LabelIssueSummary): string {
  if (summary.flagged === 0) return `none of ${summary.audited} flagged`;
  return `${summary.flagged} of ${summary.audited} flagged · top ${summary.perImage.count} in Problems`;
}

function labelIssueTooltip(summary: LabelIssueSummary): string {
  return `Confident learning flags ${summary.flagged} of ${summary.audited} images as probably mislabelled. The top ${summary.perImage.count} of the ranking `
    + `are findings of their own (FF-M020, ${summary.perImage.severity}); the rest are in the ranked list of the dashboard and the report.`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
