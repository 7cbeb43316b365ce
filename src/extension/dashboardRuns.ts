// The dashboard's Runs section on the host side: which model's recorded runs it shows, their trend, and the
// comparison of two of them (computed on request, in steps that leave the event loop a turn).
import * as path from 'node:path';
import type { AuditResult } from '../engine/auditResult';
import { diffRunsAsync } from '../engine/runs/runDiff';
import { comparisonView, runPoints, type RunComparisonView, type RunsView } from '../../webview/runsData';
import type { RunHistory } from './runHistory';

/** The model audit whose runs the Runs section shows: the first audited model of the result shown. */
function runsModel(result: AuditResult | undefined): { file: string; dataset: string } | undefined {
  const audit = result?.models.find((model) => model.status === 'ok');
  return audit ? { file: audit.model.file, dataset: audit.dataset } : undefined;
}

/** The recorded runs of the model `result` shows, as the Runs section draws them; null when there are none. */
export function runsViewOf(result: AuditResult | undefined, history: RunHistory | undefined): RunsView | null {
  const model = runsModel(result);
  const points = model && history ? runPoints(history.all(), model.file, model.dataset) : [];
  return model && points.length > 0 ? { model: path.basename(model.file), dataset: model.dataset, runs: points } : null;
}

/**
 * Two recorded runs compared on the dataset of the model `result` shows; null when either run or the model is unknown.
 * On the extension host, in steps (BENCHMARKS.md: seconds for 10,000 images); asked for by a click.
 */
export async function compareRunsOf(result: AuditResult | undefined, history: RunHistory | undefined, beforeId: string, afterId: string): Promise<RunComparisonView | null> {
  const runs = history?.all() ?? [];
  const before = runs.find((run) => run.id === beforeId);
  const after = runs.find((run) => run.id === afterId);
  const dataset = runsModel(result)?.dataset;
  if (!before || !after || dataset === undefined) return null;
  return comparisonView(await diffRunsAsync(before, after), dataset) ?? null;
}
