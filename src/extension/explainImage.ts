// "Explain Image": every configured method's saliency map of one image, with its faithfulness, computed in the worker
// and shown side by side in the dashboard's Explanation section. Also what the dashboard uses when a gallery image's
// Explain button is pressed.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExplanationMethodResult } from '../../webview/protocol';
import type { ExplainMethod } from '../engine/explain/explainTypes';
import { FairframeError } from '../engine/errors';
import { extensionOf, IMAGE_EXTENSIONS } from '../engine/dataset/imageExtensions';
import type { AuditRunner } from './auditRunner';
import type { AuditStore, ModelEntry, StoreSelection } from './auditStore';
import type { DashboardPanel, ExplainTarget, ExplanationSource } from './dashboardPanel';
import { explainSettings } from './explainSettings';
import { explainMethods } from './fairframeSettings';
import type { RecordIndex } from './recordIndex';
import type { ThumbnailCache } from './thumbnailCache';

/** Longest side of the overlays and of the original image in the Explanation section. */
const EXPLANATION_SIZE = 224;

/** Computes explanations for the dashboard through the audit worker. */
export class WorkerExplanationSource implements ExplanationSource {
  constructor(
    private readonly runner: AuditRunner,
    private readonly store: AuditStore,
    private readonly thumbnails: ThumbnailCache,
  ) {}

  methods(): ExplainMethod[] {
    return explainMethods();
  }

  async explainMethod(request: { file: string; model: string; method: string; signal: AbortSignal }): Promise<Omit<ExplanationMethodResult, 'id'>> {
    try {
      const reply = await this.runner.explainImage({
        model: request.model,
        image: request.file,
        method: request.method as ExplainMethod,
        size: EXPLANATION_SIZE,
        faithfulness: true,
        ...explainSettings(this.store, request.model),
      }, request.signal);
      return {
        method: request.method,
        status: 'ok',
        usedMethod: reply.method,
        fallbackReason: reply.fallbackReason,
        className: reply.className,
        probability: reply.probability,
        overlay: `data:image/png;base64,${reply.pngBase64}`,
        deletionAuc: reply.faithfulness?.deletionAuc,
        insertionAuc: reply.faithfulness?.insertionAuc,
        randomDeletionAuc: reply.faithfulness?.randomDeletionAuc,
        randomInsertionAuc: reply.faithfulness?.randomInsertionAuc,
        milliseconds: reply.milliseconds,
        fromCache: reply.fromCache,
      };
    } catch (error) {
      return { method: request.method, status: 'failed', error: error instanceof Error ? error.message : String(error) };
    }
  }

  async image(file: string): Promise<string | undefined> {
    return (await this.thumbnails.make(file, EXPLANATION_SIZE))?.dataUri;
  }
}

/** True for a path with an image extension. */
function isImagePath(file: string): boolean {
  return IMAGE_EXTENSIONS.has(extensionOf(file));
}

/** The image a command argument names: a URI, a path or a Models-view image item, else the active tab's image. */
function imageOfArgument(argument: unknown): string | undefined {
  if (typeof argument === 'string' && argument) return path.resolve(argument);
  if (argument instanceof vscode.Uri) return argument.scheme === 'file' ? argument.fsPath : undefined;
  if (typeof argument === 'object' && argument !== null && (argument as { kind?: unknown }).kind === 'image' && typeof (argument as { file?: unknown }).file === 'string') {
    return (argument as { file: string }).file;
  }
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  const uri = input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText ? input.uri : undefined;
  return uri?.scheme === 'file' && isImagePath(uri.fsPath) ? uri.fsPath : undefined;
}

/** True when `file` lies inside `root`. */
function inside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** What to explain an image with, and how to title it. */
export interface ExplainPlan extends ExplainTarget {
  /** Where the model choice came from. */
  modelSource: 'argument' | 'audit' | 'workspace';
  /** The audit of the image's dataset the model choice came from, for the dashboard to show. */
  selection?: StoreSelection;
}

/** Picks the model: the one named, else the latest successful audit of the image's dataset, else the workspace's models. */
export async function planExplanation(file: string, store: AuditStore, records: RecordIndex, modelArgument?: unknown): Promise<ExplainPlan | undefined> {
  await records.ensure().catch(() => undefined);
  const indexed = records.lookup(file);
  const audited = store.modelAudits()
    .filter((entry) => entry.audit.status === 'ok')
    .filter((entry) => inside(entry.datasetRoot, file));
  const datasetAudit = audited.at(-1);
  const root = datasetAudit?.datasetRoot ?? indexed?.dataset.root;
  const relPath = root && inside(root, file) ? path.relative(root, file).split(path.sep).join('/') : undefined;
  const base: Omit<ExplainTarget, 'model'> = {
    file,
    title: relPath ?? path.basename(file),
    dataset: datasetAudit?.audit.dataset ?? indexed?.dataset.name,
    relPath,
    label: indexed?.record.label,
  };
  const named = typeof modelArgument === 'string' ? path.resolve(modelArgument) : modelArgument instanceof vscode.Uri ? modelArgument.fsPath : undefined;
  if (named) return { ...base, model: named, modelSource: 'argument' };
  if (datasetAudit) return { ...base, model: datasetAudit.audit.model.file, modelSource: 'audit', selection: { datasetKey: datasetAudit.datasetKey, modelKey: datasetAudit.key } };
  const candidates = store.models().filter((model) => model.info !== undefined && model.error === undefined);
  const model = candidates.length === 1 ? candidates[0] : await pickModel(candidates);
  return model ? { ...base, model: model.file, modelSource: 'workspace' } : undefined;
}

async function pickModel(models: ModelEntry[]): Promise<ModelEntry | undefined> {
  if (models.length === 0) {
    throw new FairframeError('bad-config', 'There is no ONNX model in this workspace to explain the image with. Add a .onnx file (or audit a model on the image\'s dataset) and try again.');
  }
  const picked = await vscode.window.showQuickPick(
    models.map((model) => ({ label: path.basename(model.file), description: vscode.workspace.asRelativePath(model.file), model })),
    { title: 'Fairframe: explain the image with which model?', placeHolder: 'An ONNX image classifier' },
  );
  return picked?.model;
}

/** What the Explain Image command needs. */
export interface ExplainCommandServices {
  store: AuditStore;
  records: RecordIndex;
  runner: AuditRunner;
  /** Opens (or reveals, keeping what it shows) the dashboard; a new panel opens on `selection`. */
  openDashboard(selection?: StoreSelection): DashboardPanel;
}

/** The results the command resolves to (for tests and other commands): one per method, in order. */
export interface ExplainCommandResult {
  file: string;
  model: string;
  modelSource: ExplainPlan['modelSource'];
  id: number;
  results: ExplanationMethodResult[];
}

/** Registers `fairframe.explainImage` (palette, explorer and editor-title menus on image files). */
export function registerExplainImage(services: ExplainCommandServices): vscode.Disposable {
  return vscode.commands.registerCommand('fairframe.explainImage', async (argument?: unknown, modelArgument?: unknown): Promise<ExplainCommandResult | undefined> => {
    try {
      if (!vscode.workspace.isTrusted) {
        void vscode.window.showWarningMessage('Fairframe: models are not run in a restricted (untrusted) workspace. Trust the workspace (Manage Workspace Trust) to explain an image.');
        return undefined;
      }
      let file = imageOfArgument(argument);
      if (!file) {
        const picked = await vscode.window.showOpenDialog({
          canSelectFiles: true, canSelectMany: false, openLabel: 'Explain', title: 'Fairframe: pick an image to explain',
          defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri, filters: { Images: [...IMAGE_EXTENSIONS] },
        });
        file = picked?.[0]?.fsPath;
      }
      if (!file) return undefined;
      if (!isImagePath(file)) throw new FairframeError('bad-image', `'${path.basename(file)}' is not an image file Fairframe reads (${[...IMAGE_EXTENSIONS].join(', ')}).`);
      const plan = await planExplanation(file, services.store, services.records, modelArgument);
      if (!plan) return undefined;
      const panel = services.openDashboard(plan.selection);
      const started = panel.explainImage(plan);
      const results = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Fairframe: explaining ${path.basename(file)} with ${path.basename(plan.model)}`, cancellable: true },
        async (progress, token) => {
          const cancel = token.onCancellationRequested(() => panel.cancelExplanation(started.id));
          const step = 100 / Math.max(1, started.methods.length);
          const listener = panel.onDidExplainMethod((result) => {
            if (result.id === started.id) progress.report({ increment: step, message: `${result.method} ${result.status === 'ok' ? 'done' : 'failed'}` });
          });
          try {
            return await started.done;
          } finally {
            cancel.dispose();
            listener.dispose();
          }
        },
      );
      return { file, model: plan.model, modelSource: plan.modelSource, id: started.id, results };
    } catch (error) {
      services.runner.report(error, 'Explain Image');
      return undefined;
    }
  });
}
