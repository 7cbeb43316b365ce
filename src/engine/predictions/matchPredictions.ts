// Matches the rows of a predictions file to the images of a dataset: by path relative to the dataset root, by path
// relative to the predictions file, by absolute path, and by file name when exactly one image has that name.
import * as path from 'node:path';
import type { DatasetRecord } from '../types';
import type { PredictionRow } from './predictionsFile';

/** Rows matched to records, and the rows that matched nothing or repeated an image. */
export interface MatchedPredictions {
  /** Record id → its row (the first row naming the image). */
  byRecord: Map<string, PredictionRow>;
  /** Rows naming no image of the dataset. */
  unmatched: PredictionRow[];
  /** Rows naming an image an earlier row already named (the earlier row is used). */
  duplicates: PredictionRow[];
  /** Rows matched by file name alone. */
  matchedByName: number;
  /** File names that several images share, met in rows matched by nothing else. */
  ambiguousNames: number;
}

/** A written path in '/' form without './' prefixes. */
function cleanPath(raw: string): string {
  let clean = raw.replace(/\\/g, '/');
  while (clean.startsWith('./')) clean = clean.slice(2);
  return clean;
}

/** Matches rows to `records` (every record of the dataset, so rows for other splits are not called unmatched). */
export function matchPredictionRows(rows: readonly PredictionRow[], records: readonly DatasetRecord[], datasetRoot: string, predictionsDir: string): MatchedPredictions {
  const byRelPath = new Map<string, DatasetRecord>();
  const byAbsolute = new Map<string, DatasetRecord>();
  const byName = new Map<string, DatasetRecord[]>();
  for (const record of records) {
    byRelPath.set(record.relPath, record);
    byAbsolute.set(path.resolve(record.path), record);
    const name = path.basename(record.relPath);
    const list = byName.get(name);
    if (list) list.push(record);
    else byName.set(name, [record]);
  }
  const result: MatchedPredictions = { byRecord: new Map(), unmatched: [], duplicates: [], matchedByName: 0, ambiguousNames: 0 };
  for (const row of rows) {
    const written = cleanPath(row.path);
    let record: DatasetRecord | undefined;
    if (path.isAbsolute(written) || /^[A-Za-z]:\//.test(written)) record = byAbsolute.get(path.resolve(written));
    else {
      record = byRelPath.get(written) ?? byAbsolute.get(path.resolve(datasetRoot, written)) ?? byAbsolute.get(path.resolve(predictionsDir, written));
    }
    if (!record) {
      const candidates = byName.get(path.posix.basename(written));
      if (candidates?.length === 1) {
        record = candidates[0];
        result.matchedByName++;
      } else if (candidates && candidates.length > 1) result.ambiguousNames++;
    }
    if (!record) result.unmatched.push(row);
    else if (result.byRecord.has(record.id)) result.duplicates.push(row);
    else result.byRecord.set(record.id, row);
  }
  return result;
}
