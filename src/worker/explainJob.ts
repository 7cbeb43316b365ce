// The worker side of an explanation overlay request: one Explainer per model kept warm (sessions loaded once), so a
// hover after the first costs a Grad-CAM pass and a PNG encode.
import * as path from 'node:path';
import { Explainer } from '../engine/explain/explainer';
import { findModelDeclaration } from '../engine/explain/modelDeclaration';
import type { RunOptions } from '../engine/types';
import type { ExplainJob, ExplainReply } from './protocol';

/** Models kept open at most; the least recently used is released. */
const KEPT_EXPLAINERS = 2;
const explainers = new Map<string, Promise<Explainer>>();

async function explainerFor(job: ExplainJob): Promise<Explainer> {
  const key = JSON.stringify([path.resolve(job.model), job.configFile ?? '', job.cacheDir ?? '', job.modelConfig ?? null, job.datasetLabels ?? null]);
  let entry = explainers.get(key);
  if (entry) {
    explainers.delete(key);
  } else {
    entry = (async () => {
      // The model's settings resolve as in the audit: its fairframe.json entry, then sidecar, metadata and input shape.
      const file = path.resolve(job.model);
      const config = job.modelConfig ?? (await findModelDeclaration(file, job.configFile)).config;
      return Explainer.open(file, { config, datasetLabels: job.datasetLabels, cacheDir: job.cacheDir });
    })();
    entry.catch(() => explainers.delete(key));
  }
  explainers.set(key, entry);
  while (explainers.size > KEPT_EXPLAINERS) {
    const [oldest, evicted] = explainers.entries().next().value as [string, Promise<Explainer>];
    explainers.delete(oldest);
    void evicted.then((explainer) => explainer.dispose()).catch(() => undefined);
  }
  return entry;
}

/** Explains one image and renders the overlay. */
export async function explainInWorker(job: ExplainJob, run: RunOptions): Promise<ExplainReply> {
  const explainer = await explainerFor(job);
  const classIndex = job.className === undefined ? undefined : explainer.classIndexOf(job.className);
  const result = await explainer.explain(job.image, { method: job.method ?? 'gradcam', classIndex, faithfulness: job.faithfulness, signal: run.signal });
  const png = await explainer.overlayPng(job.image, result.heatmap, job.size);
  return {
    pngBase64: png.toString('base64'),
    method: result.method,
    className: result.className,
    probability: result.probability,
    predictedName: result.predictedName,
    fallbackFrom: result.fallbackFrom?.method,
    fallbackReason: result.fallbackFrom?.reason,
    faithfulness: result.faithfulness,
    milliseconds: result.milliseconds,
    fromCache: result.fromCache,
  };
}
