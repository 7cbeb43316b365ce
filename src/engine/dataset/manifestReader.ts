// Reads CSV, TSV and JSONL manifests into rows that keep their 1-based line in the file.
import * as path from 'node:path';
import { Parser } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { FairframeError, throwIfAborted } from '../errors';
import { assertWithinLimit, formatMiB, MANIFEST_LINE_LIMIT, openRegularFile, readGuardedHead, type RegularFile } from '../io/guardedFile';
import type { LoadIssue } from '../types';

export type ManifestKind = 'csv' | 'tsv' | 'jsonl';

/** One data row: its 1-based starting line and its values by column (undefined when absent or null). */
export interface ManifestRow {
  line: number;
  values: Record<string, string | undefined>;
}

export interface ManifestTable {
  columns: string[];
  rows: ManifestRow[];
  issues: LoadIssue[];
}

/** The manifest kind from the file extension (.csv, .tsv, .jsonl/.ndjson), or undefined. */
export function manifestKindOf(file: string): ManifestKind | undefined {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.tsv') return 'tsv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  return undefined;
}

const HEADER_PROBE_BYTES = 256 * 1024;

/** The column names of a manifest read from its start, or undefined when it is not a readable manifest. */
export async function readManifestColumns(file: string): Promise<string[] | undefined> {
  const kind = manifestKindOf(file);
  if (!kind) return undefined;
  let head: string;
  try {
    head = (await readGuardedHead(file, HEADER_PROBE_BYTES)).toString('utf8').replace(/^\uFEFF/, '');
  } catch {
    return undefined;
  }
  if (kind === 'jsonl') {
    for (const line of head.split(/\r\n|\n|\r/)) {
      if (line.trim() === '') continue;
      try {
        const value: unknown = JSON.parse(line);
        return isPlainObject(value) ? Object.keys(value) : undefined;
      } catch {
        return undefined;
      }
    }
    return undefined;
  }
  const firstLine = head.split(/\r\n|\n|\r/).find((line) => line.trim() !== '');
  if (firstLine === undefined) return undefined;
  try {
    const records = parseSync(firstLine, { delimiter: detectDelimiter(firstLine, kind), relax_quotes: true, relax_column_count: true }) as string[][];
    return records[0] ? headerNames(records[0]) : undefined;
  } catch {
    return undefined;
  }
}

/** Field delimiter: a tab for .tsv; for .csv the most frequent of , ; tab | outside quotes in the header (comma on ties). */
export function detectDelimiter(headerLine: string, kind: ManifestKind): string {
  if (kind === 'tsv') return '\t';
  const counts = new Map<string, number>([[',', 0], [';', 0], ['\t', 0], ['|', 0]]);
  let quoted = false;
  for (const char of headerLine) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && counts.has(char)) counts.set(char, (counts.get(char) ?? 0) + 1);
  }
  let best = ',';
  for (const [char, count] of counts) if (count > (counts.get(best) ?? 0)) best = char;
  return best;
}

/** Header cells trimmed; empty names become column_<n>; repeated names get _<n> (n = 1-based position). */
function headerNames(cells: string[]): string[] {
  const seen = new Set<string>();
  return cells.map((cell, index) => {
    let name = cell.trim() || `column_${index + 1}`;
    if (seen.has(name)) name = `${name}_${index + 1}`;
    seen.add(name);
    return name;
  });
}

export interface ReadManifestOptions {
  signal?: AbortSignal;
}

/** Reads a whole manifest, streamed. Unreadable files and parse failures become issues; rows before a failure are kept. */
export async function readManifest(file: string, options: ReadManifestOptions = {}): Promise<ManifestTable> {
  const kind = manifestKindOf(file) ?? 'csv';
  let opened: RegularFile;
  try {
    opened = await openRegularFile(file, 'manifest');
    try {
      assertWithinLimit(file, opened.size, 'manifest');
    } catch (error) {
      await opened.handle.close();
      throw error;
    }
  } catch (error) {
    const text = (error as Error).message.replace(/[.;]+$/, '');
    return {
      columns: [],
      rows: [],
      issues: [{ kind: 'bad-manifest', message: FairframeError.is(error) ? text + '.' : `The manifest '${file}' cannot be read: ${text}.`, location: { file } }],
    };
  }
  try {
    return kind === 'jsonl' ? await readJsonLines(file, opened, options.signal) : await readDelimited(file, opened, kind, options.signal);
  } finally {
    await opened.handle.close();
  }
}

/** The chunks of an opened file, up to its stat'ed size. */
async function* chunksOf({ handle, size }: RegularFile, signal?: AbortSignal): AsyncGenerator<Buffer> {
  let position = 0;
  while (position < size) {
    throwIfAborted(signal);
    const buffer = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, size - position));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
  }
}

const READ_CHUNK_BYTES = 1024 * 1024;

/** Splits streamed bytes into lines (\n, \r\n or a lone \r end a line); a line over `limit` bytes is reported, not kept. */
async function* linesOf(chunks: AsyncIterable<Buffer>, limit: number): AsyncGenerator<{ line: number; text?: string }> {
  let parts: Buffer[] = [];
  let partBytes = 0;
  let tooLong = false;
  let line = 1;
  let afterCr = false;
  const finish = (): { line: number; text?: string } => {
    const out = { line, text: tooLong ? undefined : Buffer.concat(parts, partBytes).toString('utf8') };
    parts = [];
    partBytes = 0;
    tooLong = false;
    line++;
    return out;
  };
  for await (const chunk of chunks) {
    let start = 0;
    if (afterCr && chunk.length > 0 && chunk[0] === 0x0a) start = 1;
    afterCr = false;
    for (let i = start; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte !== 0x0a && byte !== 0x0d) continue;
      if (!tooLong) {
        partBytes += i - start;
        if (partBytes > limit) tooLong = true;
        else parts.push(chunk.subarray(start, i));
      }
      yield finish();
      if (byte === 0x0d) {
        if (i + 1 < chunk.length && chunk[i + 1] === 0x0a) i++;
        else if (i + 1 === chunk.length) afterCr = true;
      }
      start = i + 1;
    }
    if (!tooLong && start < chunk.length) {
      partBytes += chunk.length - start;
      if (partBytes > limit) {
        tooLong = true;
        parts = [];
      } else parts.push(Buffer.from(chunk.subarray(start)));
    }
  }
  if (tooLong || partBytes > 0) yield finish();
}

async function readJsonLines(file: string, opened: RegularFile, signal?: AbortSignal): Promise<ManifestTable> {
  const columns: string[] = [];
  const known = new Set<string>();
  const rows: ManifestRow[] = [];
  const issues: LoadIssue[] = [];
  for await (const { line: lineNumber, text } of linesOf(chunksOf(opened, signal), MANIFEST_LINE_LIMIT)) {
    if (text === undefined) {
      issues.push({ kind: 'bad-row', message: `Line ${lineNumber} is longer than ${formatMiB(MANIFEST_LINE_LIMIT)}, the limit for one manifest row; the row is skipped.`, location: { file, line: lineNumber } });
      continue;
    }
    const line = lineNumber === 1 ? text.replace(/^\uFEFF/, '') : text;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      issues.push({ kind: 'bad-row', message: `Line ${lineNumber} is not valid JSON (${(error as Error).message}); the row is skipped.`, location: { file, line: lineNumber } });
      continue;
    }
    if (!isPlainObject(value)) {
      issues.push({ kind: 'bad-row', message: `Line ${lineNumber} is not a JSON object; the row is skipped.`, location: { file, line: lineNumber } });
      continue;
    }
    const values: Record<string, string | undefined> = Object.create(null);
    try {
      for (const [key, raw] of Object.entries(value)) values[key] = jsonValueToString(raw);
    } catch {
      // JSON.stringify recurses: a value nested a hundred thousand deep overflows the stack.
      issues.push({ kind: 'bad-row', message: `Line ${lineNumber} holds a value nested too deeply to read; the row is skipped.`, location: { file, line: lineNumber } });
      continue;
    }
    for (const key of Object.keys(values)) {
      if (!known.has(key)) {
        known.add(key);
        columns.push(key);
      }
    }
    rows.push({ line: lineNumber, values });
  }
  return { columns, rows, issues };
}

function jsonValueToString(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface ParsedRecord {
  record: string[];
  /** Byte offset just past the record (its delimiter included). */
  end: number;
}

/** csv-parse's stream parser, tagging each record with the parser's byte offset at the moment it is emitted. */
class OffsetParser extends Parser {
  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    return super.push(chunk === null ? null : { record: chunk, end: this.info.bytes }, encoding);
  }
}

async function readDelimited(file: string, opened: RegularFile, kind: ManifestKind, signal?: AbortSignal): Promise<ManifestTable> {
  const chunks = chunksOf(opened, signal);
  const first = await chunks.next();
  const head: Buffer = first.done ? Buffer.alloc(0) : first.value;
  const hasBom = head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
  const firstNewline = head.indexOf(0x0a);
  const headerText = head.subarray(hasBom ? 3 : 0, firstNewline < 0 ? Math.min(head.length, HEADER_PROBE_BYTES) : firstNewline).toString('utf8');
  const delimiter = detectDelimiter(headerText, kind);

  // csv-parse miscounts lines for CRLF inside quoted fields, so lines are counted here from each record's end offset.
  const lines = new LineCounter(hasBom ? 3 : 0);
  let columns: string[] | undefined;
  const rows: ManifestRow[] = [];
  const issues: LoadIssue[] = [];
  const headers: string[][] = [];

  const handle = ({ record, end }: ParsedRecord): void => {
    const line = lines.startOf(end);
    if (!columns) {
      columns = headerNames(record);
      headers.push(record);
      return;
    }
    if (record.every((field) => field.trim() === '')) return; // a row of empty fields, as spreadsheets leave behind
    if (headers.length === 1 && record.length === headers[0].length && record.every((field, i) => field === headers[0][i])) {
      issues.push({ kind: 'bad-row', message: `Line ${line} repeats the header row (files joined together?); the row is skipped.`, location: { file, line } });
      return;
    }
    const extra = record.slice(columns.length).filter((field) => field.trim() !== '');
    if (extra.length > 0) {
      issues.push({
        kind: 'bad-row',
        message: `Line ${line} has ${record.length} fields but the header has ${columns.length}; quote values that contain '${delimiter === '\t' ? '\\t' : delimiter}'. The row is skipped.`,
        location: { file, line },
      });
      return;
    }
    const values: Record<string, string | undefined> = Object.create(null);
    columns.forEach((column, index) => {
      values[column] = record[index];
    });
    rows.push({ line, values });
  };

  // max_record_size bounds the text held for one record, so one huge field cannot exhaust memory.
  const parser = new OffsetParser({ bom: true, delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, max_record_size: MANIFEST_LINE_LIMIT });
  let failed = false;
  const done = new Promise<void>((resolve) => {
    let count = 0;
    parser.on('data', (parsed: ParsedRecord) => {
      handle(parsed);
      if (++count % 10_000 === 0 && signal?.aborted) parser.destroy();
    });
    parser.on('error', (error: Error & { code?: string }) => {
      failed = true;
      const line = lines.nextStart();
      const why = error.code === 'CSV_MAX_RECORD_SIZE' ? `a row is longer than ${formatMiB(MANIFEST_LINE_LIMIT)}, the limit for one manifest row` : error.message.split(':')[0].toLowerCase();
      issues.push({
        kind: 'bad-manifest',
        message: `The manifest '${path.basename(file)}' cannot be parsed from line ${line} on (${why}); the rows before it are kept.`,
        location: { file, line },
      });
      resolve();
    });
    parser.on('end', () => resolve());
    parser.on('close', () => resolve());
  });
  const feed = async (chunk: Buffer): Promise<void> => {
    lines.append(chunk);
    if (!parser.write(chunk)) await new Promise<void>((resolve) => { parser.once('drain', resolve); parser.once('close', resolve); parser.once('error', () => resolve()); });
  };
  try {
    if (head.length > 0) await feed(head);
    for await (const chunk of chunks) {
      if (failed || parser.destroyed) break;
      await feed(chunk);
    }
  } finally {
    if (!failed && !parser.destroyed) parser.end();
  }
  await done;
  throwIfAborted(signal);
  return { columns: columns ?? [], rows, issues };
}

/** Turns end offsets of successive records into 1-based starting lines (\n, \r\n and lone \r end a line), over streamed chunks. */
class LineCounter {
  private cursor: number;
  private newlines = 0;
  private readonly chunks: Buffer[] = [];
  /** Absolute offset of chunks[0]. */
  private base = 0;
  private total = 0;

  constructor(start: number) {
    this.cursor = start;
  }

  /** Adds the next chunk of the file. */
  append(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** The starting line of the record that ends at byte offset `end`; advances past it. */
  startOf(end: number): number {
    const line = this.nextStart(end);
    this.advanceTo(Math.min(end, this.total));
    return line;
  }

  /** The line of the next non-empty content after the last record (advancing past blank lines up to `limit`). */
  nextStart(limit = this.total): number {
    for (let byte = this.byteAt(this.cursor); this.cursor < limit && (byte === 0x0a || byte === 0x0d); byte = this.byteAt(this.cursor)) this.step();
    return this.newlines + 1;
  }

  private byteAt(offset: number): number | undefined {
    while (this.chunks.length > 1 && offset >= this.base + this.chunks[0].length) {
      this.base += this.chunks[0].length;
      this.chunks.shift();
    }
    let at = offset - this.base;
    for (const chunk of this.chunks) {
      if (at < chunk.length) return chunk[at];
      at -= chunk.length;
    }
    return undefined;
  }

  private step(): void {
    const byte = this.byteAt(this.cursor);
    if (byte === 0x0a || (byte === 0x0d && this.byteAt(this.cursor + 1) !== 0x0a)) this.newlines++;
    this.cursor++;
  }

  private advanceTo(end: number): void {
    while (this.cursor < end) {
      this.byteAt(this.cursor); // drops the chunks before the cursor
      const chunk = this.chunks[0];
      const stop = Math.min(end - this.base, chunk.length);
      for (let i = this.cursor - this.base; i < stop; i++) {
        const byte = chunk[i];
        if (byte === 0x0a) this.newlines++;
        else if (byte === 0x0d && (i + 1 < chunk.length ? chunk[i + 1] : this.chunks[1]?.[0]) !== 0x0a) this.newlines++;
      }
      this.cursor = this.base + stop;
    }
  }
}
