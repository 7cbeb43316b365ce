// The worker side of an explanation overlay request: one Explainer per model kept warm (sessions loaded once), so a
// hover after the first costs a Grad-CAM pass and a PNG encode.
import * as path from 'node:path';
import { Explainer } from '../engine/explain/explainer';
import { findModelDeclaration } from '../engine/explain/modelDeclaration';
import type { RunOptions } from '../engine/types';
import type { ExplainJob, ExplainReply } from './protocol';

/** Models kept open at most; the least recently used is released once no request uses it. */
const KEPT_EXPLAINERS = 2;

/** An open (or opening) explainer and the requests using it: requests run concurrently in the worker (hovers and the
 * dashboard explain at once), so an evicted explainer is disposed only when its last user is done. */
interface ExplainerEntry {
  explainer: Promise<Explainer>;
  users: number;
  evicted: boolean;
}

const explainers = new Map<string, ExplainerEntry>();

function release(entry: ExplainerEntry): void {
  entry.users--;
  if (entry.evicted && entry.users === 0) void entry.explainer.then((explainer) => explainer.dispose()).catch(() => undefined);
}

/** The explainer of a job's model and settings, counted as in use until `release`. */
function acquire(job: ExplainJob): ExplainerEntry {
  const key = JSON.stringify([path.resolve(job.model), job.configFile ?? '', job.cacheDir ?? '', job.modelConfig ?? null, job.datasetLabels ?? null]);
  let entry = explainers.get(key);
  if (entry) {
    explainers.delete(key);
  } else {
    const created: ExplainerEntry = {
      explainer: (async () => {
        // The model's settings resolve as in the audit: its fairframe.json entry, then sidecar, metadata and input shape.
        const file = path.resolve(job.model);
        const config = job.modelConfig ?? (await findModelDeclaration(file, job.configFile)).config;
        return Explainer.open(file, { config, datasetLabels: job.datasetLabels, cacheDir: job.cacheDir });
      })(),
      users: 0,
      evicted: false,
    };
    created.explainer.catch(() => {
      if (explainers.get(key) === created) explainers.delete(key);
    });
    entry = created;
  }
  entry.users++;
  explainers.set(key, entry);
  while (explainers.size > KEPT_EXPLAINERS) {
    const [oldest, evicted] = explainers.entries().next().value as [string, ExplainerEntry];
    explainers.delete(oldest);
    evicted.evicted = true;
    // In use: disposed by its last user's release.
    if (evicted.users === 0) void evicted.explainer.then((explainer) => explainer.dispose()).catch(() => undefined);
  }
  return entry;
}

/** Explains one image and renders the overlay. */
export async function explainInWorker(job: ExplainJob, run: RunOptions): Promise<ExplainReply> {
  const entry = acquire(job);
  try {
    return await explainWith(await entry.explainer, job, run);
  } finally {
    release(entry);
  }
}

async function explainWith(explainer: Explainer, job: ExplainJob, run: RunOptions): Promise<ExplainReply> {
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
