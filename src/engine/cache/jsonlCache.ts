// The machinery shared by the persistent caches: an in-memory map of entries kept in one JSON-lines file whose first
// line is a header saying what the file caches. New entries are appended; the file is rewritten atomically (temp file
// + rename) when it must be. A file whose header does not match is treated as empty, damaged lines are skipped, and
// writing never throws: a failure is kept in the stats.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readGuardedText } from '../io/guardedFile';

/** What a cache did during this session. */
export interface JsonlCacheStats {
  /** Entries read from disk when opened. */
  loaded: number;
  hits: number;
  misses: number;
  /** True when an existing cache file was unusable (corrupt header, another version or another subject) and ignored. */
  discarded: boolean;
  /** Lines skipped because they could not be parsed or had the wrong shape. */
  skippedLines: number;
  /** Entries written to disk (appended or rewritten). */
  written: number;
  /** The last write failure, if any; writing the cache never fails the work it caches. */
  writeError?: string;
}

/** The fields of a header line; an existing file is read only when its header has each of them with the same value. */
export type JsonlCacheHeader = Record<string, string | number>;

/** A keyed cache in one JSON-lines file; a subclass defines the header, the line of an entry and how entries are used. */
export abstract class JsonlCache<Entry> {
  readonly file: string;
  readonly stats: JsonlCacheStats = { loaded: 0, hits: 0, misses: 0, discarded: false, skippedLines: 0, written: 0 };
  protected readonly entries = new Map<string, Entry>();
  private pending = new Set<string>();
  /** True when the file on disk must be rewritten rather than appended to (missing, discarded or with dead lines). */
  private rewrite = true;
  private writing: Promise<void> = Promise.resolve();

  protected constructor(file: string) {
    this.file = file;
  }

  /** The header written as the first line, in the key order it is written. */
  protected abstract header(): JsonlCacheHeader;

  /** The JSON value written on the line of an entry. */
  protected abstract encodeLine(key: string, entry: Entry): unknown;

  /** The key and entry of a parsed line, or undefined when the line is damaged (it is then skipped). */
  protected abstract decodeLine(value: unknown): { key: string; entry: Entry } | undefined;

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
      const keys = [...this.entries.keys()];
      const body = keys.map((key) => this.lineFor(key)).join('');
      // Entries set while the file is being written stay pending for the next flush.
      const written = new Set(this.pending);
      const temp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        await fs.mkdir(path.dirname(this.file), { recursive: true });
        await fs.writeFile(temp, `${JSON.stringify(this.header())}\n${body}`, 'utf8');
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

  /** The entry of a key when `isUsable` accepts it (a hit); otherwise undefined (a miss). */
  protected lookup(key: string, isUsable: (entry: Entry) => boolean): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry !== undefined && isUsable(entry)) {
      this.stats.hits++;
      return entry;
    }
    this.stats.misses++;
    return undefined;
  }

  /** Records an entry, to be written by the next flush or save. Replacing one appends a second line; on load the last wins. */
  protected store(key: string, entry: Entry): void {
    this.entries.set(key, entry);
    this.pending.add(key);
  }

  /** Drops an entry; the file is then rewritten on the next flush. */
  protected forget(key: string): void {
    if (this.entries.delete(key)) this.rewrite = true;
  }

  /** Reads the cache file once, if there is one; an unreadable file counts as no file. */
  protected async loadFile(): Promise<void> {
    let text: string | undefined;
    try {
      text = await readGuardedText(this.file, 'cache');
    } catch {
      text = undefined; // no cache yet (or unreadable): start empty
    }
    if (text !== undefined) this.load(text);
  }

  private load(text: string): void {
    const lines = text.split('\n');
    if (!this.matchesHeader(parseJson(lines[0]))) {
      this.stats.discarded = true;
      return;
    }
    let dead = 0;
    for (let i = 1; i < lines.length; i++) {
      if (lines[i] === '') continue;
      const line = this.decodeLine(parseJson(lines[i]));
      if (!line) {
        this.stats.skippedLines++;
        dead++;
        continue;
      }
      if (this.entries.has(line.key)) dead++;
      this.entries.set(line.key, line.entry);
    }
    this.stats.loaded = this.entries.size;
    // Appending after a dead line is still safe; rewrite only when dead lines pile up, or after a torn last line
    // (it would swallow the next append).
    this.rewrite = (dead > 0 && dead >= this.entries.size / 4) || !text.endsWith('\n');
  }

  private matchesHeader(value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false;
    const header = value as Partial<Record<string, unknown>>;
    return Object.entries(this.header()).every(([key, expected]) => header[key] === expected);
  }

  private lineFor(key: string): string {
    return `${JSON.stringify(this.encodeLine(key, this.entries.get(key) as Entry))}\n`;
  }

  /** Runs cache writes one at a time. */
  private serialised(task: () => Promise<void>): Promise<void> {
    const run = this.writing.then(task);
    this.writing = run.catch(() => undefined);
    return run;
  }
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
