// `fairframe runs` and `fairframe diff`, and the recording of each `fairframe audit` into the run store.
import * as path from 'node:path';
import type { AuditResult } from '../engine/auditResult';
import { FairframeError } from '../engine/errors';
import { renderDiffMarkdown } from '../engine/report/diffMarkdown';
import { escapeControl, escapeJsonInvisibles } from '../engine/report/displayText';
import { diffRuns } from '../engine/runs/runDiff';
import { describeRun } from '../engine/runs/runRecord';
import { findRun, listRuns, recordRun, runStoreFolder } from '../engine/runs/runStore';
import { insideAnyRoot } from '../engine/io/outputFolder';

/** Options shared by the commands that read or write the run store. */
export interface RunStoreOptions {
  /** The run store folder (default: $FAIRFRAME_RUNS, else .fairframe/runs in the current folder). */
  runs?: string;
}

/** The run store: --runs, else $FAIRFRAME_RUNS, else `.fairframe/runs` in the current folder; and whether it was asked for. */
export function runStoreOf(options: RunStoreOptions): { folder: string; explicit: boolean } {
  const configured = options.runs ?? process.env.FAIRFRAME_RUNS;
  return { folder: runStoreFolder(process.cwd(), configured), explicit: Boolean(configured) };
}

/**
 * Records an audit. A default store inside an audited dataset is skipped with a warning (the audit still counts); a store
 * asked for there is refused with an error. Returns false when an asked-for store could not be written.
 */
export async function recordAudit(result: AuditResult, options: RunStoreOptions & { runLabel?: string; quiet?: boolean }, write: (text: string) => void): Promise<boolean> {
  const { folder, explicit } = runStoreOf(options);
  if (!explicit) {
    const inside = await insideAnyRoot(folder, result.datasets.map((dataset) => dataset.root));
    if (inside !== undefined) {
      write(`fairframe: warning: the run was not recorded: the default run store '${escapeControl(folder)}' would be inside the dataset '${escapeControl(inside)}'. Pass --runs <dir> outside it, or --no-record.\n`);
      return true;
    }
  }
  try {
    const { run, file } = await recordRun(folder, result, { source: 'cli', label: options.runLabel, workspace: process.cwd() });
    if (!options.quiet) write(`recorded run ${run.id} in ${escapeControl(path.dirname(file))}\n`);
    return true;
  } catch (error) {
    write(`fairframe: the run was not recorded: ${escapeControl(error instanceof Error ? error.message : String(error))}\n`);
    return !explicit;
  }
}

/** `fairframe runs`: one line per run, oldest first (or JSON). */
export async function runRunsCommand(options: RunStoreOptions & { json?: boolean }): Promise<number> {
  const { folder } = runStoreOf(options);
  const { runs, unreadable } = await listRuns(folder);
  if (options.json) {
    const rows = runs.map(({ result, ...summary }) => ({ ...summary, counts: result.counts }));
    process.stdout.write(`${escapeJsonInvisibles(JSON.stringify({ folder, runs: rows, unreadable }, null, 2))}\n`);
    return 0;
  }
  if (runs.length === 0) process.stderr.write(`No run recorded in '${escapeControl(folder)}' yet.\n`);
  for (const run of runs) {
    process.stdout.write(`${escapeControl(describeRun(run))}  ${run.result.counts.error}E ${run.result.counts.warning}W ${run.result.counts.info}I${run.git ? `  ${run.git.commit.slice(0, 10)}` : ''}\n`);
  }
  for (const entry of unreadable) process.stderr.write(`fairframe: warning: skipped ${escapeControl(entry.file)}: ${escapeControl(entry.reason)}\n`);
  return 0;
}

export interface DiffCommandOptions extends RunStoreOptions {
  json?: boolean;
  replicates?: string;
  seed?: string;
  failIfGapGrows?: boolean;
}

function integerOption(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min) throw new FairframeError('bad-config', `--${name} must be an integer ≥ ${min}, not '${value}'.`);
  return number;
}

/** `fairframe diff <runA> <runB>`: exit 1 with --fail-if-gap-grows when a fairness gap grew. */
export async function runDiffCommand(before: string, after: string, options: DiffCommandOptions): Promise<number> {
  const { folder } = runStoreOf(options);
  const runA = await findRun(folder, before);
  const runB = await findRun(folder, after);
  const diff = diffRuns(runA, runB, { replicates: integerOption(options.replicates, 'replicates', 1), seed: integerOption(options.seed, 'seed', 0) });
  process.stdout.write(options.json ? `${escapeJsonInvisibles(JSON.stringify(diff, null, 2))}\n` : renderDiffMarkdown(diff));
  if (options.failIfGapGrows && diff.gapGrew) {
    process.stderr.write('fairframe: a fairness gap grew (the interval of its change lies above 0); failing as --fail-if-gap-grows asks.\n');
    return 1;
  }
  return 0;
}
