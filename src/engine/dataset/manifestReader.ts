// Reads CSV, TSV and JSONL manifests into rows that keep their 1-based line in the file.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Parser } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { throwIfAborted } from '../errors';
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
    const handle = await fs.open(file, 'r');
    try {
      const buffer = Buffer.alloc(HEADER_PROBE_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, HEADER_PROBE_BYTES, 0);
      head = buffer.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '');
    } finally {
      await handle.close();
    }
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

/** Reads a whole manifest. Unreadable files and parse failures become issues; rows before a failure are kept. */
export async function readManifest(file: string, options: ReadManifestOptions = {}): Promise<ManifestTable> {
  const kind = manifestKindOf(file) ?? 'csv';
  let buffer: Buffer;
  try {
    buffer = await fs.readFile(file);
  } catch (error) {
    return {
      columns: [],
      rows: [],
      issues: [{ kind: 'bad-manifest', message: `The manifest '${file}' cannot be read: ${(error as Error).message}.`, location: { file } }],
    };
  }
  throwIfAborted(options.signal);
  return kind === 'jsonl' ? readJsonLines(file, buffer) : readDelimited(file, buffer, kind, options.signal);
}

function readJsonLines(file: string, buffer: Buffer): ManifestTable {
  const text = buffer.toString('utf8').replace(/^\uFEFF/, '');
  const columns: string[] = [];
  const known = new Set<string>();
  const rows: ManifestRow[] = [];
  const issues: LoadIssue[] = [];
  const lines = text.split(/\r\n|\n|\r/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      issues.push({ kind: 'bad-row', message: `Line ${index + 1} is not valid JSON (${(error as Error).message}); the row is skipped.`, location: { file, line: index + 1 } });
      continue;
    }
    if (!isPlainObject(value)) {
      issues.push({ kind: 'bad-row', message: `Line ${index + 1} is not a JSON object; the row is skipped.`, location: { file, line: index + 1 } });
      continue;
    }
    const values: Record<string, string | undefined> = Object.create(null);
    for (const [key, raw] of Object.entries(value)) {
      if (!known.has(key)) {
        known.add(key);
        columns.push(key);
      }
      values[key] = jsonValueToString(raw);
    }
    rows.push({ line: index + 1, values });
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

async function readDelimited(file: string, buffer: Buffer, kind: ManifestKind, signal?: AbortSignal): Promise<ManifestTable> {
  const hasBom = buffer.length >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf;
  const firstNewline = buffer.indexOf(0x0a);
  const headerText = buffer.subarray(hasBom ? 3 : 0, firstNewline < 0 ? Math.min(buffer.length, HEADER_PROBE_BYTES) : firstNewline).toString('utf8');
  const delimiter = detectDelimiter(headerText, kind);

  // csv-parse miscounts lines for CRLF inside quoted fields, so lines are counted here from each record's end offset.
  const lines = new LineCounter(buffer, hasBom ? 3 : 0);
  let columns: string[] | undefined;
  const rows: ManifestRow[] = [];
  const issues: LoadIssue[] = [];

  const handle = ({ record, end }: ParsedRecord): void => {
    const line = lines.startOf(end);
    if (!columns) {
      columns = headerNames(record);
      return;
    }
    if (record.every((field) => field.trim() === '')) return; // a row of empty fields, as spreadsheets leave behind
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

  const parser = new OffsetParser({ bom: true, delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: true });
  await new Promise<void>((resolve) => {
    let count = 0;
    parser.on('data', (parsed: ParsedRecord) => {
      handle(parsed);
      if (++count % 10_000 === 0 && signal?.aborted) parser.destroy();
    });
    parser.on('error', (error: Error) => {
      const line = lines.nextStart();
      issues.push({
        kind: 'bad-manifest',
        message: `The manifest '${path.basename(file)}' cannot be parsed from line ${line} on (${error.message.split(':')[0].toLowerCase()}); the rows before it are kept.`,
        location: { file, line },
      });
      resolve();
    });
    parser.on('end', () => resolve());
    parser.on('close', () => resolve());
    parser.end(buffer);
  });
  throwIfAborted(signal);
  return { columns: columns ?? [], rows, issues };
}

/** Turns end offsets of successive records into 1-based starting lines (\n, \r\n and lone \r end a line). */
class LineCounter {
  private cursor: number;
  private newlines = 0;

  constructor(private readonly buffer: Buffer, start: number) {
    this.cursor = start;
  }

  /** The starting line of the record that ends at byte offset `end`; advances past it. */
  startOf(end: number): number {
    const line = this.nextStart(end);
    this.advanceTo(Math.min(end, this.buffer.length));
    return line;
  }

  /** The line of the next non-empty content after the last record (advancing past blank lines up to `limit`). */
  nextStart(limit = this.buffer.length): number {
    const { buffer } = this;
    while (this.cursor < limit && (buffer[this.cursor] === 0x0a || buffer[this.cursor] === 0x0d)) this.step();
    return this.newlines + 1;
  }

  private step(): void {
    const byte = this.buffer[this.cursor];
    if (byte === 0x0a || (byte === 0x0d && this.buffer[this.cursor + 1] !== 0x0a)) this.newlines++;
    this.cursor++;
  }

  private advanceTo(end: number): void {
    while (this.cursor < end) this.step();
  }
}
