// `fairframe explain <image> --model m.onnx`: one explanation, its trust scores, and an overlay PNG.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { findModelDeclaration } from '../engine/explain/modelDeclaration';
import { FairframeError } from '../engine/errors';
import { Explainer, EXPLAIN_METHODS } from '../engine/explain/explainer';
import type { ExplainMethod } from '../engine/explain/explainTypes';
import { defaultCacheDir, errorMessageOf } from './auditCommand';
import { escapeControl, escapeControlLines } from '../engine/report/displayText';
import { handleInterrupts } from './interrupt';
import { assertRegularFile } from '../engine/io/guardedFile';
import { makeOutputFolder } from '../engine/io/outputFolder';

export interface ExplainCommandOptions {
  model: string;
  method?: string;
  class?: string;
  out?: string;
  config?: string;
  cache?: string | false;
  seed?: string;
  sanity?: boolean;
  counterfactual?: boolean;
  json?: boolean;
}

/** Runs the command; returns the exit code (0 done, 2 bad input, 130 cancelled). */
export async function runExplainCommand(image: string, options: ExplainCommandOptions): Promise<number> {
  const interrupts = handleInterrupts();
  const controller = { signal: interrupts.signal };
  let explainer: Explainer | undefined;
  try {
    const method = (options.method ?? 'gradcam') as ExplainMethod;
    if (!EXPLAIN_METHODS.includes(method)) throw new FairframeError('bad-config', `Unknown method '${options.method}'; choose from ${EXPLAIN_METHODS.join(', ')}.`);
    const imageFile = path.resolve(image);
    await assertRegularFile(imageFile).catch((error: NodeJS.ErrnoException) => {
      if (FairframeError.is(error)) throw new FairframeError('bad-image', `The image ${error.message}`);
      if (error.code === 'EISDIR') throw new FairframeError('bad-image', `The image '${imageFile}' is a folder, not an image file.`);
      throw new FairframeError('path-not-found', `The image '${imageFile}' does not exist.`);
    });
    const modelFile = path.resolve(options.model);
    const declaration = await findModelDeclaration(modelFile, options.config);
    const cacheDir = options.cache === false ? undefined : options.cache ?? defaultCacheDir();
    explainer = await Explainer.open(modelFile, { config: declaration.config, cacheDir });
    const classIndex = options.class === undefined ? undefined : /^\d+$/.test(options.class) && !explainer.spec.labels.includes(options.class) ? Number(options.class) : explainer.classIndexOf(options.class);
    const result = await explainer.explain(imageFile, {
      method,
      classIndex,
      seed: options.seed === undefined ? undefined : Number(options.seed),
      faithfulness: true,
      sanity: options.sanity ?? false,
      counterfactual: options.counterfactual ?? false,
      signal: controller.signal,
    });
    if (options.out) {
      await makeOutputFolder(path.dirname(path.resolve(options.out)));
      await fs.writeFile(options.out, await explainer.overlayPng(imageFile, result.heatmap));
    }
    if (options.json) {
      const { heatmap, ...rest } = result;
      process.stdout.write(`${JSON.stringify({ ...rest, heatmap: { ...heatmap, data: Array.from(heatmap.data) }, overlay: options.out }, null, 2)}\n`);
    } else {
      const lines = [
        `${path.basename(imageFile)}: the model predicts '${result.predictedName}'; explaining '${result.className}' (p = ${result.probability.toFixed(3)}) with ${result.method}${result.fallbackFrom ? ` (${result.fallbackFrom.method} cannot run on this model: ${result.fallbackFrom.reason})` : ''}.`,
      ];
      if (result.heatmap.note) lines.push(`note: ${result.heatmap.note}`);
      if (result.faithfulness) {
        const f = result.faithfulness;
        lines.push(`faithfulness: deletion AUC ${f.deletionAuc.toFixed(3)} (lower is better), insertion AUC ${f.insertionAuc.toFixed(3)} (higher is better); a random pixel order gives ${f.randomDeletionAuc.toFixed(3)} and ${f.randomInsertionAuc.toFixed(3)}`);
      }
      if (result.sanity) lines.push(`sanity check (classifier randomised): Spearman ρ ${result.sanity.spearman === null ? 'undefined' : result.sanity.spearman.toFixed(3)} — ${result.sanity.passed === null ? result.sanity.note ?? 'not available' : result.sanity.passed ? 'the map depends on the learned weights' : 'the map barely changes: it may not reflect what the model learned'}`);
      if (result.counterfactual) lines.push(`counterfactual: ${result.counterfactual.message}`);
      if (explainer.spec.sources.labels === 'default') lines.push("note: the model names no classes; they are called by their output index (give 'labels' in a sidecar or fairframe.json).");
      lines.push(`the map took ${result.heatmap.modelCalls} model call${result.heatmap.modelCalls === 1 ? '' : 's'}; ${result.milliseconds} ms in all${result.fromCache ? ' (from cache)' : ''}${options.out ? `; wrote ${options.out}` : ''}`);
      process.stdout.write(`${lines.map(escapeControl).join('\n')}\n`);
    }
    return 0;
  } catch (error) {
    if (FairframeError.is(error, 'cancelled')) {
      process.stderr.write('fairframe: cancelled\n');
      return 130;
    }
    process.stderr.write(`fairframe: ${escapeControl(errorMessageOf(error))}\n`);
    if (process.env.FAIRFRAME_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${escapeControlLines(error.stack)}\n`);
    return 2;
  } finally {
    await explainer?.dispose();
    interrupts.dispose();
  }
}
