// Lists a directory without throwing, keeping names that are not valid UTF-8 apart (they cannot be addressed as strings).
import { promises as fs } from 'node:fs';
import type { Dirent } from 'node:fs';

export type EntryKind = 'file' | 'dir' | 'symlink' | 'other';

export interface DirEntry {
  name: string;
  kind: EntryKind;
}

/** The listing of one directory: usable entries, names that do not round-trip through UTF-8, or the error. */
export interface DirListing {
  entries: DirEntry[];
  /** Names that are not valid UTF-8, shown with invalid bytes escaped (\xNN). */
  badNames: string[];
  error?: NodeJS.ErrnoException;
}

/** Lists `dir`; never throws. */
export async function readDirSafe(dir: string): Promise<DirListing> {
  let dirents: Dirent<Buffer>[];
  try {
    dirents = await fs.readdir(dir, { withFileTypes: true, encoding: 'buffer' });
  } catch (error) {
    return { entries: [], badNames: [], error: error as NodeJS.ErrnoException };
  }
  const entries: DirEntry[] = [];
  const badNames: string[] = [];
  for (const dirent of dirents) {
    const raw = dirent.name;
    const name = raw.toString('utf8');
    if (!Buffer.from(name, 'utf8').equals(raw)) {
      badNames.push(escapeBytes(raw));
      continue;
    }
    const kind: EntryKind = dirent.isSymbolicLink() ? 'symlink' : dirent.isDirectory() ? 'dir' : dirent.isFile() ? 'file' : 'other';
    entries.push({ name, kind });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { entries, badNames };
}

/** A printable form of a raw file name: valid UTF-8 kept, other bytes as \xNN. */
export function escapeBytes(raw: Buffer): string {
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const length = utf8SequenceLength(raw, i);
    if (length > 0) {
      out += raw.subarray(i, i + length).toString('utf8');
      i += length;
    } else {
      out += `\\x${raw[i].toString(16).padStart(2, '0')}`;
      i++;
    }
  }
  return out;
}

function utf8SequenceLength(raw: Buffer, i: number): number {
  const first = raw[i];
  const length = first < 0x80 ? 1 : first >= 0xc2 && first < 0xe0 ? 2 : first >= 0xe0 && first < 0xf0 ? 3 : first >= 0xf0 && first < 0xf5 ? 4 : 0;
  if (length === 0 || i + length > raw.length) return 0;
  const piece = raw.subarray(i, i + length);
  return Buffer.from(piece.toString('utf8'), 'utf8').equals(piece) ? length : 0;
}
