// The persistent prediction cache: one JSON-lines file per (model, settings), in a cache folder outside the data,
// keyed by each image's content sha256, so a moved or renamed image is still a hit and a re-run after adding images
// runs the model on the new ones only. Probabilities (and optional features) are stored as little-endian float32 in
// base64. A corrupt, foreign or old-version file is treated as empty; a torn last line (a killed run) is skipped.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { JsonlCache } from '../cache/jsonlCache';
import type { JsonlCacheStats } from '../cache/jsonlCache';
import type { ModelSpec, OutputKind } from './modelTypes';

/** Bump whenever what is stored or how predictions are computed changes: older caches are then ignored. */
export const PREDICTION_CACHE_VERSION = 1;

/** What is kept per image. */
export interface CachedPrediction {
  probs: Float32Array;
  features?: Float32Array;
  /** How the raw output was read (softmax applied to logits, or used as probabilities). */
  outputKind: OutputKind;
}

/** What the cache did during this session; `discarded` also covers a cache file of another model or other settings. */
export type PredictionCacheStats = JsonlCacheStats;

/** The first line of the file (a type, not an interface, so that it is a JsonlCacheHeader). */
type HeaderLine = {
  fairframePredictionCache: number;
  model: string;
  settings: string;
};

/** One line after the header: content hash, output kind ('l' logits / 'p' probabilities), probs, optional features. */
interface EntryLine {
  h: string;
  k: 'l' | 'p';
  p: string;
  f?: string;
}

/**
 * The settings that change a prediction besides the model and the image: sha256 of the preprocessing, input and output
 * names and the declared output kind. Labels and label maps do not change the numbers, so they are left out.
 */
export function predictionSettingsKey(spec: ModelSpec, pixelTransform?: string): string {
  const p = spec.preprocess;
  const settings = {
    preprocess: [p.width, p.height, p.resize, p.resizeShorter ?? null, p.layout, p.channels, p.channelOrder, p.scale, p.mean, p.std, p.inputType],
    input: spec.inputName,
    output: spec.outputName,
    outputKind: spec.outputKind,
    // A transform of the pixels (a corruption and its severity and seed) makes other predictions: its own entries.
    ...(pixelTransform !== undefined ? { pixelTransform } : {}),
  };
  return createHash('sha256').update(JSON.stringify(settings)).digest('hex');
}

/** Per-image cache of predictions for one model file and one set of settings. */
export class PredictionCache extends JsonlCache<CachedPrediction> {
  readonly modelSha256: string;
  readonly settingsKey: string;

  private constructor(file: string, modelSha256: string, settingsKey: string) {
    super(file);
    this.modelSha256 = modelSha256;
    this.settingsKey = settingsKey;
  }

  /** The cache file: `<cacheDir>/predictions-v<version>/<model sha256>-<first 16 hex of the settings key>.jsonl`. */
  static fileFor(cacheDir: string, modelSha256: string, settingsKey: string): string {
    return path.join(path.resolve(cacheDir), `predictions-v${PREDICTION_CACHE_VERSION}`, `${modelSha256}-${settingsKey.slice(0, 16)}.jsonl`);
  }

  /** Opens (or starts) the cache of a model (its file's sha256) run with these settings (and pixel transform, if any); reads the file once. */
  static async open(cacheDir: string, modelSha256: string, spec: ModelSpec, pixelTransform?: string): Promise<PredictionCache> {
    const settingsKey = predictionSettingsKey(spec, pixelTransform);
    const cache = new PredictionCache(PredictionCache.fileFor(cacheDir, modelSha256, settingsKey), modelSha256, settingsKey);
    await cache.loadFile();
    return cache;
  }

  /** The cached prediction of an image (by content sha256); with `needFeatures`, an entry without features is a miss. */
  get(contentHash: string, needFeatures = false): CachedPrediction | undefined {
    return this.lookup(contentHash, (entry) => !needFeatures || entry.features !== undefined);
  }

  /** Records the prediction of an image (by content sha256). */
  set(contentHash: string, prediction: CachedPrediction): void {
    this.store(contentHash, prediction);
  }

  protected override header(): HeaderLine {
    return { fairframePredictionCache: PREDICTION_CACHE_VERSION, model: this.modelSha256, settings: this.settingsKey };
  }

  protected override encodeLine(key: string, entry: CachedPrediction): EntryLine {
    return { h: key, k: entry.outputKind === 'logits' ? 'l' : 'p', p: encodeFloats(entry.probs), ...(entry.features ? { f: encodeFloats(entry.features) } : {}) };
  }

  protected override decodeLine(value: unknown): { key: string; entry: CachedPrediction } | undefined {
    const line = toEntry(value);
    // Every entry of one model has the same number of classes; a line that disagrees with those read before is damaged.
    const classes = this.entries.values().next().value?.probs.length;
    if (!line || (classes !== undefined && line.entry.probs.length !== classes)) return undefined;
    return line;
  }
}

/** Float32 values as base64 of their little-endian bytes. */
export function encodeFloats(values: Float32Array): string {
  const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  if (bytes.length > 0 && !isLittleEndian()) return Buffer.from(bytes).swap32().toString('base64');
  return bytes.toString('base64');
}

/** The inverse of encodeFloats; undefined when the text is not a whole number of float32 values. */
export function decodeFloats(text: string): Float32Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 4 !== 0) return undefined;
  const copy = new Uint8Array(bytes); // aligned copy: a Buffer's offset into its pool need not be a multiple of 4
  if (!isLittleEndian()) Buffer.from(copy.buffer).swap32();
  return new Float32Array(copy.buffer);
}

function toEntry(value: unknown): { key: string; entry: CachedPrediction } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const line = value as Partial<EntryLine>;
  if (typeof line.h !== 'string' || line.h === '' || (line.k !== 'l' && line.k !== 'p') || typeof line.p !== 'string') return undefined;
  const probs = decodeFloats(line.p);
  if (!probs || probs.length === 0) return undefined;
  let features: Float32Array | undefined;
  if (line.f !== undefined) {
    if (typeof line.f !== 'string') return undefined;
    features = decodeFloats(line.f);
    if (!features) return undefined;
  }
  return { key: line.h, entry: { probs, outputKind: line.k === 'l' ? 'logits' : 'probabilities', ...(features ? { features } : {}) } };
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
}
