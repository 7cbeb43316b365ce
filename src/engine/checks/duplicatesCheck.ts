// Duplicates: byte-identical files (same SHA-256) and near duplicates, found in two stages
// (nearDuplicateSearch.ts): layout and difference hashes propose candidate pairs, and a pair is a near
// duplicate only when the two images' 32×32 greyscale thumbnails correlate at or above
// `nearDuplicateCorrelation` after alignment and the pair stands out from both images' look-alikes
// (`nearDuplicateLookAlikeRatio`). Clusters are built by complete linkage, so every pair in a
// cluster is verified; label conflicts and split leakage are reported inside clusters.
import { plainRecord } from '../dictionary';
import { throwIfAborted } from '../errors';
import { isHex64 } from '../hash/hammingDistance';
import { decodeThumbnail } from '../image/thumbnail';
import type { DatasetRecord, Finding, Location } from '../types';
import { pushFinding, type CheckContext, type CheckOutput, type DatasetCheck, type RuleInfo } from './check';
import { LAYOUT_HASHES, SPECTRUM_HASHES } from '../image/imageSignatures';
import { CANDIDATES_PER_IMAGE, CROWDED_LAYOUT_WINDOW, LAYOUT_HASH_RADIUS, RADIUS_SEARCH_LIMIT, SPECTRUM_CANDIDATES_PER_IMAGE, findNearDuplicates, type SearchItem, type VerifiedPair } from './nearDuplicateSearch';

const DUPLICATE_EXACT: RuleInfo = {
  id: 'FF-D020',
  name: 'duplicate-exact',
  description: 'Two or more files have identical bytes.',
  defaultSeverity: 'warning',
};
const DUPLICATE_NEAR: RuleInfo = {
  id: 'FF-D021',
  name: 'duplicate-near',
  description: 'Images whose 32×32 greyscale thumbnails correlate at or above `nearDuplicateCorrelation` after the best small shift and zoom, pair by pair, and far more closely than either correlates with its look-alikes: re-encoded, resized, slightly cropped or shifted, recoloured copies.',
  defaultSeverity: 'info',
};
const DUPLICATE_CONFLICTING_LABELS: RuleInfo = {
  id: 'FF-D022',
  name: 'duplicate-conflicting-labels',
  description: 'Byte-identical or verified near-duplicate images carry different labels.',
  defaultSeverity: 'error',
};
const DUPLICATE_ACROSS_SPLITS: RuleInfo = {
  id: 'FF-D023',
  name: 'duplicate-across-splits',
  description: 'Byte-identical or verified near-duplicate images sit in different splits (train/test leakage).',
  defaultSeverity: 'error',
};

/** Images with RMS contrast below this are flat: they carry no pattern to compare. */
const FLAT_CONTRAST = 1;
/** Paths named in a message, and locations/paths kept in `related`/evidence, per cluster. */
const MESSAGE_PATHS = 5;
const EVIDENCE_PATHS = 50;

/** Exact and near-duplicate images, clustered; conflicting labels and cross-split copies inside clusters. */
export const duplicatesCheck: DatasetCheck = {
  name: 'duplicates',
  description: 'Finds byte-identical and near-duplicate images (candidates from layout and difference hashes, each pair verified by the correlation of aligned 32×32 greyscale thumbnails), and duplicates with conflicting labels or in different splits.',
  rules: [DUPLICATE_EXACT, DUPLICATE_NEAR, DUPLICATE_CONFLICTING_LABELS, DUPLICATE_ACROSS_SPLITS],
  thresholds: ['nearDuplicateDistance', 'nearDuplicateCorrelation', 'nearDuplicateLookAlikeRatio'],
  needsScan: true,
  run: runDuplicatesCheck,
};

async function runDuplicatesCheck(context: CheckContext): Promise<CheckOutput> {
  const { dataset, scans, config, signal, parallel } = context;
  const radius = config.thresholds.nearDuplicateDistance;
  const threshold = config.thresholds.nearDuplicateCorrelation;
  const lookAlikeRatio = config.thresholds.nearDuplicateLookAlikeRatio;
  const recs = dataset.records;

  // Distinct contents: records with the same SHA-256 (decodable or not) are one unit; a record without a hash is its own.
  const sha = recs.map((record) => {
    const outcome = scans.get(record.id);
    return outcome ? (outcome.ok ? outcome.facts.sha256 : outcome.sha256) : undefined;
  });
  const unitOf = new Int32Array(recs.length);
  const unitRecords: number[][] = [];
  const unitBySha = new Map<string, number>();
  recs.forEach((_, i) => {
    const key = sha[i];
    let unit = key === undefined ? undefined : unitBySha.get(key);
    if (unit === undefined) {
      unit = unitRecords.length;
      unitRecords.push([]);
      if (key !== undefined) unitBySha.set(key, unit);
    }
    unitRecords[unit].push(i);
    unitOf[i] = unit;
  });

  // The near-duplicate signature of each unit (from its first record's scan).
  let flatImages = 0;
  let missingSignatures = 0;
  const items: SearchItem[] = unitRecords.map((members) => {
    const outcome = scans.get(recs[members[0]].id);
    if (!outcome?.ok) return { thumbnail: undefined, dhash: undefined };
    const { facts } = outcome;
    if (facts.contrast < FLAT_CONTRAST) {
      flatImages++;
      return { thumbnail: undefined, dhash: undefined };
    }
    const thumbnail = decodeThumbnail(facts.thumbnail);
    if (!thumbnail) missingSignatures++;
    const dhash = facts.dhash.toLowerCase();
    return { thumbnail, dhash: isHex64(dhash) ? dhash : undefined };
  });
  throwIfAborted(signal);
  const search = await findNearDuplicates(items, { threshold, dhashRadius: radius, lookAlikeRatio, signal, parallel });

  // Clusters of records: a near-duplicate cluster of units, or a unit with several records (identical bytes).
  interface Cluster {
    records: number[];
    units: number[];
    weakest?: VerifiedPair;
  }
  const clusters: Cluster[] = [];
  const inNearCluster = new Set<number>();
  for (const near of search.clusters) {
    for (const unit of near.members) inNearCluster.add(unit);
    clusters.push({ units: near.members, records: near.members.flatMap((unit) => unitRecords[unit]), weakest: near.weakest });
  }
  unitRecords.forEach((members, unit) => {
    if (members.length >= 2 && !inNearCluster.has(unit)) clusters.push({ units: [unit], records: members });
  });
  for (const cluster of clusters) cluster.records.sort((a, b) => a - b);
  clusters.sort((a, b) => a.records[0] - b.records[0]);

  // Per record in a cluster: its best correlation with another member (1 for identical bytes).
  const best = new Map<number, number>();
  for (const pair of search.pairs) {
    for (const unit of [pair.a, pair.b]) best.set(unit, Math.max(best.get(unit) ?? -1, pair.alignment.correlation));
  }

  const findings: Finding[] = [];
  const scores: Record<string, number> = Object.create(null);
  let exactGroups = 0;
  let nearClusters = 0;
  const inClusters = new Set<number>();
  for (const cluster of clusters) {
    const members = cluster.records.map((i) => recs[i]);
    for (const i of cluster.records) inClusters.add(i);
    for (const i of cluster.records) {
      const unit = unitOf[i];
      scores[recs[i].id] = unitRecords[unit].length >= 2 ? 1 : Math.min(1, best.get(unit) ?? 0);
    }

    for (const unit of cluster.units) {
      const copies = unitRecords[unit].map((i) => recs[i]);
      if (copies.length < 2) continue;
      exactGroups++;
      const distinctPaths = new Set(copies.map((r) => r.relPath)).size;
      pushFinding(findings, config, DUPLICATE_EXACT, {
        message: `${copies.length} images have identical bytes: ${listPaths(copies)}${distinctPaths < copies.length ? ' (some rows list the same file)' : ''}.`,
        location: copies[0].source,
        related: relatedOf(copies),
        evidence: { count: copies.length, sha256: sha[unitRecords[unit][0]], paths: pathsOf(copies) },
        suggestion: 'Keep one copy: remove the other rows from the manifest (or the files, in a copy of the dataset) so the image is not counted and weighted several times.',
      });
    }

    const isNear = cluster.units.length >= 2;
    const word = isNear ? 'near-duplicate' : 'identical';
    if (isNear && cluster.weakest) {
      nearClusters++;
      const weak = cluster.weakest;
      const weakPaths = [recs[unitRecords[weak.a][0]].relPath, recs[unitRecords[weak.b][0]].relPath];
      const { correlation, dx, dy, scale } = weak.alignment;
      pushFinding(findings, config, DUPLICATE_NEAR, {
        message: `${members.length} images are near duplicates: every pair's 32×32 greyscale thumbnails correlate at ${threshold} or more after alignment and stand out from their look-alikes; the weakest pair, '${weakPaths[0]}' and '${weakPaths[1]}', at ${correlation.toFixed(3)}${describeAlignment(dx, dy, scale)}. Images: ${listPaths(members)}.`,
        location: members[0].source,
        related: relatedOf(members),
        evidence: {
          count: members.length,
          distinctContents: cluster.units.length,
          threshold,
          weakestPair: { paths: weakPaths, correlation: round(correlation), dx: round(dx), dy: round(dy), scale: round(scale) },
          paths: pathsOf(members),
        },
        suggestion: 'Review them: keep one image of each near-identical set, or at least keep the set within one split.',
      });
    }

    const labels = groupBy(members, (r) => r.label);
    if (labels.size >= 2) {
      const parts = [...labels].map(([label, group]) => `'${label}' for ${listPaths(group, 3)}`);
      pushFinding(findings, config, DUPLICATE_CONFLICTING_LABELS, {
        message: `${members.length} ${word} images carry ${labels.size} different labels: ${parts.join('; ')}.`,
        location: members[0].source,
        related: relatedOf(members),
        evidence: { count: members.length, paths: pathsOf(members), labels: Object.fromEntries([...labels].map(([label, group]) => [label, pathsOf(group)])) },
        suggestion: 'Decide which label is right and fix the others in the manifest; the same image under two labels teaches the model noise.',
      });
    }

    const splits = groupBy(members.filter((r) => r.split !== undefined), (r) => r.split!);
    if (splits.size >= 2) {
      const names = [...splits.keys()].map((split) => `'${split}'`);
      pushFinding(findings, config, DUPLICATE_ACROSS_SPLITS, {
        message: `${members.length} ${word} images are spread over the splits ${names.join(', ')}: ${[...splits].map(([split, group]) => `${split}: ${listPaths(group, 3)}`).join('; ')}. Copies of test images in training inflate the measured accuracy.`,
        location: members[0].source,
        related: relatedOf(members),
        evidence: { count: members.length, paths: pathsOf(members), splits: Object.fromEntries([...splits].map(([split, group]) => [split, pathsOf(group)])) },
        suggestion: 'Move every copy into the same split (for example, assign splits by cluster rather than by image).',
      });
    }
  }

  const { stats } = search;
  return {
    findings,
    summary: {
      radius,
      threshold,
      clusters: clusters.length,
      exactGroups,
      nearClusters,
      imagesInClusters: inClusters.size,
      distinctContents: unitRecords.length,
      imagesCompared: stats.itemsCompared,
      proposals: stats.proposals,
      spectrumProposals: stats.spectrumProposals,
      pairsVerified: stats.pairsVerified,
      pairsVerifiedForClusters: stats.pairsVerifiedForClusters,
      nearPairs: stats.pairsAboveThreshold,
      lookAlikeRatio,
      pairsSetAsideAsLookAlikes: stats.pairsSetAsideAsLookAlikes,
      lookAlikeNote: `A pair above ${threshold} counts only when its residual (1 − correlation) is at most ${lookAlikeRatio} × that of either image's closest look-alike (its most similar candidate below ${threshold}); ${stats.pairsSetAsideAsLookAlikes} such pair(s) were set aside as look-alikes.`,
      pairsCompared: stats.layoutSearch.comparisons + stats.dhashSearch.comparisons,
      searchMethod: `Candidates: ${stats.layoutSearch.kind === 'radius' ? `layout SimHashes within ${LAYOUT_HASH_RADIUS} bits (${stats.layoutSearch.method})` : stats.layoutSearch.crowded ? `neighbours within ${CROWDED_LAYOUT_WINDOW} places in the orders of ${LAYOUT_HASHES} layout SimHashes (a crowded set: a radius search of ${LAYOUT_HASH_RADIUS} bits would propose about ${Math.round(stats.layoutSearch.estimatedRadiusPairs! / stats.itemsCompared)} pairs per image)` : `neighbours in the orders of ${LAYOUT_HASHES} layout SimHashes (over ${RADIUS_SEARCH_LIMIT.toLocaleString('en-US')} images)`} or dHashes within ${radius} bits (${stats.dhashSearch.method}), or neighbours in the orders of ${SPECTRUM_HASHES} spectrum SimHashes, the ${CANDIDATES_PER_IMAGE} most similar by layout and ${SPECTRUM_CANDIDATES_PER_IMAGE} by spectrum kept per image; each candidate verified by the correlation of aligned 32×32 greyscale thumbnails over informative pixels (shift ±3 px, zoom ±10%) and a ratio test against each image's closest look-alike; clusters by complete linkage.`,
      flatImagesSkipped: flatImages,
      flatImagesNote: `Images with RMS contrast below ${FLAT_CONTRAST} are only matched as exact duplicates: they carry no pattern to compare.`,
      missingSignatures,
      scoreMeaning: 'Per image in a cluster: its highest thumbnail correlation with another member after alignment (1 for identical bytes).',
    },
    scores: plainRecord(scores),
  };
}

/** ", shifted 1.5 px right and 0.5 px down, zoomed 1.04×", or "" for the identity. */
function describeAlignment(dx: number, dy: number, scale: number): string {
  const parts: string[] = [];
  if (dx !== 0 || dy !== 0) parts.push(`shifted by (${round(dx)}, ${round(dy)}) thumbnail pixels`);
  if (Math.abs(scale - 1) > 1e-9) parts.push(`zoomed ${scale.toFixed(3)}×`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function groupBy(records: DatasetRecord[], key: (record: DatasetRecord) => string): Map<string, DatasetRecord[]> {
  const groups = new Map<string, DatasetRecord[]>();
  for (const record of records) {
    const group = groups.get(key(record));
    if (group) group.push(record);
    else groups.set(key(record), [record]);
  }
  return groups;
}

/** "'a.jpg', 'b.jpg' and 2 more". */
function listPaths(records: DatasetRecord[], limit = MESSAGE_PATHS): string {
  const quoted = records.slice(0, limit).map((r) => `'${r.relPath}'`);
  if (records.length > limit) return `${quoted.join(', ')} and ${records.length - limit} more`;
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`;
}

function pathsOf(records: DatasetRecord[]): string[] {
  return records.slice(0, EVIDENCE_PATHS).map((r) => r.relPath);
}

function relatedOf(records: DatasetRecord[]): Location[] {
  return records.slice(1, EVIDENCE_PATHS + 1).map((r) => r.source);
}
