// Small inline thumbnails (data: URIs) of the images a report shows, read safely from the datasets.
import * as path from 'node:path';
import sharp from 'sharp';
import type { AuditResult } from '../auditResult';
import { isInside } from '../dataset/walk';
import { readGuardedFile } from '../io/guardedFile';

/** Longest side of a report thumbnail, in pixels. */
export const REPORT_THUMBNAIL_SIZE = 64;

/** Images shown per model (the likeliest label errors). */
export const REPORT_THUMBNAILS_PER_MODEL = 12;

/** The key of a thumbnail: dataset name and relative path. */
export function thumbnailKey(dataset: string, relPath: string): string {
  return `${dataset}\u0000${relPath}`;
}

/** The images the HTML report shows: the top likely label errors of each model audit. */
export function reportImages(result: AuditResult): Array<{ dataset: string; relPath: string }> {
  const wanted = new Map<string, { dataset: string; relPath: string }>();
  for (const model of result.models) {
    for (const issue of (model.labelIssues?.issues ?? []).slice(0, REPORT_THUMBNAILS_PER_MODEL)) {
      wanted.set(thumbnailKey(model.dataset, issue.relPath), { dataset: model.dataset, relPath: issue.relPath });
    }
  }
  return [...wanted.values()];
}

/**
 * JPEG thumbnails as data: URIs, by thumbnailKey. An image outside its dataset root, unreadable, not a regular file or
 * larger than the thumbnail read limit is left out (the report then shows its path only).
 */
export async function collectThumbnails(result: AuditResult, images = reportImages(result)): Promise<Map<string, string>> {
  const thumbnails = new Map<string, string>();
  for (const { dataset, relPath } of images) {
    const root = result.datasets.find((d) => d.name === dataset)?.root;
    if (!root) continue;
    const file = path.resolve(root, relPath);
    if (!isInside(path.resolve(root), file)) continue;
    try {
      const bytes = await readGuardedFile(file, 'thumbnail');
      const jpeg = await sharp(bytes, { limitInputPixels: 100_000_000, failOn: 'error' })
        .rotate()
        .resize(REPORT_THUMBNAIL_SIZE, REPORT_THUMBNAIL_SIZE, { fit: 'inside' })
        .flatten({ background: '#ffffff' })
        .jpeg({ quality: 70 })
        .toBuffer();
      thumbnails.set(thumbnailKey(dataset, relPath), `data:image/jpeg;base64,${jpeg.toString('base64')}`);
    } catch {
      // Left out: the report lists the path without a picture.
    }
  }
  return thumbnails;
}
