// What an explanation request carries so the worker resolves the model as its audit did.
import * as path from 'node:path';
import type { ExplainJob } from '../worker/protocol';
import type { AuditStore } from './auditStore';

/** The model settings of an explain job: from the model's latest audit in the store when there is one (its
 * fairframe.json entry, `{}` for none, and the dataset labels when its labels were inferred from them); else the
 * worker looks for the fairframe.json that declares the model at or above its folder. */
export function explainSettings(store: Pick<AuditStore, 'modelResultsOf'>, model: string): Pick<ExplainJob, 'modelConfig' | 'datasetLabels'> {
  const audited = store.modelResultsOf(model).filter((entry) => entry.audit.status === 'ok');
  const latest = audited[audited.length - 1];
  if (!latest) return {};
  const absolute = path.resolve(model);
  const modelConfig = latest.origin.config.models.find((entry) => entry.path !== undefined && path.resolve(entry.path) === absolute) ?? {};
  const usage = latest.audit.usage;
  return { modelConfig, datasetLabels: usage?.sources.labels === 'inferred' ? usage.labels : undefined };
}
