// Duplicates: byte-identical files (same SHA-256) and near duplicates (64-bit dHashes within a
// Hamming radius), clustered by union-find, with label conflicts and split leakage inside clusters.
import { plainRecord } from '../dictionary';
import { throwIfAborted } from '../errors';
import { hammingDistance, isHex64 } from '../hash/hammingDistance';
import { HammingIndex } from '../hash/hammingIndex';
import type { DatasetRecord, Finding, Location } from '../types';
import { pushFinding, type CheckContext, type CheckOutput, type DatasetCheck, type RuleInfo } from './check';

const DUPLICATE_EXACT: RuleInfo = {
  id: 'FF-D020',
  name: 'duplicate-exact',
  description: 'Two or more files have identical bytes.',
  defaultSeverity: 'warning',
};
const DUPLICATE_NEAR: RuleInfo = {
  id: 'FF-D021',
  name: 'duplicate-near',
  description: 'Images whose difference hashes are within `nearDuplicateDistance` bits: resized, re-encoded or lightly edited copies.',
  defaultSeverity: 'info',
};
const DUPLICATE_CONFLICTING_LABELS: RuleInfo = {
  id: 'FF-D022',
  name: 'duplicate-conflicting-labels',
  description: 'Duplicate or near-duplicate images carry different labels.',
  defaultSeverity: 'error',
};
const DUPLICATE_ACROSS_SPLITS: RuleInfo = {
  id: 'FF-D023',
  name: 'duplicate-across-splits',
  description: 'Duplicate or near-duplicate images sit in different splits (train/test leakage).',
  defaultSeverity: 'error',
};

/** Images with RMS contrast below this are flat: their dHash carries no information. */
const FLAT_CONTRAST = 1;
/** Paths named in a message, and locations/paths kept in `related`/evidence, per cluster. */
const MESSAGE_PATHS = 5;
const EVIDENCE_PATHS = 50;
/** Clusters up to this size get their exact largest pairwise distance; larger ones the largest linking distance. */
const MAX_CLUSTER_FOR_DIAMETER = 200;

/** Exact and near-duplicate images, clustered; conflicting labels and cross-split copies inside clusters. */
export const duplicatesCheck: DatasetCheck = {
  name: 'duplicates',
  description: 'Finds byte-identical and near-duplicate images (64-bit dHash within a Hamming radius), and duplicates with conflicting labels or in different splits.',
  rules: [DUPLICATE_EXACT, DUPLICATE_NEAR, DUPLICATE_CONFLICTING_LABELS, DUPLICATE_ACROSS_SPLITS],
  thresholds: ['nearDuplicateDistance'],
  needsScan: true,
  run: runDuplicatesCheck,
};

interface Cluster {
  members: number[];
  /** Largest distance of a near-duplicate pair that joined the cluster. */
  maxLinkDistance: number;
}

function runDuplicatesCheck(context: CheckContext): CheckOutput {
  const { dataset, scans, config, signal } = context;
  const radius = config.thresholds.nearDuplicateDistance;
  const recs = dataset.records;
  const parent = Int32Array.from(recs.keys());
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  const union = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  const minDistance = new Float64Array(recs.length).fill(Number.POSITIVE_INFINITY);

  // Exact duplicates: same SHA-256, including files that could not be decoded.
  const sha = recs.map((record) => {
    const outcome = scans.get(record.id);
    return outcome ? (outcome.ok ? outcome.facts.sha256 : outcome.sha256) : undefined;
  });
  const bySha = groupIndices(sha);
  for (const members of bySha.values()) {
    if (members.length < 2) continue;
    for (const i of members) {
      union(members[0], i);
      minDistance[i] = 0;
    }
  }

  // Near duplicates over distinct dHashes of images that are not flat.
  let flatImages = 0;
  let invalidHashes = 0;
  const dhash = recs.map((record) => {
    const outcome = scans.get(record.id);
    if (!outcome?.ok) return undefined;
    const hash = outcome.facts.dhash.toLowerCase();
    if (!isHex64(hash)) {
      invalidHashes++;
      return undefined;
    }
    if (outcome.facts.contrast < FLAT_CONTRAST || hash === '0000000000000000' || hash === 'ffffffffffffffff') {
      flatImages++;
      return undefined;
    }
    return hash;
  });
  const byHash = groupIndices(dhash);
  const uniqueHashes = [...byHash.keys()];
  for (const members of byHash.values()) {
    if (members.length < 2) continue;
    for (const i of members) {
      union(members[0], i);
      minDistance[i] = 0;
    }
  }
  throwIfAborted(signal);
  const search = HammingIndex.build(uniqueHashes).pairsWithin(radius);
  throwIfAborted(signal);
  const linkDistance: Array<[number, number]> = [];
  for (const pair of search.pairs) {
    const a = byHash.get(uniqueHashes[pair.first])!;
    const b = byHash.get(uniqueHashes[pair.second])!;
    union(a[0], b[0]);
    linkDistance.push([a[0], pair.distance]);
    for (const i of [...a, ...b]) minDistance[i] = Math.min(minDistance[i], pair.distance);
  }

  // Clusters: connected components with two or more images, in dataset order.
  const clustersByRoot = new Map<number, Cluster>();
  for (let i = 0; i < recs.length; i++) {
    const root = find(i);
    let cluster = clustersByRoot.get(root);
    if (!cluster) clustersByRoot.set(root, (cluster = { members: [], maxLinkDistance: 0 }));
    cluster.members.push(i);
  }
  for (const [member, distance] of linkDistance) {
    const cluster = clustersByRoot.get(find(member))!;
    cluster.maxLinkDistance = Math.max(cluster.maxLinkDistance, distance);
  }
  const clusters = [...clustersByRoot.values()].filter((cluster) => cluster.members.length >= 2);

  const findings: Finding[] = [];
  const scores: Record<string, number> = Object.create(null);
  let exactGroups = 0;
  let nearClusters = 0;
  let imagesInClusters = 0;
  for (const cluster of clusters) {
    const members = cluster.members.map((i) => recs[i]);
    imagesInClusters += members.length;
    for (const i of cluster.members) scores[recs[i].id] = minDistance[i];

    const exact = [...groupIndices(cluster.members.map((i) => sha[i])).values()].filter((group) => group.length >= 2);
    for (const group of exact) {
      exactGroups++;
      const copies = group.map((k) => members[k]);
      const distinctPaths = new Set(copies.map((r) => r.relPath)).size;
      pushFinding(findings, config, DUPLICATE_EXACT, {
        message: `${copies.length} images have identical bytes: ${listPaths(copies)}${distinctPaths < copies.length ? ' (some rows list the same file)' : ''}.`,
        location: copies[0].source,
        related: relatedOf(copies),
        evidence: { count: copies.length, sha256: sha[cluster.members[group[0]]], paths: pathsOf(copies) },
        suggestion: 'Keep one copy: remove the other rows from the manifest (or the files, in a copy of the dataset) so the image is not counted and weighted several times.',
      });
    }

    const distinctContents = new Set(cluster.members.map((i, k) => sha[i] ?? `record:${k}`)).size;
    const isNear = distinctContents >= 2;
    const word = isNear ? 'near-duplicate' : 'identical';
    if (isNear) {
      nearClusters++;
      const maxDistance = clusterDiameter(cluster, dhash) ?? cluster.maxLinkDistance;
      pushFinding(findings, config, DUPLICATE_NEAR, {
        message: `${members.length} images are near duplicates (difference hashes at most ${radius} bits apart between linked images; the most different pair is ${maxDistance} bits apart): ${listPaths(members)}.`,
        location: members[0].source,
        related: relatedOf(members),
        evidence: {
          count: members.length,
          distinctContents,
          maxDistance,
          maxLinkDistance: cluster.maxLinkDistance,
          radius,
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

  return {
    findings,
    summary: {
      radius,
      clusters: clusters.length,
      exactGroups,
      nearClusters,
      imagesInClusters,
      imagesHashed: dhash.filter((hash) => hash !== undefined).length,
      distinctHashes: uniqueHashes.length,
      nearPairs: search.pairs.length,
      pairsCompared: search.comparisons,
      searchMethod: search.method,
      flatImagesSkipped: flatImages,
      flatImagesNote: `Images with RMS contrast below ${FLAT_CONTRAST} or an all-zero/all-one dHash are only matched as exact duplicates: their dHash carries no information.`,
      invalidHashes,
      scoreMeaning: 'Per image in a cluster: the smallest dHash distance to another image (0 for identical bytes or identical hashes).',
    },
    scores: plainRecord(scores),
  };
}

/** Indices grouped by key, in order of first appearance; undefined keys are skipped. */
function groupIndices(keys: readonly (string | undefined)[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  keys.forEach((key, i) => {
    if (key === undefined) return;
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  });
  return groups;
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

/** The largest dHash distance between two members, when the cluster is small enough to compare all pairs. */
function clusterDiameter(cluster: Cluster, dhash: readonly (string | undefined)[]): number | undefined {
  const hashes = [...new Set(cluster.members.map((i) => dhash[i]).filter((h): h is string => h !== undefined))];
  if (hashes.length > MAX_CLUSTER_FOR_DIAMETER) return undefined;
  let max = 0;
  for (let a = 0; a < hashes.length; a++) {
    for (let b = a + 1; b < hashes.length; b++) max = Math.max(max, hammingDistance(hashes[a], hashes[b]));
  }
  return max;
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
