// Reads a predictions file (CSV, TSV or JSONL): one row per image with its path and either a predicted label, one
// probability column per class, or one logit column per class. The rows become the model side of an audit.
import * as path from 'node:path';
import { FairframeError, throwIfAborted } from '../errors';
import { manifestKindOf, readManifest, type ManifestKind } from '../dataset/manifestReader';
import type { LoadIssue } from '../types';

/** How the scores of a predictions file were given. */
export type PredictionScoreKind = 'probabilities' | 'logits' | 'labels';

/** One usable row: the image path as written, and a probability per class (after softmax / normalisation). */
export interface PredictionRow {
  line: number;
  path: string;
  /** Probabilities over `classNames`; one-hot on the predicted class for a labels-only file. */
  probs: Float64Array;
  /** Sum of the row's probabilities as written, before normalisation (probability files only). */
  writtenSum?: number;
}

/** A parsed predictions file. */
export interface PredictionsTable {
  file: string;
  format: ManifestKind;
  scoreKind: PredictionScoreKind;
  /** Class names in score order (the dataset's spelling where a column matched a dataset label up to case and spaces). */
  classNames: string[];
  columns: { path: string; predicted?: string; scores: string[] };
  rows: PredictionRow[];
  /** Rows skipped (bad numbers, no path, unknown predicted label, lines too long, parse failures). */
  issues: LoadIssue[];
  /** Rows skipped, exactly (issues lists at most a few hundred). */
  skippedRows: number;
  /** Rows whose probabilities were rescaled to sum to 1, and the largest |sum − 1| met. */
  renormalised: { rows: number; maxDeviation: number };
}

export interface ReadPredictionsOptions {
  /** The dataset's labels, to recognise bare class-name columns and to match spellings. */
  datasetLabels: readonly string[];
  /** Class names in score order, from fairframe.json (needed for JSONL arrays of scores). */
  labels?: readonly string[];
  signal?: AbortSignal;
}

/** Column names (lower case) read as the image path, in order of preference. */
export const PATH_COLUMNS = ['path', 'image', 'image_path', 'filepath', 'file_path', 'file_name', 'filename', 'file', 'img', 'relpath'];
/** Column names (lower case) read as the predicted label. */
export const PREDICTED_COLUMNS = ['predicted', 'prediction', 'predicted_label', 'pred_label', 'pred', 'y_pred'];
/** Prefixes of per-class probability and logit columns (lower case), e.g. prob_melanoma, logit_melanoma. */
const PROBABILITY_PREFIXES = ['probability_', 'proba_', 'prob_', 'p_', 'score_'];
const LOGIT_PREFIXES = ['logits_', 'logit_'];
/** JSONL keys holding all the scores at once: an object {class: score} or an array in `labels` order. */
const PROBABILITY_KEYS = ['probs', 'probabilities', 'proba', 'scores'];
const LOGIT_KEYS = ['logits'];
/** Probabilities written with this much rounding (|sum − 1| at most) are used as they are. */
export const SUM_TOLERANCE = 1e-3;
/** Row-level problems kept as issues at most (the count is always exact). */
const MAX_ISSUES = 200;

function normaliseName(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** Finds the first column whose lower-cased name is among `names`, in `names` order. */
function findColumn(columns: readonly string[], names: readonly string[]): string | undefined {
  for (const name of names) {
    const found = columns.find((column) => column.trim().toLowerCase() === name);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Class name of a prefixed column ('prob_melanoma' → 'melanoma'), or undefined. */
function stripPrefix(column: string, prefixes: readonly string[]): string | undefined {
  const lower = column.toLowerCase();
  for (const prefix of prefixes) if (lower.startsWith(prefix) && column.length > prefix.length) return column.slice(prefix.length);
  return undefined;
}

/** The dataset's spelling of a class written in a file: exact, else equal up to case and spaces when that is unambiguous. */
function datasetSpelling(name: string, datasetLabels: readonly string[]): string {
  if (datasetLabels.includes(name)) return name;
  const matches = datasetLabels.filter((label) => normaliseName(label) === normaliseName(name));
  return matches.length === 1 ? matches[0] : name;
}

/** Parses a number as written in a file; '', 'nan', 'inf' and text give NaN. */
export function parseScore(text: string | undefined): number {
  if (text === undefined) return Number.NaN;
  const trimmed = text.trim();
  // Number('') is 0 and Number('0x10') is 16: only decimal notation is accepted.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) return Number.NaN;
  return Number(trimmed);
}

/** Softmax of one row of logits, stabilised by the row maximum. */
export function softmaxRow(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i] - max);
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

interface ScoreLayout {
  kind: PredictionScoreKind;
  classNames: string[];
  /** Per class, how to read its score from a row's values. */
  read: (values: Record<string, string | undefined>) => { scores?: number[]; error?: string; predicted?: string };
  columns: string[];
  predicted?: string;
}

/** Decides how the scores are laid out in the file from its columns (and, for JSONL, the first row holding scores). */
function scoreLayout(columns: string[], firstValues: Record<string, string | undefined> | undefined, options: ReadPredictionsOptions, file: string): ScoreLayout {
  const pathColumn = findColumn(columns, PATH_COLUMNS);
  const predictedColumn = findColumn(columns, PREDICTED_COLUMNS);
  const reserved = new Set([pathColumn, predictedColumn, findColumn(columns, ['label', 'true_label', 'y_true', 'target', 'split'])]);
  const datasetLabels = options.datasetLabels;

  // Whole-row keys (JSONL): {"probs": {"a": 0.1, ...}} or {"probs": [0.1, ...]}.
  for (const [keys, kind] of [[PROBABILITY_KEYS, 'probabilities'], [LOGIT_KEYS, 'logits']] as const) {
    const key = findColumn(columns, keys);
    if (key === undefined) continue;
    const sample = parseJsonScores(firstValues?.[key]);
    let classNames: string[];
    if (sample && !Array.isArray(sample)) classNames = Object.keys(sample).map((name) => datasetSpelling(name, datasetLabels));
    else if (options.labels?.length) classNames = [...options.labels];
    else {
      throw new FairframeError('bad-predictions', `The predictions file '${path.basename(file)}' gives '${key}' as a list, but no class order is known: write it as an object {"class": score, …}, or give the classes in order under models[].labels in fairframe.json.`, { file });
    }
    const rawNames = sample && !Array.isArray(sample) ? Object.keys(sample) : classNames;
    return {
      kind,
      classNames,
      columns: [key],
      read: (values) => {
        const parsed = parseJsonScores(values[key]);
        if (parsed === undefined) return { error: `'${key}' is missing or is not a JSON object or array of numbers` };
        if (Array.isArray(parsed)) {
          if (parsed.length !== classNames.length) return { error: `'${key}' has ${parsed.length} values for ${classNames.length} classes` };
          return { scores: parsed.map((value) => (typeof value === 'number' ? value : Number.NaN)) };
        }
        return { scores: rawNames.map((name) => (typeof parsed[name] === 'number' ? (parsed[name] as number) : Number.NaN)) };
      },
    };
  }

  // One column per class: prefixed (prob_<class>, logit_<class>) or named after a dataset class.
  const candidates = columns.filter((column) => !reserved.has(column));
  const probabilityColumns = candidates.filter((column) => stripPrefix(column, PROBABILITY_PREFIXES) !== undefined);
  const logitColumns = candidates.filter((column) => stripPrefix(column, LOGIT_PREFIXES) !== undefined);
  const bareColumns = candidates.filter((column) => datasetLabels.some((label) => normaliseName(label) === normaliseName(column)) || options.labels?.includes(column));
  const perClass = (kind: 'probabilities' | 'logits', picked: string[], prefixes?: readonly string[]): ScoreLayout => ({
    kind,
    classNames: picked.map((column) => datasetSpelling(prefixes ? (stripPrefix(column, prefixes) as string) : column, datasetLabels)),
    columns: picked,
    read: (values) => ({ scores: picked.map((column) => parseScore(values[column])) }),
  });
  // Probabilities win over logits when both are written (the logits are then optional extra columns).
  if (bareColumns.length >= 2) return perClass('probabilities', bareColumns);
  if (probabilityColumns.length >= 2) return perClass('probabilities', probabilityColumns, PROBABILITY_PREFIXES);
  if (logitColumns.length >= 2) return perClass('logits', logitColumns, LOGIT_PREFIXES);
  if (predictedColumn !== undefined) {
    // Labels only: the classes are the configured labels, else the dataset's, plus any other predicted value.
    const classNames = options.labels?.length ? [...options.labels] : [...new Set(datasetLabels)].sort();
    return {
      kind: 'labels',
      classNames,
      columns: [],
      predicted: predictedColumn,
      read: (values) => ({ predicted: values[predictedColumn]?.trim() }),
    };
  }
  throw new FairframeError('bad-predictions',
    `The predictions file '${path.basename(file)}' has no predictions Fairframe recognises: give a '${PREDICTED_COLUMNS[0]}' column with the predicted label, or one probability column per class (named after the class or prob_<class>), or one logit column per class (logit_<class>). Its columns: ${columns.slice(0, 20).map((c) => `'${c}'`).join(', ') || 'none'}.`,
    { file, columns });
}

function parseJsonScores(text: string | undefined): number[] | Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value)) return value as number[];
    if (typeof value === 'object' && value !== null) return value as Record<string, unknown>;
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * Reads a predictions file. Throws 'bad-predictions' when the file as a whole cannot be used (unreadable, no path
 * column, no recognisable scores, no usable row); a bad row is skipped and reported in `issues`.
 * Probabilities whose row sum is off 1 by more than SUM_TOLERANCE are divided by their sum (and counted); logits go
 * through a softmax; a labels-only file gives one-hot rows.
 */
export async function readPredictionsFile(file: string, options: ReadPredictionsOptions): Promise<PredictionsTable> {
  const format = manifestKindOf(file);
  if (!format) throw new FairframeError('bad-predictions', `'${path.basename(file)}' is not a predictions file Fairframe reads: use .csv, .tsv or .jsonl.`, { file });
  const table = await readManifest(file, { signal: options.signal });
  throwIfAborted(options.signal);
  const fatal = table.issues.find((issue) => issue.kind === 'bad-manifest' && table.rows.length === 0);
  if (fatal) throw new FairframeError('bad-predictions', fatal.message.replace(/manifest/g, 'predictions file'), { file });
  const pathColumn = findColumn(table.columns, PATH_COLUMNS);
  if (pathColumn === undefined) {
    throw new FairframeError('bad-predictions',
      `The predictions file '${path.basename(file)}' has no image path column: name it one of ${PATH_COLUMNS.slice(0, 6).map((c) => `'${c}'`).join(', ')}. Its columns: ${table.columns.slice(0, 20).map((c) => `'${c}'`).join(', ') || 'none'}.`,
      { file, columns: table.columns });
  }
  const layout = scoreLayout(table.columns, table.rows[0]?.values, options, file);
  const classIndex = new Map(layout.classNames.map((name, i) => [name, i]));
  if (classIndex.size !== layout.classNames.length) {
    throw new FairframeError('bad-predictions', `The predictions file '${path.basename(file)}' names a class twice among its score columns (${layout.classNames.join(', ')}).`, { file });
  }
  const issues: LoadIssue[] = table.issues.map((issue) => ({ ...issue, message: issue.message.replace(/manifest/g, 'predictions file') }));
  let skipped = issues.filter((issue) => issue.kind === 'bad-row').length;
  const skip = (line: number, why: string): void => {
    skipped++;
    if (issues.length < MAX_ISSUES) issues.push({ kind: 'bad-row', message: `Line ${line} ${why}; the row is skipped.`, location: { file, line } });
  };
  const rows: PredictionRow[] = [];
  const renormalised = { rows: 0, maxDeviation: 0 };
  for (const { line, values } of table.rows) {
    const imagePath = values[pathColumn]?.trim();
    if (!imagePath) {
      skip(line, `has no image path in column '${pathColumn}'`);
      continue;
    }
    const read = layout.read(values);
    if (read.error) {
      skip(line, read.error);
      continue;
    }
    if (layout.kind === 'labels') {
      const predicted = read.predicted;
      if (!predicted) {
        skip(line, `has no predicted label in column '${layout.predicted}'`);
        continue;
      }
      let index = classIndex.get(predicted) ?? classIndex.get(datasetSpelling(predicted, layout.classNames));
      if (index === undefined) {
        index = layout.classNames.length;
        layout.classNames.push(predicted);
        classIndex.set(predicted, index);
      }
      const probs = new Float64Array(layout.classNames.length);
      probs[index] = 1;
      rows.push({ line, path: imagePath, probs });
      continue;
    }
    const scores = read.scores as number[];
    const bad = scores.findIndex((value) => !Number.isFinite(value));
    if (bad >= 0) {
      skip(line, `has no finite number for class '${layout.classNames[bad]}' (${JSON.stringify(truncate(values[layout.columns[bad]] ?? ''))})`);
      continue;
    }
    if (layout.kind === 'logits') {
      rows.push({ line, path: imagePath, probs: softmaxRow(scores) });
      continue;
    }
    if (scores.some((value) => value < 0)) {
      skip(line, 'has a negative probability');
      continue;
    }
    const sum = scores.reduce((a, b) => a + b, 0);
    if (!(sum > 0)) {
      skip(line, 'has probabilities that sum to 0');
      continue;
    }
    const probs = Float64Array.from(scores);
    const deviation = Math.abs(sum - 1);
    if (deviation > SUM_TOLERANCE) {
      renormalised.rows++;
      renormalised.maxDeviation = Math.max(renormalised.maxDeviation, deviation);
    }
    // Every row is divided by its sum, so rounding (within the tolerance) does not leave rows off 1 either.
    for (let i = 0; i < probs.length; i++) probs[i] /= sum;
    rows.push({ line, path: imagePath, probs, writtenSum: sum });
  }
  // A labels-only file may name more classes than the first rows knew of: pad the early one-hot rows.
  if (layout.kind === 'labels') {
    for (const row of rows) {
      if (row.probs.length < layout.classNames.length) {
        const padded = new Float64Array(layout.classNames.length);
        padded.set(row.probs);
        row.probs = padded;
      }
    }
  }
  if (rows.length === 0) {
    throw new FairframeError('bad-predictions',
      `The predictions file '${path.basename(file)}' has no usable row (${table.rows.length} rows read, ${skipped} skipped)${issues[0] ? `; first problem: ${issues[0].message}` : ''}.`,
      { file });
  }
  if (skipped > issues.length) issues.push({ kind: 'bad-row', message: `${skipped - issues.length} more rows were skipped.`, location: { file } });
  const skippedRows = skipped;
  return {
    file,
    format,
    scoreKind: layout.kind,
    classNames: layout.classNames,
    columns: { path: pathColumn, predicted: layout.predicted ?? findColumn(table.columns, PREDICTED_COLUMNS), scores: layout.columns },
    rows,
    issues,
    skippedRows,
    renormalised,
  };
}

function truncate(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
