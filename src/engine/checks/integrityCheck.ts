// Integrity: files that cannot be used (unreadable, empty, unsupported, oversized), manifest
// rows that point nowhere, images no row lists, and label spellings that split one class.
import { plainRecord } from '../dictionary';
import { assertNever } from '../errors';
import type { DatasetRecord, Finding, LoadIssue, LoadIssueKind, Location, ScanErrorCode } from '../types';
import { pushFinding, type CheckContext, type CheckOutput, type DatasetCheck, type RuleInfo } from './check';

const IMAGE_UNREADABLE: RuleInfo = {
  id: 'FF-D010',
  name: 'image-unreadable',
  description: 'An image file cannot be decoded: it is corrupt, truncated, or not a regular file.',
  defaultSeverity: 'error',
};
const IMAGE_EMPTY: RuleInfo = { id: 'FF-D011', name: 'image-empty', description: 'An image file is empty (0 bytes).', defaultSeverity: 'error' };
const IMAGE_UNSUPPORTED: RuleInfo = {
  id: 'FF-D012',
  name: 'image-unsupported-format',
  description: 'An image file is in a format the decoder cannot read.',
  defaultSeverity: 'warning',
};
const MANIFEST_MISSING_FILE: RuleInfo = {
  id: 'FF-D013',
  name: 'manifest-missing-file',
  description: 'A manifest row names a file that does not exist.',
  defaultSeverity: 'error',
};
const UNLISTED_IMAGE: RuleInfo = {
  id: 'FF-D014',
  name: 'unlisted-image',
  description: 'An image file under the dataset root is not listed in the manifest.',
  defaultSeverity: 'warning',
};
const PATH_ESCAPES_ROOT: RuleInfo = {
  id: 'FF-D015',
  name: 'path-escapes-root',
  description: 'A manifest path resolves outside the dataset root.',
  defaultSeverity: 'error',
};
const LABEL_SPELLING: RuleInfo = {
  id: 'FF-D016',
  name: 'label-spelling',
  description: 'Labels that differ only in case, whitespace, separators or a small typo, splitting one class in two.',
  defaultSeverity: 'warning',
};
const IMAGE_OVERSIZED: RuleInfo = {
  id: 'FF-D017',
  name: 'image-oversized',
  description: 'An image has more pixels than `maxPixels` and was not decoded.',
  defaultSeverity: 'warning',
};
const MANIFEST_PROBLEM: RuleInfo = {
  id: 'FF-D018',
  name: 'manifest-problem',
  description: 'The manifest cannot be read (error), or a row, directory or symlink could not be used (warning).',
  defaultSeverity: 'error',
};

/** Dataset integrity: load issues, scan failures and label spelling variants. Works without scans. */
export const integrityCheck: DatasetCheck = {
  name: 'integrity',
  description: 'Finds unreadable, empty, unsupported and oversized images, broken manifest rows, unlisted images and labels spelled several ways.',
  rules: [IMAGE_UNREADABLE, IMAGE_EMPTY, IMAGE_UNSUPPORTED, MANIFEST_MISSING_FILE, UNLISTED_IMAGE, PATH_ESCAPES_ROOT, LABEL_SPELLING, IMAGE_OVERSIZED, MANIFEST_PROBLEM],
  thresholds: ['labelEditDistance', 'maxPixels'],
  needsScan: false,
  run: runIntegrityCheck,
};

function runIntegrityCheck(context: CheckContext): CheckOutput {
  const { dataset, scans, config } = context;
  const findings: Finding[] = [];

  const loadIssues: Partial<Record<LoadIssueKind, number>> = {};
  for (const issue of dataset.loadIssues) {
    loadIssues[issue.kind] = (loadIssues[issue.kind] ?? 0) + 1;
    reportLoadIssue(findings, context, issue);
  }

  const scanFailures: Partial<Record<ScanErrorCode, number>> = {};
  const scores: Record<string, number> = Object.create(null);
  let scanned = 0;
  for (const record of dataset.records) {
    const outcome = scans.get(record.id);
    if (!outcome) continue;
    scanned++;
    if (outcome.ok) continue;
    scanFailures[outcome.code] = (scanFailures[outcome.code] ?? 0) + 1;
    scores[record.id] = 1;
    reportScanFailure(findings, context, record, outcome.code, outcome);
  }

  const variants = findLabelVariants(dataset.records, config.thresholds.labelEditDistance);
  for (const group of variants) {
    const canonical = group.spellings[0];
    const rare = group.spellings.slice(1);
    const listed = group.spellings.map((s) => `'${s.label}' (${s.count})`);
    const how = group.editDistance > 0
      ? `they differ by ${group.editDistance} edit${group.editDistance === 1 ? '' : 's'} after ignoring case, whitespace and '-'/'_' separators`
      : "they differ only in case, whitespace or '-'/'_' separators";
    const fix = dataset.manifest ? 'fix the label column of the manifest' : 'rename the folders to one spelling';
    pushFinding(findings, config, LABEL_SPELLING, {
      message: `Labels ${joinList(listed)} look like spellings of one class: ${how}. They are counted as ${group.spellings.length} separate classes.`,
      location: group.location,
      related: rare.slice(1).map((s) => s.first).concat(canonical.first),
      evidence: {
        spellings: group.spellings.map((s) => ({ label: s.label, count: s.count })),
        mostCommon: canonical.label,
        editDistance: group.editDistance,
      },
      suggestion: `Use one spelling (e.g. '${canonical.label}'): ${fix}. Fairframe never edits the data.`,
    });
  }

  return {
    findings,
    summary: {
      scanned: scans.size > 0,
      imagesScanned: scanned,
      loadIssues,
      scanFailures,
      labelVariantGroups: variants.length,
      labelEditDistanceSkipped: countKeys(dataset.records) > MAX_KEYS_FOR_EDIT_DISTANCE,
    },
    scores: plainRecord(scores),
  };
}

function reportLoadIssue(findings: Finding[], context: CheckContext, issue: LoadIssue): void {
  const { config, dataset } = context;
  const evidence: Record<string, unknown> = { kind: issue.kind, path: issue.path };
  switch (issue.kind) {
    case 'missing-file':
      pushFinding(findings, config, MANIFEST_MISSING_FILE, {
        message: issue.message,
        location: issue.location,
        evidence,
        suggestion: 'Restore the file, fix its path in the manifest, or remove the row.',
      });
      return;
    case 'unlisted-file':
      pushFinding(findings, config, UNLISTED_IMAGE, {
        message: issue.message,
        location: issue.location,
        evidence,
        suggestion: `Add a row for it to ${dataset.manifest ? `'${dataset.manifest}'` : 'the manifest'}, or move it out of the dataset folder if it does not belong there.`,
      });
      return;
    case 'escapes-root':
      pushFinding(findings, config, PATH_ESCAPES_ROOT, {
        message: issue.message,
        location: issue.location,
        evidence,
        suggestion: 'Keep every image inside the dataset folder and use paths relative to it.',
      });
      return;
    case 'bad-manifest':
    case 'bad-row':
    case 'symlink-loop':
    case 'unreadable-dir':
      // One rule, two default severities: a manifest that cannot be read loses the whole dataset.
      pushFinding(findings, config, { ...MANIFEST_PROBLEM, defaultSeverity: issue.kind === 'bad-manifest' ? 'error' : 'warning' }, {
        message: issue.message,
        location: issue.location,
        evidence,
        suggestion: MANIFEST_SUGGESTIONS[issue.kind],
      });
      return;
    default:
      assertNever(issue.kind);
  }
}

const MANIFEST_SUGGESTIONS: Record<'bad-manifest' | 'bad-row' | 'symlink-loop' | 'unreadable-dir', string> = {
  'bad-manifest': 'Check that the manifest is valid CSV, TSV or JSON Lines with a header naming the path and label columns (or set `pathColumn`/`labelColumn` in fairframe.json).',
  'bad-row': 'Fix the row so it has a path and a label, or remove it.',
  'symlink-loop': 'Remove the symbolic link that points back into its own folder.',
  'unreadable-dir': 'Check the folder\'s permissions.',
};

type ScanFailure = { message: string; bytes?: number; width?: number; height?: number; format?: string };

function reportScanFailure(findings: Finding[], context: CheckContext, record: DatasetRecord, code: ScanErrorCode, failure: ScanFailure): void {
  const { config } = context;
  const evidence: Record<string, unknown> = { code, path: record.relPath, bytes: failure.bytes, format: failure.format };
  const location = record.source;
  switch (code) {
    case 'unreadable':
    case 'truncated':
    case 'not-a-file':
      pushFinding(findings, config, IMAGE_UNREADABLE, {
        message: `Image '${record.relPath}' cannot be read (${code}: ${failure.message}).`,
        location,
        evidence,
        suggestion: code === 'not-a-file'
          ? 'Point the row at an image file.'
          : 'Replace the file with an intact copy, or remove it from the dataset.',
      });
      return;
    case 'zero-byte':
      pushFinding(findings, config, IMAGE_EMPTY, {
        message: `Image '${record.relPath}' is empty (0 bytes).`,
        location,
        evidence,
        suggestion: 'Replace the file with an intact copy, or remove it from the dataset.',
      });
      return;
    case 'unsupported-format':
      pushFinding(findings, config, IMAGE_UNSUPPORTED, {
        message: `Image '${record.relPath}' is ${failure.format ? `in ${failure.format} format, which` : 'in a format that'} the image decoder (sharp) cannot read: ${failure.message}.`,
        location,
        evidence,
        suggestion: 'Convert the image to PNG or JPEG (in a copy of the dataset).',
      });
      return;
    case 'oversized': {
      const pixels = failure.width !== undefined && failure.height !== undefined ? failure.width * failure.height : undefined;
      const size = pixels !== undefined ? `${failure.width}×${failure.height} = ${pixels.toLocaleString('en-US')} pixels` : 'more pixels';
      pushFinding(findings, config, IMAGE_OVERSIZED, {
        message: `Image '${record.relPath}' has ${size}, over the limit of ${config.thresholds.maxPixels.toLocaleString('en-US')}; it was not decoded.`,
        location,
        evidence: { ...evidence, width: failure.width, height: failure.height, pixels, maxPixels: config.thresholds.maxPixels },
        suggestion: 'Downscale the image (in a copy of the dataset), or raise `thresholds.maxPixels` in fairframe.json if it is intended.',
      });
      return;
    }
    default:
      assertNever(code);
  }
}

/** 'a', 'a and b', 'a, b and c'. */
function joinList(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** One spelling of a label, with its count and first record. */
export interface LabelSpelling {
  label: string;
  count: number;
  /** Source of the first record with this spelling. */
  first: Location;
  firstIndex: number;
}

/** Spellings that look like one class, most common first. */
export interface LabelVariantGroup {
  spellings: LabelSpelling[];
  /** Largest edit distance that linked two normalised spellings (0: they normalise to the same text). */
  editDistance: number;
  /** Where to report: the first record of the rarer spellings. */
  location: Location;
}

/** Minimum normalised length for edit-distance matching: shorter labels ('cat', 'car', '1') are often distinct. */
const MIN_LENGTH_FOR_EDITS = 4;
/** A spelling linked only by edit distance must be at most this share of the commoner one: typos are rare, distinct classes ('bear'/'pear') usually are not. */
const MAX_TYPO_SHARE = 0.5;
/** Above this many distinct normalised labels the quadratic edit-distance pass is skipped. */
const MAX_KEYS_FOR_EDIT_DISTANCE = 5000;

/** Label normalisation for comparison: Unicode NFKC, lower case, with whitespace, '-' and '_' removed. */
export function normaliseLabel(label: string): string {
  return label.normalize('NFKC').toLowerCase().replace(/[\s_-]+/gu, '');
}

function countKeys(records: readonly DatasetRecord[]): number {
  return new Set(records.map((record) => normaliseLabel(record.label))).size;
}

/**
 * Groups labels that are probably one class: the same after `normaliseLabel`, or within `maxEdits`
 * Levenshtein edits of each other after it when both are at least 4 characters long, they differ in
 * more than digits ('class_1'/'class_2' stay apart), and the rarer is at most half as frequent.
 */
export function findLabelVariants(records: readonly DatasetRecord[], maxEdits: number): LabelVariantGroup[] {
  const spellings = new Map<string, LabelSpelling>();
  records.forEach((record, index) => {
    const spelling = spellings.get(record.label);
    if (spelling) spelling.count++;
    else spellings.set(record.label, { label: record.label, count: 1, first: record.source, firstIndex: index });
  });

  const byKey = new Map<string, LabelSpelling[]>();
  for (const spelling of spellings.values()) {
    const key = normaliseLabel(spelling.label);
    byKey.set(key, [...(byKey.get(key) ?? []), spelling]);
  }
  const keys = [...byKey.keys()];
  const keyCounts = keys.map((key) => byKey.get(key)!.reduce((sum, s) => sum + s.count, 0));
  const parent = keys.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const linkDistance = keys.map(() => 0);

  if (maxEdits > 0 && keys.length <= MAX_KEYS_FOR_EDIT_DISTANCE) {
    for (let i = 0; i < keys.length; i++) {
      const a = keys[i];
      if ([...a].length < MIN_LENGTH_FOR_EDITS) continue;
      for (let j = i + 1; j < keys.length; j++) {
        const b = keys[j];
        if ([...b].length < MIN_LENGTH_FOR_EDITS) continue;
        if (a.replace(/\p{Nd}/gu, '') === b.replace(/\p{Nd}/gu, '')) continue;
        if (Math.min(keyCounts[i], keyCounts[j]) > MAX_TYPO_SHARE * Math.max(keyCounts[i], keyCounts[j])) continue;
        const distance = boundedLevenshtein(a, b, maxEdits);
        if (distance > maxEdits) continue;
        const ri = find(i);
        const rj = find(j);
        const linked = Math.max(linkDistance[ri], linkDistance[rj], distance);
        parent[rj] = ri;
        linkDistance[ri] = linked;
      }
    }
  }

  const groups = new Map<number, LabelSpelling[]>();
  keys.forEach((key, i) => {
    const root = find(i);
    groups.set(root, [...(groups.get(root) ?? []), ...byKey.get(key)!]);
  });
  const result: LabelVariantGroup[] = [];
  for (const [root, members] of groups) {
    if (members.length < 2) continue;
    members.sort((a, b) => b.count - a.count || a.firstIndex - b.firstIndex);
    const firstRare = members.slice(1).reduce((best, s) => (s.firstIndex < best.firstIndex ? s : best));
    result.push({ spellings: members, editDistance: linkDistance[root], location: firstRare.first });
  }
  return result.sort((a, b) => a.spellings[0].firstIndex - b.spellings[0].firstIndex);
}

/** Levenshtein distance (Levenshtein 1966) by the two-row dynamic programme, or `limit + 1` once it must exceed `limit`. */
export function boundedLevenshtein(a: string, b: string, limit: number): number {
  const s = [...a];
  const t = [...b];
  if (Math.abs(s.length - t.length) > limit) return limit + 1;
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= t.length; j++) {
      const value = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1));
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    previous = current;
  }
  return Math.min(previous[t.length], limit + 1);
}
