// Extension entry. Activation only registers things; discovery, the automatic dataset audit and the worker start
// afterwards, so activation stays fast.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { registerAuditCommands } from './auditCommands';
import { registerExportCommands } from './exportCommands';
import { AuditDiagnostics, FOLDER_FINDINGS_SCHEME } from './auditDiagnostics';
import { AuditRunner } from './auditRunner';
import { AuditStatusBar } from './auditStatusBar';
import { AuditStore, type StoreSelection } from './auditStore';
import { DashboardPanel, openDashboard, registerDashboard } from './dashboardPanel';
import { resolveDashboardTarget } from './dashboardTarget';
import { registerCompareCommand } from './compareCommand';
import { registerShiftCommand } from './shiftCommand';
import { registerMitigateCommand } from './mitigateCommand';
import { DatasetsTreeProvider } from './datasetsTreeProvider';
import { registerExplainImage, WorkerExplanationSource } from './explainImage';
import { FairframeCodeActions } from './fairframeCodeActions';
import { FairframeOutput } from './fairframeOutput';
import { cacheRoot } from './fairframeSettings';
import { FindingsTreeProvider } from './findingsTreeProvider';
import { IMAGE_PATH_DOCUMENTS, ImageHoverContent, ImageHoverProvider, type OverlayProvider } from './imageHoverProvider';
import { ModelsTreeProvider } from './modelsTreeProvider';
import { RecordIndex } from './recordIndex';
import { FolderResultsCopies, StorePersistence, type RestoreOutcome } from './storePersistence';
import { ThumbnailCache } from './thumbnailCache';
import { RunHistory } from './runHistory';
import { WorkspaceDiscovery, workspaceFolderPaths } from './workspaceDiscovery';

/** What `activate` returns: the views' providers and hooks for tests and for other parts of Fairframe. */
export interface FairframeApi {
  store: AuditStore;
  datasets: DatasetsTreeProvider;
  models: ModelsTreeProvider;
  findings: FindingsTreeProvider;
  codeActions: FairframeCodeActions;
  /** Resolves when discovery and the automatic dataset audit have finished. */
  whenIdle(): Promise<void>;
  /** Resolves when the background work of earlier hovers (thumbnails, records) is done. */
  hoversSettled(): Promise<void>;
  /** Registers the explanation overlay shown in image hovers. */
  setOverlayProvider(provider: OverlayProvider): vscode.Disposable;
  /** The open dashboard panel, if any (for tests: what it rendered, and when). */
  dashboard(): DashboardPanel | undefined;
  /** The status bar's counts (the store's, as in the Problems panel). */
  statusBar: AuditStatusBar;
  /** Resolves once the results saved in the workspace storage were read back (or there were none). */
  whenRestored(): Promise<RestoreOutcome>;
  /** Fires when an audit starts (it can be cancelled from then on). */
  onDidStartAudit: vscode.Event<{ target: string; models: string[] }>;
  /** Resolves once the Problems panel shows the store's latest state (manifest rows' ranges included). */
  diagnosticsSettled(): Promise<void>;
  /** Saves the store now (it is otherwise saved a moment after each change); resolves once written. */
  saveResults(): Promise<void>;
}

/** Called by VS Code when a Fairframe view or command is used or a workspace with a dataset or model opens. */
export function activate(context: vscode.ExtensionContext): FairframeApi {
  const output = new FairframeOutput();
  const readme = vscode.Uri.joinPath(context.extensionUri, 'README.md');
  const store = new AuditStore();
  const diagnostics = new AuditDiagnostics(store, (rule) => readme.with({ fragment: rule.toLowerCase() }));
  const statusBar = new AuditStatusBar(store);
  // The store is saved in this workspace's storage (never in a dataset) and read back on activation.
  const storageLog = { error: (what: string, error: unknown) => output.error(what, error), info: (message: string) => output.log.info(message) };
  // A copy per workspace folder in the global storage brings a folder's results back when the window's identity
  // changes (a second folder added makes it a multi-root workspace, with a new workspace storage).
  const copies = new FolderResultsCopies(store, path.join(context.globalStorageUri.fsPath, 'audit-results'), storageLog);
  const persistence = context.storageUri
    ? new StorePersistence(store, context.storageUri.fsPath, storageLog, 1000, { copies, folders: workspaceFolderPaths })
    : undefined;
  const runner = new AuditRunner(context, output, store, statusBar);
  const discovery = new WorkspaceDiscovery(context, store, runner, output);
  const records = new RecordIndex(store, (context, error) => output.error(context, error));
  const thumbnails = new ThumbnailCache(() => path.join(cacheRoot(context), 'thumbnails'));
  const hoverContent = new ImageHoverContent(store, records, thumbnails);
  const datasets = new DatasetsTreeProvider(store);
  const history = new RunHistory(workspaceFolderPaths, output.log);
  const models = new ModelsTreeProvider(store, (file) => hoverContent.markdown(file), history);
  const findings = new FindingsTreeProvider(store);
  const codeActions = new FairframeCodeActions(store, diagnostics);
  // The dashboard's selection while it is the active editor: what its title-bar commands act on.
  const activeDashboardSelection = (): StoreSelection | undefined => (DashboardPanel.currentPanel?.panel.active ? DashboardPanel.currentPanel.selection : undefined);
  context.subscriptions.push(
    output, store, diagnostics, statusBar, runner, discovery, records, datasets, models, findings, history, ...(persistence ? [persistence] : []),
    runner.onDidRecordRun((run) => history.add(run)),
    vscode.workspace.onDidChangeWorkspaceFolders(() => void history.reload()),
    vscode.window.createTreeView('fairframe.datasets', { treeDataProvider: datasets, showCollapseAll: true }),
    vscode.window.createTreeView('fairframe.models', { treeDataProvider: models, showCollapseAll: true }),
    vscode.window.createTreeView('fairframe.findings', { treeDataProvider: findings, showCollapseAll: true }),
    vscode.languages.registerHoverProvider(IMAGE_PATH_DOCUMENTS, new ImageHoverProvider(hoverContent)),
    vscode.languages.registerCodeActionsProvider([{ scheme: 'file' }, { scheme: FOLDER_FINDINGS_SCHEME }], codeActions, { providedCodeActionKinds: FairframeCodeActions.kinds }),
    vscode.workspace.registerTextDocumentContentProvider(FOLDER_FINDINGS_SCHEME, diagnostics),
    vscode.workspace.onDidChangeWorkspaceFolders((event) => store.dropFolders(event.removed.map((folder) => folder.uri.fsPath))),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('fairframe.autoAuditDatasets') || event.affectsConfiguration('fairframe.cacheLocation')) discovery.schedule(0);
    }),
    ...registerAuditCommands({
      runner, store, discovery, thumbnails,
      openDashboard: async (argument, focus) => {
        const target = await resolveDashboardTarget(store, argument, DashboardPanel.currentPanel?.selection);
        return target ? openDashboard(context, target.selection, focus ?? target.focus) : undefined;
      },
    }),
    ...registerExportCommands({
      store,
      report: (error, what) => runner.report(error, what),
      activeDashboardSelection,
    }),
    ...registerDashboard(context, store, new WorkerExplanationSource(runner, store, thumbnails), history),
    registerExplainImage({ store, records, runner, openDashboard: (selection) => openDashboard(context, DashboardPanel.currentPanel ? undefined : selection) }),
    registerCompareCommand({ store, records, openDashboard: (selection) => openDashboard(context, selection) }),
    registerShiftCommand({ store, runner, output, showInDashboard: (result) => openDashboard(context, undefined).showShift(result) }),
    registerMitigateCommand({ store, runner, output, activeDashboardSelection }),
  );
  // Hovers show an explanation overlay (Grad-CAM, computed and cached in the worker) once a model was audited.
  context.subscriptions.push(hoverContent.setOverlayProvider((request) => runner.explainOverlay(request)));
  // Deferred: the saved results are read back first (views show them at once), then discovery reads the disk and may
  // start the worker; activation returns before either.
  const restored: Promise<RestoreOutcome> = (persistence?.restore() ?? Promise.resolve<RestoreOutcome>({ kind: 'none' }))
    .then(async (outcome): Promise<RestoreOutcome> => {
      if (!persistence) return outcome;
      const fromCopies = await copies.restore(workspaceFolderPaths());
      if (fromCopies.datasets + fromCopies.models === 0) return outcome;
      output.log.info(`Restored ${fromCopies.datasets} dataset audit(s) and ${fromCopies.models} model audit(s) from the folders' saved copies.`);
      const base = outcome.kind === 'restored' ? outcome : { datasets: 0, models: 0 };
      return { kind: 'restored', datasets: base.datasets + fromCopies.datasets, models: base.models + fromCopies.models };
    })
    .then((outcome) => {
      if (outcome.kind === 'restored') output.log.info(`Restored ${outcome.datasets} dataset audit(s) and ${outcome.models} model audit(s) from ${persistence?.file}.`);
      else if (persistence) output.log.info(`No saved audit results in ${persistence.file}${outcome.kind === 'dropped' ? ` (dropped: ${outcome.reason})` : ''}.`);
      return outcome;
    }, (error: unknown) => {
      output.error('Restoring the saved audit results', error);
      return { kind: 'dropped', reason: String(error) } as RestoreOutcome;
    })
    .finally(() => {
      discovery.schedule(0);
      void history.reload();
    });
  return {
    store,
    datasets,
    models,
    findings,
    codeActions,
    whenIdle: () => restored.then(() => discovery.whenIdle()),
    hoversSettled: () => hoverContent.settled(),
    setOverlayProvider: (provider) => hoverContent.setOverlayProvider(provider),
    dashboard: () => DashboardPanel.currentPanel,
    statusBar,
    whenRestored: () => restored,
    diagnosticsSettled: () => diagnostics.settled(),
    onDidStartAudit: runner.onDidStart,
    saveResults: () => persistence?.flush() ?? Promise.resolve(),
  };
}

/** Nothing to do: every resource is in context.subscriptions. */
export function deactivate(): void {
  // Disposed through context.subscriptions.
}
