// Quick fixes on Fairframe diagnostics. They never edit the user's data: a label typo between the model and the
// dataset becomes a `labelMap` entry in fairframe.json (a WorkspaceEdit the user applies), and an imbalance or
// association finding offers to export reweighing weights.
import * as path from 'node:path';
import { readGuardedText } from '../engine/io/guardedFile';
import * as vscode from 'vscode';
import { canCompare } from './compareFinding';
import type { FairframeConfig } from '../engine/config/configTypes';
import { FOLDER_FINDINGS_SCHEME, type AuditDiagnostics } from './auditDiagnostics';
import type { AuditStore, ModelResult, StoredFinding } from './auditStore';
import { datasetKey } from './auditStore';
import { hostEngine } from './lazyHostEngine';

/** A labelMap entry to add: model label → dataset label. */
export interface LabelMapSuggestion {
  modelFile: string;
  modelLabel: string;
  datasetLabel: string;
}

/** Levenshtein distance (insert, delete, substitute), for label typos. */
export function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j];
      previous[j] = Math.min(previous[j] + 1, previous[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length];
}

function normalise(label: string): string {
  return label.trim().toLowerCase().replace(/[\s_-]+/g, ' ');
}

/**
 * labelMap entries for dataset labels the model does not predict (`unknown`) that are a small typo (edit distance ≤ 2
 * after ignoring case and separators, and under half the length) of a model class no image carries.
 */
export function suggestLabelMap(result: ModelResult, unknown: string[], datasetClasses: string[]): LabelMapSuggestion[] {
  const usage = result.audit.usage;
  if (!usage) return [];
  const present = new Set(datasetClasses);
  const suggestions: LabelMapSuggestion[] = [];
  const taken = new Set<number>();
  for (const datasetLabel of unknown) {
    let best: { index: number; distance: number } | undefined;
    usage.classNames.forEach((name, index) => {
      if (present.has(name) || taken.has(index)) return;
      const distance = editDistance(normalise(name), normalise(datasetLabel));
      if (distance <= 2 && distance * 2 < Math.max(name.length, datasetLabel.length) && (!best || distance < best.distance)) best = { index, distance };
    });
    if (best) {
      taken.add(best.index);
      suggestions.push({ modelFile: result.audit.model.file, modelLabel: usage.labels[best.index], datasetLabel });
    }
  }
  return suggestions;
}

/** The edit that adds `suggestion` to the model's entry in `configFile` (creating the entry, or the file). */
export async function labelMapEdit(configFile: string, suggestion: LabelMapSuggestion): Promise<vscode.WorkspaceEdit> {
  const uri = vscode.Uri.file(configFile);
  const edit = new vscode.WorkspaceEdit();
  let text: string | undefined;
  const open = vscode.workspace.textDocuments.find((document) => document.uri.fsPath === configFile);
  if (open) text = open.getText();
  else text = await readGuardedText(configFile, 'config').catch(() => undefined);
  const config = (text?.trim() ? JSON.parse(text.replace(/^\uFEFF/, '')) : {}) as FairframeConfig;
  const folder = path.dirname(configFile);
  const relative = path.relative(folder, suggestion.modelFile).split(path.sep).join('/');
  config.models ??= [];
  let entry = config.models.find((model) => model.path !== undefined && path.resolve(folder, model.path) === path.resolve(suggestion.modelFile));
  if (!entry) config.models.push((entry = { path: relative }));
  entry.labelMap = { ...(entry.labelMap ?? {}), [suggestion.modelLabel]: suggestion.datasetLabel };
  const updated = `${JSON.stringify(config, null, 2)}\n`;
  if (text === undefined) {
    edit.createFile(uri, { ignoreIfExists: true });
    edit.insert(uri, new vscode.Position(0, 0), updated);
  } else {
    const lines = text.split('\n');
    edit.replace(uri, new vscode.Range(0, 0, lines.length, 0), updated);
  }
  return edit;
}

/** Offers the quick fixes for the Fairframe diagnostics in range. */
export class FairframeCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly store: AuditStore, private readonly diagnostics: AuditDiagnostics) {}

  async provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): Promise<vscode.CodeAction[]> {
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== 'Fairframe') continue;
      const stored = this.diagnostics.finding(document.uri, diagnostic);
      if (!stored) continue;
      const { finding } = stored;
      if (document.uri.scheme === FOLDER_FINDINGS_SCHEME) {
        const action = new vscode.CodeAction('Show this finding in the dashboard', vscode.CodeActionKind.QuickFix);
        action.diagnostics = [diagnostic];
        action.command = { command: 'fairframe.openDashboard', title: 'Open Dashboard', arguments: [finding] };
        actions.push(action);
      }
      if (canCompare(finding)) {
        const action = new vscode.CodeAction('Compare the images of this finding side by side', vscode.CodeActionKind.QuickFix);
        action.diagnostics = [diagnostic];
        action.command = { command: 'fairframe.compareFinding', title: 'Compare Images', arguments: [finding] };
        actions.push(action);
      }
      if (finding.rule === 'FF-M002' || finding.rule === 'FF-D016') {
        for (const { suggestion, configFile } of this.labelMapSuggestions(stored)) {
          const action = new vscode.CodeAction(
            `Map model label '${suggestion.modelLabel}' to '${suggestion.datasetLabel}' in fairframe.json (${path.basename(suggestion.modelFile)})`,
            vscode.CodeActionKind.QuickFix);
          action.diagnostics = [diagnostic];
          action.edit = await labelMapEdit(configFile, suggestion);
          action.isPreferred = true;
          actions.push(action);
        }
      }
      if (finding.rule === 'FF-D003' || finding.rule === 'FF-D006') {
        const attribute = typeof finding.evidence.attribute === 'string' ? finding.evidence.attribute : undefined;
        const dataset = this.store.datasets().find((entry) => entry.name === finding.dataset && this.store.datasetResult(entry)?.findings.includes(finding));
        if (attribute && dataset) {
          const action = new vscode.CodeAction(`Export reweighing weights for '${attribute}'…`, vscode.CodeActionKind.QuickFix);
          action.diagnostics = [diagnostic];
          action.command = { command: 'fairframe.exportReweighing', title: 'Export Reweighing Weights', arguments: [{ kind: 'dataset', dataset }, [attribute]] };
          actions.push(action);
        }
      }
    }
    return actions;
  }

  /** labelMap fixes for an FF-M002 (labels unknown to the model) or FF-D016 (label spellings) finding. */
  labelMapSuggestions(stored: StoredFinding): Array<{ suggestion: LabelMapSuggestion; configFile: string }> {
    const { finding } = stored;
    const dataset = this.store.datasets().find((entry) => entry.name === finding.dataset);
    if (!dataset) return [];
    const audited = this.store.datasetResult(dataset);
    const classes = Object.keys(audited?.audit.classes ?? {});
    const configFile = audited?.origin.config.file ?? path.join(dataset.folder, hostEngine().CONFIG_FILE_NAME);
    const key = datasetKey(dataset);
    let models = this.store.modelAudits().filter((entry) => entry.datasetKey === key && entry.audit.status === 'ok');
    let unknown: string[];
    if (finding.rule === 'FF-M002') {
      const modelFile = typeof finding.evidence.model === 'string' ? path.resolve(finding.evidence.model) : '';
      models = models.filter((entry) => path.resolve(entry.audit.model.file) === modelFile);
      unknown = Object.keys((finding.evidence.unknown as Record<string, number> | undefined) ?? {});
    } else {
      unknown = ((finding.evidence.spellings as Array<{ label: string }> | undefined) ?? []).map((spelling) => spelling.label);
    }
    return models.flatMap((entry) => {
      const notPredicted = unknown.filter((label) => !entry.audit.usage?.classNames.includes(label));
      return suggestLabelMap(entry, notPredicted, classes).map((suggestion) => ({ suggestion, configFile }));
    });
  }
}
