// Describes a discovered model without running it, as the audit would resolve it; what cannot be read is the entry's error.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ModelConfig, ResolvedConfig } from '../engine/config/configTypes';
import type { ModelEntry } from './auditStore';
import { hostEngine } from './lazyHostEngine';

/** Models larger than this are not decoded in the editor process; they are inspected when audited, in the worker. */
const MAX_INSPECT_BYTES = 64 * 1024 * 1024;

/**
 * Inspects a model without running it: inputs, outputs, labels and preprocessing (fairframe.json, then sidecar, then
 * metadata). A sidecar or metadata_props that cannot be read is the entry's error, as it would fail the audit.
 */
export async function describeModel(file: string, folder: string, config: ResolvedConfig): Promise<ModelEntry> {
  const entry: ModelEntry = { file, folder };
  const { inspectModel, metadataModelConfig, readSidecar } = hostEngine();
  try {
    const stat = await fs.stat(file);
    if (stat.size <= MAX_INSPECT_BYTES) entry.info = await inspectModel(file);
    const declared: ModelConfig | undefined = config.models.find((model) => model.path === file);
    const sidecar = await readSidecar(file);
    const metadata = entry.info ? metadataModelConfig(entry.info.metadata, file) : undefined;
    for (const [source, described] of [['fairframe.json', declared], [sidecar ? path.basename(sidecar.file) : 'sidecar', sidecar?.config], ['metadata_props', metadata]] as const) {
      if (!described) continue;
      if (!entry.labels && described.labels) {
        entry.labels = described.labels;
        entry.describedBy ??= source;
      }
      if (!entry.preprocess && described.preprocess) {
        entry.preprocess = described.preprocess;
        entry.describedBy ??= source;
      }
    }
  } catch (error) {
    entry.error = error instanceof Error ? error.message : String(error);
  }
  return entry;
}

/** Describes a predictions file declared in fairframe.json: its labels from the entry; a missing file is the entry's error. */
export async function describePredictionsFile(declared: ModelConfig & { predictions: string }, folder: string): Promise<ModelEntry> {
  const entry: ModelEntry = { file: declared.predictions, folder, predictions: true, labels: declared.labels, describedBy: 'fairframe.json' };
  try {
    const stat = await fs.stat(declared.predictions);
    if (!stat.isFile()) entry.error = `'${declared.predictions}' is not a file.`;
  } catch (error) {
    entry.error = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `The predictions file '${declared.predictions}' named in fairframe.json does not exist.` : String((error as Error).message);
  }
  return entry;
}
