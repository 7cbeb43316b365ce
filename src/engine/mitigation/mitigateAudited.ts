// Scores a dataset with a model (or reads a predictions file) through the audit, then fits and measures per-group
// thresholds on those scores: what `fairframe mitigate thresholds` and the editor's command run.
import { auditPath } from '../audit';
import { FairframeError } from '../errors';
import type { RunOptions } from '../types';
import { mitigateWithThresholds, type ScoredRecord, type ThresholdMitigationOptions, type ThresholdMitigationResult } from './thresholdMitigation';

/** What to score and how to fit: the model or predictions file, the dataset, and the mitigation's own options. */
export interface ScoreAndMitigateOptions extends Omit<ThresholdMitigationOptions, 'signal'> {
  /** ONNX model or predictions file whose scores are thresholded. */
  source: string;
  configFile?: string;
  cacheDir?: string;
  /** Only the dataset with this name (when the path holds several). */
  dataset?: string;
}

/** The mitigation, and the dataset it was measured on (its root: never write inside it). */
export interface ScoredMitigation {
  result: ThresholdMitigationResult;
  dataset: { name: string; root: string } | undefined;
  /** Every dataset root the audit read. */
  datasetRoots: string[];
}

/** The scores of one dataset's images: class names, each image's probability row and true class index. */
export interface ScoredDataset {
  classNames: string[];
  images: ScoredRecord[];
  dataset: string;
  /** Every dataset root the audit read. */
  datasetRoots: string[];
  root: string | undefined;
}

/** Scores every image of `target` (every split) with `source`, a model or a predictions file, through the audit. */
export async function scoreDataset(target: string, options: { source: string; configFile?: string; cacheDir?: string; dataset?: string }, run: RunOptions = {}): Promise<ScoredDataset> {
  let scored: { classNames: string[]; images: ScoredRecord[]; dataset: string } | undefined;
  const audit = await auditPath(target, {
    configFile: options.configFile,
    cacheDir: options.cacheDir,
    models: [options.source],
    onlyListedModels: true,
    datasets: options.dataset === undefined ? undefined : [options.dataset],
    split: 'all',
    // Only the probabilities are needed here: no explanations, few replicates for the audit's own intervals.
    thresholds: { explainErrorsPerGroup: 0, saliencyImagesPerCell: 0, bootstrapReplicates: 10 },
    signal: run.signal,
    onProgress: run.onProgress,
    onAudited: ({ classNames, labelIndex, images, dataset: name }) => {
      if (scored) throw new FairframeError('bad-config', 'The path holds several datasets; name one with a dataset folder or manifest.');
      scored = { classNames, dataset: name, images: images.map(({ record, probs }) => ({ record, probs, label: labelIndex.get(record.label) as number })) };
    },
  });
  const failed = audit.models.find((model) => model.status === 'failed');
  if (!scored) throw new FairframeError('bad-config', `No scores: ${failed?.reason ?? 'the model was not audited'}.`);
  const name = scored.dataset;
  return { ...scored, datasetRoots: audit.datasets.map((d) => d.root), root: audit.datasets.find((d) => d.name === name)?.root };
}

/** Scores `target` with `options.source` (every split), then mitigates; cancellable through `run.signal`. */
export async function scoreAndMitigate(target: string, options: ScoreAndMitigateOptions, run: RunOptions = {}): Promise<ScoredMitigation> {
  const { source, configFile, cacheDir, dataset, ...mitigation } = options;
  const scored = await scoreDataset(target, { source, configFile, cacheDir, dataset }, run);
  const result = mitigateWithThresholds(scored.images, scored.classNames, { ...mitigation, signal: run.signal });
  return { result, dataset: scored.root === undefined ? undefined : { name: scored.dataset, root: scored.root }, datasetRoots: scored.datasetRoots };
}
