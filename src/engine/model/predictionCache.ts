// The persistent prediction cache: one JSON-lines file per (model, settings), in a cache folder outside the data,
// keyed by each image's content sha256, so a moved or renamed image is still a hit and a re-run after adding images
// runs the model on the new ones only. Probabilities (and optional features) are stored as little-endian float32 in
// base64. A corrupt, foreign or old-version file is treated as empty; a torn last line (a killed run) is skipped.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
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

/** What the cache did during this session. */
export interface PredictionCacheStats {
  /** Entries read from disk when opened. */
  loaded: number;
  hits: number;
  misses: number;
  /** True when an existing cache file was unusable (corrupt header, another version, model or settings) and ignored. */
  discarded: boolean;
  /** Lines skipped because they could not be parsed or had the wrong shape. */
  skippedLines: number;
  /** Entries written to disk (appended or rewritten). */
  written: number;
  /** The last write failure, if any; writing the cache never fails a run. */
  writeError?: string;
}

interface HeaderLine {
  fairframePredictionCache: number;
  model: string;
  settings: string;
}

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
export function predictionSettingsKey(spec: ModelSpec): string {
  const p = spec.preprocess;
  const settings = {
    preprocess: [p.width, p.height, p.resize, p.resizeShorter ?? null, p.layout, p.channels, p.channelOrder, p.scale, p.mean, p.std, p.inputType],
    input: spec.inputName,
    output: spec.outputName,
    outputKind: spec.outputKind,
  };
  return createHash('sha256').update(JSON.stringify(settings)).digest('hex');
}

/** Per-image cache of predictions for one model file and one set of settings. */
export class PredictionCache {
  readonly file: string;
  readonly modelSha256: string;
  readonly settingsKey: string;
  readonly stats: PredictionCacheStats;
  private readonly entries = new Map<string, CachedPrediction>();
  private pending = new Set<string>();
  /** True when the file on disk must be rewritten rather than appended to (missing, discarded or with dead lines). */
  private rewrite = true;
  private writing: Promise<void> = Promise.resolve();

  private constructor(file: string, modelSha256: string, settingsKey: string) {
    this.file = file;
    this.modelSha256 = modelSha256;
    this.settingsKey = settingsKey;
    this.stats = { loaded: 0, hits: 0, misses: 0, discarded: false, skippedLines: 0, written: 0 };
  }

  /** The cache file: `<cacheDir>/predictions-v<version>/<model sha256>-<first 16 hex of the settings key>.jsonl`. */
  static fileFor(cacheDir: string, modelSha256: string, settingsKey: string): string {
    return path.join(path.resolve(cacheDir), `predictions-v${PREDICTION_CACHE_VERSION}`, `${modelSha256}-${settingsKey.slice(0, 16)}.jsonl`);
  }

  /** Opens (or starts) the cache of a model (its file's sha256) run with these settings; reads the file once. */
  static async open(cacheDir: string, modelSha256: string, spec: ModelSpec): Promise<PredictionCache> {
    const settingsKey = predictionSettingsKey(spec);
    const cache = new PredictionCache(PredictionCache.fileFor(cacheDir, modelSha256, settingsKey), modelSha256, settingsKey);
    let text: string | undefined;
    try {
      text = await fs.readFile(cache.file, 'utf8');
    } catch {
      text = undefined; // no cache yet (or unreadable): start empty
    }
    if (text !== undefined) cache.load(text);
    return cache;
  }

  /** The cached prediction of an image (by content sha256); with `needFeatures`, an entry without features is a miss. */
  get(contentHash: string, needFeatures = false): CachedPrediction | undefined {
    const entry = this.entries.get(contentHash);
    if (entry && (!needFeatures || entry.features)) {
      this.stats.hits++;
      return entry;
    }
    this.stats.misses++;
    return undefined;
  }

  /** Records the prediction of an image (by content sha256). */
  set(contentHash: string, prediction: CachedPrediction): void {
    // Replacing an entry appends a second line for it; on load the last line wins.
    this.entries.set(contentHash, prediction);
    this.pending.add(contentHash);
  }

  /** Number of entries held. */
  get size(): number {
    return this.entries.size;
  }

  /** Entries set since the last write. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Appends the entries set since the last write (cheap), or rewrites the file when it must be. */
  async flush(): Promise<void> {
    if (this.rewrite) return this.save();
    await this.serialised(async () => {
      if (this.pending.size === 0) return;
      const keys = [...this.pending];
      this.pending = new Set();
      try {
        await fs.appendFile(this.file, keys.map((key) => this.lineFor(key)).join(''), 'utf8');
        this.stats.written += keys.length;
      } catch (error) {
        for (const key of keys) this.pending.add(key);
        this.stats.writeError = describe(error);
      }
    });
  }

  /** Rewrites the whole cache file atomically (temp file + rename), dropping dead lines. */
  async save(): Promise<void> {
    await this.serialised(async () => {
      if (!this.rewrite && this.pending.size === 0) return;
      const header: HeaderLine = { fairframePredictionCache: PREDICTION_CACHE_VERSION, model: this.modelSha256, settings: this.settingsKey };
      const keys = [...this.entries.keys()];
      const body = keys.map((key) => this.lineFor(key)).join('');
      const written = new Set(this.pending);
      const temp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        await fs.mkdir(path.dirname(this.file), { recursive: true });
        await fs.writeFile(temp, `${JSON.stringify(header)}\n${body}`, 'utf8');
        await fs.rename(temp, this.file);
        this.stats.written += keys.length;
        for (const key of written) this.pending.delete(key);
        this.rewrite = false;
      } catch (error) {
        this.stats.writeError = describe(error);
        await fs.rm(temp, { force: true }).catch(() => undefined);
      }
    });
  }

  private load(text: string): void {
    const lines = text.split('\n');
    const header = parseJson(lines[0]) as Partial<HeaderLine> | undefined;
    if (!header || header.fairframePredictionCache !== PREDICTION_CACHE_VERSION || header.model !== this.modelSha256 || header.settings !== this.settingsKey) {
      this.stats.discarded = true;
      return;
    }
    let dead = 0;
    let classes: number | undefined;
    for (let i = 1; i < lines.length; i++) {
      if (lines[i] === '') continue;
      const entry = toEntry(parseJson(lines[i]));
      // Every entry of one model has the same number of classes; a line that disagrees is damaged.
      if (!entry || (classes !== undefined && entry.prediction.probs.length !== classes)) {
        this.stats.skippedLines++;
        dead++;
        continue;
      }
      classes = entry.prediction.probs.length;
      if (this.entries.has(entry.hash)) dead++;
      this.entries.set(entry.hash, entry.prediction);
    }
    this.stats.loaded = this.entries.size;
    // Appending after a dead line is still safe; rewrite only when dead lines pile up, or after a torn last line.
    this.rewrite = (dead > 0 && dead >= this.entries.size / 4) || !text.endsWith('\n');
  }

  private lineFor(key: string): string {
    const entry = this.entries.get(key) as CachedPrediction;
    const line: EntryLine = { h: key, k: entry.outputKind === 'logits' ? 'l' : 'p', p: encodeFloats(entry.probs), ...(entry.features ? { f: encodeFloats(entry.features) } : {}) };
    return `${JSON.stringify(line)}\n`;
  }

  /** Runs cache writes one at a time. */
  private serialised(task: () => Promise<void>): Promise<void> {
    const run = this.writing.then(task);
    this.writing = run.catch(() => undefined);
    return run;
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

function toEntry(value: unknown): { hash: string; prediction: CachedPrediction } | undefined {
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
  return { hash: line.h, prediction: { probs, outputKind: line.k === 'l' ? 'logits' : 'probabilities', ...(features ? { features } : {}) } };
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
}

function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
