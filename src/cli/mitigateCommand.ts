// `fairframe mitigate thresholds`: fits per-group decision thresholds on one split, measures them on another, and
// writes the thresholds (JSON), the before/after table (Markdown) and the mitigated predictions (a predictions CSV).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { auditPath } from '../engine/audit';
import { FairframeError } from '../engine/errors';
import { insideAnyRoot, makeOutputFolder } from '../engine/io/outputFolder';
import { exportResampling } from '../engine/mitigation/exportResampling';
import { mitigateWithThresholds, type ScoredRecord, type ThresholdMitigationResult } from '../engine/mitigation/thresholdMitigation';
import type { ThresholdConstraint, ThresholdObjective } from '../engine/mitigation/thresholdOptimizer';
import type { ConfidenceInterval } from '../engine/metrics';
import { escapeControl, escapeControlLines } from '../engine/report/displayText';
import { TOOL_VERSION } from '../engine/version';
import { defaultCacheDir, errorMessageOf } from './auditCommand';
import { handleInterrupts } from './interrupt';
import { createProgressReporter } from './progressReporter';

export interface MitigateCommandOptions {
  model?: string;
  predictions?: string;
  attribute: string;
  positive?: string;
  constraint: ThresholdConstraint;
  objective: ThresholdObjective;
  fitSplit?: string;
  evalSplit?: string;
  seed?: string;
  replicates?: string;
  config?: string;
  cache?: string | false;
  out: string;
  quiet?: boolean;
  outInsideData?: boolean;
}

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new FairframeError('bad-config', `--${name} takes a whole number, not '${value}'.`);
  return Number(value);
}

/** Runs the command; returns the exit code (0 done, 2 usage or input error, 130 cancelled). */
export async function runMitigateThresholds(target: string, options: MitigateCommandOptions): Promise<number> {
  const interrupts = handleInterrupts();
  const reporter = createProgressReporter(process.stderr, options.quiet ?? false);
  try {
    const source = options.predictions ?? options.model;
    if (!source || (options.predictions && options.model)) throw new FairframeError('bad-config', 'Give the scores to mitigate with either --model <file.onnx> or --predictions <file>, one of them.');
    const seed = integer(options.seed, 'seed');
    const replicates = integer(options.replicates, 'replicates');
    let scored: { classNames: string[]; images: ScoredRecord[] } | undefined;
    const cacheDir = options.cache === false ? undefined : options.cache ?? defaultCacheDir();
    const audit = await auditPath(target, {
      configFile: options.config,
      cacheDir,
      models: [source],
      onlyListedModels: true,
      split: 'all',
      // Only the probabilities are needed here: no explanations, few replicates for the audit's own intervals.
      thresholds: { explainErrorsPerGroup: 0, saliencyImagesPerCell: 0, bootstrapReplicates: 10 },
      signal: interrupts.signal,
      onProgress: (progress) => reporter.update(progress),
      onAudited: ({ classNames, labelIndex, images }) => {
        if (scored) throw new FairframeError('bad-config', 'The path holds several datasets; name one with a dataset folder or manifest.');
        scored = { classNames, images: images.map(({ record, probs }) => ({ record, probs, label: labelIndex.get(record.label) as number })) };
      },
    });
    reporter.stop();
    const failed = audit.models.find((model) => model.status === 'failed');
    if (!scored) throw new FairframeError('bad-config', `No scores to mitigate: ${failed?.reason ?? 'the model was not audited'}.`);
    const result = mitigateWithThresholds(scored.images, scored.classNames, {
      attribute: options.attribute,
      positiveClass: options.positive,
      constraint: options.constraint,
      objective: options.objective,
      fitSplit: options.fitSplit,
      evalSplit: options.evalSplit,
      seed,
      replicates,
      signal: interrupts.signal,
    });

    const inside = options.outInsideData ? undefined : await insideAnyRoot(options.out, audit.datasets.map((dataset) => dataset.root));
    if (inside !== undefined) throw new FairframeError('bad-config', `The output folder '${path.resolve(options.out)}' is inside the dataset '${inside}', and Fairframe never writes inside a dataset. Choose another --out, or pass --out-inside-data.`);
    const out = await makeOutputFolder(options.out);
    const { mitigated, ...summary } = result;
    const files = {
      thresholds: path.join(out, 'thresholds.json'),
      table: path.join(out, 'thresholds-before-after.md'),
      predictions: path.join(out, 'mitigated-predictions.csv'),
    };
    await fs.writeFile(files.thresholds, `${JSON.stringify({ tool: { name: 'fairframe', version: TOOL_VERSION }, createdAt: new Date().toISOString(), source: path.resolve(source), dataset: audit.datasets[0]?.name, ...summary }, null, 2)}\n`);
    const table = renderBeforeAfter(result);
    await fs.writeFile(files.table, table);
    await fs.writeFile(files.predictions, csvText([['path', 'predicted', 'positive_probability', options.attribute], ...mitigated.map((row) => [row.relPath, row.predicted, String(row.positiveProbability), row.group])]));
    process.stdout.write(escapeControlLines(table));
    for (const file of Object.values(files)) process.stderr.write(`wrote ${escapeControl(file)}\n`);
    process.stderr.write(`Audit the mitigated predictions with: fairframe audit ${escapeControl(target)} --predictions ${escapeControl(files.predictions)}\n`);
    return 0;
  } catch (error) {
    reporter.stop();
    if (FairframeError.is(error, 'cancelled')) {
      process.stderr.write('fairframe: cancelled\n');
      return 130;
    }
    process.stderr.write(`fairframe: ${escapeControl(errorMessageOf(error))}\n`);
    return 2;
  } finally {
    interrupts.dispose();
  }
}

const NAMES: Record<string, string> = { accuracy: 'accuracy', selectionRate: 'selection rate', truePositiveRate: 'true positive rate', falsePositiveRate: 'false positive rate' };

function formatCi(interval: ConfidenceInterval, signed = false): string {
  const f = (v: number | null): string => (v === null ? '–' : `${signed && v > 0 ? '+' : ''}${v.toFixed(3)}`);
  return `${f(interval.estimate)} [${f(interval.lower)}, ${f(interval.upper)}]`;
}

/** The before/after table in Markdown. */
export function renderBeforeAfter(result: ThresholdMitigationResult): string {
  const groups = Object.keys(result.table[0]?.before.byGroup ?? {});
  const level = Math.round((result.table[0]?.before.overall.level ?? 0.95) * 100);
  const lines = [
    `# Per-group thresholds for '${result.positiveClass}' by ${result.attribute} (${result.thresholds.constraint}, maximising ${result.thresholds.objective})`,
    '',
    `${result.method}. Fitted on ${result.fit.split} (${result.fit.images} images), evaluated on ${result.evaluation.split} (${result.evaluation.images} images).${result.fit.note ? ` ${result.fit.note}` : ''}`,
    '',
    `Values with ${level}% bootstrap intervals; "change" is after − before with a paired bootstrap over the same images.`,
    '',
    `| metric | | overall | ${groups.join(' | ')} | difference between groups |`,
    `|---|---|---|${groups.map(() => '---').join('|')}|---|`,
  ];
  for (const row of result.table) {
    for (const side of ['before', 'after'] as const) {
      const values = row[side];
      lines.push(`| ${side === 'before' ? NAMES[row.metric] : ''} | ${side} | ${formatCi(values.overall)} | ${groups.map((g) => formatCi(values.byGroup[g])).join(' | ')} | ${formatCi(values.difference)} |`);
    }
    lines.push(`| | change | ${formatCi(row.overallChange, true)} | ${groups.map(() => '').join(' | ')} | ${formatCi(row.differenceChange, true)} |`);
  }
  lines.push('', '| group | images (fit) | P(positive) rule |', '|---|---|---|');
  for (const [group, rule] of Object.entries(result.thresholds.groups)) {
    const threshold = (t: number | string): string => (typeof t === 'number' ? t.toPrecision(4) : t === 'Infinity' ? '∞' : '−∞');
    const ignore = rule.pIgnore !== undefined && rule.pIgnore > 0 ? `; with probability ${rule.pIgnore.toFixed(3)} ignore the score and predict positive with probability ${(rule.predictionConstant ?? 0).toFixed(3)}` : '';
    lines.push(`| ${group} | ${rule.count} | ${rule.p0.toFixed(3)} · [score > ${threshold(rule.operation0.threshold)}] + ${rule.p1.toFixed(3)} · [score > ${threshold(rule.operation1.threshold)}]${ignore} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** Rows as RFC 4180 CSV: a field holding a comma, quote or line break is quoted, its quotes doubled. */
export function csvText(rows: string[][]): string {
  const field = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  return rows.map((row) => row.map(field).join(',')).join('\n') + '\n';
}

export interface ResampleCommandOptions {
  attribute: string;
  seed?: string;
  config?: string;
  out: string;
  outInsideData?: boolean;
}

/** `fairframe mitigate resample`: writes the resampling plan of every dataset at `target`. */
export async function runMitigateResample(target: string, options: ResampleCommandOptions): Promise<number> {
  try {
    const attributes = options.attribute.split(',').map((a) => a.trim()).filter(Boolean);
    for (const file of await exportResampling(target, attributes, options.out, { configFile: options.config, seed: integer(options.seed, 'seed'), allowInsideData: options.outInsideData })) process.stderr.write(`wrote ${escapeControl(file)}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`fairframe: ${escapeControl(errorMessageOf(error))}\n`);
    return 2;
  }
}
