// The run store: a folder of run files (default `.fairframe/runs/` in the workspace), never inside a dataset.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { AuditResult } from '../auditResult';
import { FairframeError } from '../errors';
import { readGuardedText } from '../io/guardedFile';
import { insideAnyRoot, makeOutputFolder } from '../io/outputFolder';
import { readGitState } from './gitCommit';
import { makeRunRecord, RUN_FORMAT, type RunRecord, type RunSource } from './runRecord';

/** The store folder under a workspace when none is configured. */
export const DEFAULT_RUN_STORE = path.join('.fairframe', 'runs');

/** The store folder: the configured one (relative to the workspace), else `<workspace>/.fairframe/runs`. */
export function runStoreFolder(workspace: string, configured?: string): string {
  return path.resolve(workspace, configured && configured.trim() !== '' ? configured : DEFAULT_RUN_STORE);
}

/** A run file that could not be read, with the reason. */
export interface UnreadableRun {
  file: string;
  reason: string;
}

/** Records `result` as a run in `folder`; refuses a folder inside any audited dataset. Returns the record and its file. */
export async function recordRun(
  folder: string,
  result: AuditResult,
  context: { source: RunSource; label?: string; workspace?: string },
): Promise<{ run: RunRecord; file: string }> {
  const inside = await insideAnyRoot(folder, result.datasets.map((dataset) => dataset.root));
  if (inside !== undefined) {
    throw new FairframeError('bad-config', `The run store '${path.resolve(folder)}' is inside the dataset '${inside}', and Fairframe never writes inside a dataset. Choose a run store outside it (--runs <dir>, or the fairframe.runStore setting), or --no-record.`, { folder });
  }
  const git = await readGitState(context.workspace ?? result.root);
  const run = makeRunRecord(result, { source: context.source, label: context.label, git });
  const out = await makeOutputFolder(folder);
  const file = path.join(out, `${run.id}.json`);
  // Written under a temporary name and renamed, so that a reader never sees half a run.
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await fs.writeFile(temporary, JSON.stringify(run), { flag: 'wx' });
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
  return { run, file };
}

/** Reads one run file, checking its format; throws a FairframeError naming the file otherwise. */
export async function readRun(file: string): Promise<RunRecord> {
  const text = await readGuardedText(file, 'cache');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FairframeError('bad-config', `The run file '${file}' is not valid JSON (${(error as Error).message}); it may have been cut short.`, { file });
  }
  const run = value as Partial<RunRecord> | null;
  if (!run || typeof run !== 'object' || run.format !== RUN_FORMAT || typeof run.id !== 'string' || !run.result || !Array.isArray(run.result.models) || !Array.isArray(run.result.findings)) {
    throw new FairframeError('bad-config', `The file '${file}' is not a Fairframe run (no "format": "${RUN_FORMAT}" with an id and a result).`, { file });
  }
  return run as RunRecord;
}

/** Every run of the store, oldest first, and the files that could not be read. An absent folder holds no run. */
export async function listRuns(folder: string): Promise<{ runs: RunRecord[]; unreadable: UnreadableRun[] }> {
  const entries = await fs.readdir(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw new FairframeError('bad-config', `Cannot read the run store '${folder}': ${error.message}.`, { folder });
  });
  const runs: RunRecord[] = [];
  const unreadable: UnreadableRun[] = [];
  for (const name of entries.filter((entry) => entry.endsWith('.json')).sort()) {
    const file = path.join(folder, name);
    try {
      runs.push(await readRun(file));
    } catch (error) {
      unreadable.push({ file, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  runs.sort((a, b) => (a.recordedAt < b.recordedAt ? -1 : a.recordedAt > b.recordedAt ? 1 : a.id < b.id ? -1 : 1));
  return { runs, unreadable };
}

/**
 * The run a reference names: a run file path, an id, a unique id prefix, 'latest', or 'latest~N' (N runs before the latest).
 */
export async function findRun(folder: string, reference: string): Promise<RunRecord> {
  if (reference.endsWith('.json') || reference.includes('/') || reference.includes(path.sep)) {
    const stat = await fs.stat(reference).catch(() => undefined);
    if (stat?.isFile()) return readRun(reference);
  }
  const { runs } = await listRuns(folder);
  if (runs.length === 0) throw new FairframeError('path-not-found', `No run is recorded in '${folder}'. Record one with \`fairframe audit\` (runs are recorded unless --no-record), or pass --runs <dir>.`, { folder });
  const back = reference.match(/^latest(?:~(\d+))?$/);
  if (back) {
    const index = runs.length - 1 - Number(back[1] ?? 0);
    if (index < 0) throw new FairframeError('path-not-found', `'${reference}' goes back further than the ${runs.length} run${runs.length === 1 ? '' : 's'} in '${folder}'.`, { folder });
    return runs[index];
  }
  const matches = runs.filter((run) => run.id === reference || run.id.startsWith(reference));
  const exact = matches.find((run) => run.id === reference);
  if (exact) return exact;
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) throw new FairframeError('bad-config', `'${reference}' matches ${matches.length} runs (${matches.slice(0, 5).map((run) => run.id).join(', ')}${matches.length > 5 ? ', …' : ''}); give more of the id.`, { reference });
  throw new FairframeError('path-not-found', `No run '${reference}' in '${folder}'; \`fairframe runs\` lists them.`, { reference, folder });
}
