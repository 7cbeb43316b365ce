// Hand-made datasets and scan outcomes for the checks that read image facts (no files needed).
import { resolveConfig } from '../../../src/engine/config/config';
import type { ResolvedConfig, RuleSetting, Thresholds } from '../../../src/engine/config/configTypes';
import type { CheckContext } from '../../../src/engine/checks/check';
import type { Dataset, DatasetRecord, ImageFacts, LoadIssue, ScanOutcome } from '../../../src/engine/types';

export const ROOT = '/data/set';
export const MANIFEST = '/data/set/metadata.csv';

/** A manifest record on line `index + 2` (after the header). */
export function record(index: number, label: string, fields: { split?: string; attributes?: Record<string, string>; relPath?: string } = {}): DatasetRecord {
  const relPath = fields.relPath ?? `img/${index}.jpg`;
  return {
    id: `r${index}`,
    path: `${ROOT}/${relPath}`,
    relPath,
    label,
    split: fields.split,
    attributes: fields.attributes ?? {},
    source: { file: MANIFEST, line: index + 2 },
  };
}

/** Records with the given labels, in order. */
export function records(labels: string[]): DatasetRecord[] {
  return labels.map((label, i) => record(i, label));
}

export function dataset(recs: DatasetRecord[], extra: { attributes?: string[]; loadIssues?: LoadIssue[]; manifest?: string | null } = {}): Dataset {
  return {
    name: 'set',
    root: ROOT,
    format: 'manifest',
    manifest: extra.manifest === null ? undefined : extra.manifest ?? MANIFEST,
    records: recs,
    attributes: (extra.attributes ?? []).map((name) => ({ name, origin: 'config' as const })),
    columns: ['file_name', 'label', ...(extra.attributes ?? [])],
    loadIssues: extra.loadIssues ?? [],
  };
}

/** Image facts of a plain mid-grey-ish 100×100 JPEG, with overrides. */
export function facts(overrides: Partial<ImageFacts> = {}): ImageFacts {
  return {
    width: 100,
    height: 100,
    channels: 3,
    format: 'jpeg',
    bytes: 10_000,
    brightness: 120,
    contrast: 40,
    saturation: 0.3,
    sharpness: 100,
    greyscale: false,
    dhash: '0123456789abcdef',
    sha256: 'a'.repeat(64),
    exif: {},
    provenance: {},
    ...overrides,
  };
}

export function ok(overrides: Partial<ImageFacts> = {}): ScanOutcome {
  return { ok: true, facts: facts(overrides) };
}

export function config(thresholds: Partial<Thresholds> = {}, rules: Record<string, RuleSetting> = {}): ResolvedConfig {
  return resolveConfig({ thresholds, rules });
}

export function context(ds: Dataset, scans: Map<string, ScanOutcome> = new Map(), cfg: ResolvedConfig = config()): CheckContext {
  return { dataset: ds, scans, config: cfg };
}

/** Scans keyed by record id `r<i>` in order. */
export function scansOf(outcomes: ScanOutcome[]): Map<string, ScanOutcome> {
  return new Map(outcomes.map((outcome, i) => [`r${i}`, outcome]));
}
