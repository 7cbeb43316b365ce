// Records the audits run from a command in the workspace's run store (never inside a dataset), and lists its runs.
import * as path from 'node:path';
import type { AuditResult } from '../engine/auditResult';
import { insideAnyRoot } from '../engine/io/outputFolder';
import type { RunRecord } from '../engine/runs/runRecord';
import { listRuns, recordRun, runStoreFolder } from '../engine/runs/runStore';
import { recordRuns, runStoreSetting } from './fairframeSettings';

/** Where log lines go. */
export interface RunLog {
  info(message: string): void;
  warn(message: string): void;
}

/** The run store of a workspace folder: the `fairframe.runStore` setting, else `<folder>/.fairframe/runs`. */
export function workspaceRunStore(folder: string): string {
  return runStoreFolder(folder, runStoreSetting());
}

/** Records `result` for the workspace folder `folder`; returns the run, or undefined when not recorded (said in the log). */
export async function recordEditorRun(result: AuditResult, folder: string, log: RunLog): Promise<RunRecord | undefined> {
  if (!recordRuns()) return undefined;
  const store = workspaceRunStore(folder);
  const inside = await insideAnyRoot(store, result.datasets.map((dataset) => dataset.root));
  if (inside !== undefined) {
    log.warn(`The run was not recorded: the run store '${store}' is inside the dataset '${inside}'. Set fairframe.runStore to a folder outside it.`);
    return undefined;
  }
  try {
    const { run, file } = await recordRun(store, result, { source: 'editor', workspace: folder });
    log.info(`Recorded run ${run.id} in ${path.dirname(file)}`);
    return run;
  } catch (error) {
    log.warn(`The run was not recorded: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

/** The runs of a workspace folder's store, oldest first (unreadable files are logged and skipped). */
export async function workspaceRuns(folder: string, log: RunLog): Promise<RunRecord[]> {
  const { runs, unreadable } = await listRuns(workspaceRunStore(folder));
  for (const entry of unreadable) log.warn(`Skipped the run file ${entry.file}: ${entry.reason}`);
  return runs;
}
