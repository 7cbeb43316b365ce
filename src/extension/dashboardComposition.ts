// What the dashboard shows, rebuilt from the store: a dataset's audit and the model audits on it, with the store
// entries it was built from (unchanged entries: nothing to redraw) and the panel's title.
import * as path from 'node:path';
import type { AuditResult } from '../engine/auditResult';
import type { AuditStore, StoreSelection } from './auditStore';

/** What the dashboard shows: a dataset's audit and the model audits on it, rebuilt from the store. */
export interface Composition {
  result: AuditResult;
  stale: Array<string | undefined>;
  /** The store entries it was built from: unchanged entries mean nothing to redraw. */
  parts: unknown[];
}

/** The dashboard's view of `selection` in `store`, or undefined when the store has nothing for it. */
export function compose(store: AuditStore | undefined, selection: StoreSelection | undefined): Composition | undefined {
  const composed = selection && store?.compose(selection);
  if (!composed || !store) return undefined;
  const dataset = store.datasetAudits().find((entry) => entry.key === selection?.datasetKey);
  const models = composed.modelKeys.map((key) => store?.modelResult(key));
  return {
    result: composed.result,
    stale: composed.stale.map((stale) => stale?.reason),
    parts: [dataset?.audit, ...dataset?.findings ?? [], ...models.flatMap((entry) => [entry?.audit, entry?.stale?.reason, ...entry?.findings ?? []])],
  };
}

/** Whether two compositions were built from the same store entries. */
export function sameParts(a: unknown[] | undefined, b: unknown[] | undefined): boolean {
  return a !== undefined && b !== undefined && a.length === b.length && a.every((part, index) => part === b[index]);
}

/** "Fairframe: <dataset>" (and the first model), so two panels' worth of state is never ambiguous. */
export function panelTitle(composition: Composition | undefined): string {
  const result = composition?.result;
  if (!result) return 'Fairframe Dashboard';
  const model = result.models[0] ? ` · ${path.basename(result.models[0].model.file)}` : '';
  return `Fairframe Dashboard: ${result.datasets[0]?.name ?? path.basename(result.target)}${model}`;
}
