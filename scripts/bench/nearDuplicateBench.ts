// Near-duplicate precision, recall and time on real images (not a test; prints a Markdown table).
//   npx tsx scripts/bench/nearDuplicateBench.ts [DIR] [--only mnist,faces,photos,tiny,scale,diverse,crowded] [--threshold 0.95]
//     [--scale-n 100000] [--threads 1,2] [--look-alike-ratio 0.5]
// Builds, once, under DIR (default bench-data/near-duplicates):
// - mnist: the 10,000 MNIST test digits (../shared/data/mnist) as PNGs. Few real duplicates, many
//   look-alikes: every cluster reported here is judged by scripts/reference/nearDuplicateNcc.py.
// - faces: the 100 aligned face crops of Debian's python3-skimage (skimage/data/lfw_subset.npy):
//   different people that look alike, no duplicates.
// - photos: skimage's real photographs, each with 12 edited copies (JPEG re-encode, resize 50% and
//   75%, crops of 3% and 6%, shifts of 2 and 4 px, brightness, hue, saturation, greyscale, gamma).
// - tiny: 32×32 crops of those photographs (CIFAR-sized), each with 6 edited copies.
// A cluster is precise when all its members come from one source; a copy is found when it shares a
// cluster with its source. Writes DIR/<set>-clusters.json for the independent check.
import { existsSync, promises as fs } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { duplicatesCheck } from '../../src/engine/checks/duplicatesCheck';
import { resolveConfig } from '../../src/engine/config/config';
import { scanImage } from '../../src/engine/image/scanImage';
import { findNearDuplicates } from '../../src/engine/checks/nearDuplicateSearch';
import { verificationPool } from '../../src/worker/verifyPool';
import { comparableThumbnail, thumbnailCorrelation } from '../../src/engine/image/signatureSimilarity';
import { decodeThumbnail, lumaThumbnail } from '../../src/engine/image/thumbnail';
import type { Dataset, DatasetRecord, ScanOutcome } from '../../src/engine/types';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const positional = args.filter((arg, i) => !arg.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
const root = path.resolve(__dirname, '..', '..');
const dir = path.resolve(positional[0] ?? path.join(root, 'bench-data', 'near-duplicates'));
const only = new Set((option('--only') ?? 'mnist,faces,photos,tiny,scale').split(','));
const SCALE_N = Number(option('--scale-n') ?? 100_000);
/** Verification threads for the scale run, each measured in turn (default: one, then the machine's parallelism). */
const THREADS = (option('--threads') ?? `1,${availableParallelism()}`).split(',').map(Number);
const threshold = option('--threshold') ? Number(option('--threshold')) : undefined;
const lookAlikeRatio = option('--look-alike-ratio') ? Number(option('--look-alike-ratio')) : undefined;
const SKIMAGE = '/usr/lib/python3/dist-packages/skimage/data';
const PHOTOS = ['astronaut', 'brick', 'camera', 'cell', 'chelsea', 'clock_motion', 'coffee', 'coins', 'grass', 'gravel', 'hubble_deep_field', 'ihc', 'microaneurysms', 'moon', 'motorcycle_left', 'page', 'retina', 'rocket', 'text'];

/** One image of a set: its file and the source it was made from (itself for an original). */
interface Item {
  file: string;
  source: string;
  label: string;
  edit: string;
}

async function writePng(file: string, data: Buffer, width: number, height: number, channels: 1 | 3): Promise<void> {
  await sharp(data, { raw: { width, height, channels } }).png().toFile(file);
}

async function buildMnist(out: string): Promise<Item[]> {
  const images = gunzipSync(await fs.readFile(path.join(root, '..', 'shared', 'data', 'mnist', 't10k-images-idx3-ubyte.gz')));
  const labels = gunzipSync(await fs.readFile(path.join(root, '..', 'shared', 'data', 'mnist', 't10k-labels-idx1-ubyte.gz')));
  const count = images.readUInt32BE(4);
  const items: Item[] = [];
  for (let i = 0; i < count; i++) {
    const file = path.join(out, `${labels[8 + i]}`, `${String(i).padStart(5, '0')}.png`);
    items.push({ file, source: `mnist-${i}`, label: String(labels[8 + i]), edit: 'original' });
    if (existsSync(file)) continue;
    await fs.mkdir(path.dirname(file), { recursive: true });
    await writePng(file, images.subarray(16 + i * 784, 16 + (i + 1) * 784), 28, 28, 1);
  }
  return items;
}

/** Reads a little-endian float64 .npy array (the format numpy writes). */
async function readNpy(file: string): Promise<{ shape: number[]; data: Float64Array }> {
  const bytes = await fs.readFile(file);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  if (!header.includes("'<f8'")) throw new Error(`${file}: expected float64 data`);
  const shape = header.match(/'shape': \(([^)]*)\)/)![1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const start = 10 + headerLength;
  const data = new Float64Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + bytes.length));
  return { shape, data };
}

async function buildFaces(out: string): Promise<Item[]> {
  const { shape, data } = await readNpy(path.join(SKIMAGE, 'lfw_subset.npy'));
  const side = shape[1];
  const items: Item[] = [];
  await fs.mkdir(out, { recursive: true });
  for (let i = 0; i < 100; i++) {
    const file = path.join(out, `face_${String(i).padStart(3, '0')}.png`);
    items.push({ file, source: `face-${i}`, label: 'face', edit: 'original' });
    if (existsSync(file)) continue;
    const pixels = Buffer.alloc(side * side);
    for (let p = 0; p < side * side; p++) pixels[p] = Math.round(255 * data[i * side * side + p]);
    await writePng(file, pixels, side, side, 1);
  }
  return items;
}

type Edit = [name: string, make: (image: Sharp, width: number, height: number) => Sharp | Promise<Sharp>];

/** Edits a user meets: re-encodes, resizes, crops and shifts, photometric changes. */
function photoEdits(shiftUnit: number): Edit[] {
  const crop = (share: number, corner: boolean) => (image: Sharp, w: number, h: number): Sharp => {
    const dx = Math.round(w * share);
    const dy = Math.round(h * share);
    return corner ? image.extract({ left: 0, top: 0, width: w - dx, height: h - dy }) : image.extract({ left: Math.round(dx / 2), top: Math.round(dy / 2), width: w - 2 * Math.round(dx / 2), height: h - 2 * Math.round(dy / 2) });
  };
  // A shift: the content moves by s pixels; the uncovered border is the edge pixels repeated.
  // (sharp extracts before it extends within one pipeline: the shift takes two.)
  const shift = (s: number) => async (image: Sharp, w: number, h: number): Promise<Sharp> =>
    sharp(await image.extend({ top: s, left: s, extendWith: 'copy' }).toBuffer()).extract({ left: 0, top: 0, width: w, height: h });
  return [
    ['jpeg50', (image) => image.jpeg({ quality: 50 })],
    ['resize50', (image, w) => image.resize({ width: Math.max(8, Math.round(w / 2)) })],
    ['resize75', (image, w) => image.resize({ width: Math.max(8, Math.round(w * 0.75)) }).jpeg({ quality: 85 })],
    ['crop3', crop(0.03, false)],
    ['crop6corner', crop(0.06, true)],
    [`shift${shiftUnit}`, shift(shiftUnit)],
    [`shift${2 * shiftUnit}`, shift(2 * shiftUnit)],
    ['brighter', (image) => image.modulate({ brightness: 1.2 })],
    ['hue60', (image) => image.modulate({ hue: 60 })],
    ['desaturated', (image) => image.modulate({ saturation: 0.5 })],
    ['greyscale', (image) => image.greyscale()],
    ['gamma', (image) => image.gamma(2.2, 1.6)],
  ];
}

async function buildEdited(out: string, sources: Array<{ name: string; make: () => Sharp; width: number; height: number }>, edits: Edit[]): Promise<Item[]> {
  const items: Item[] = [];
  await fs.mkdir(out, { recursive: true });
  for (const source of sources) {
    const original = path.join(out, `${source.name}.png`);
    items.push({ file: original, source: source.name, label: source.name, edit: 'original' });
    if (!existsSync(original)) await source.make().png().toFile(original);
    for (const [name, edit] of edits) {
      const file = path.join(out, `${source.name}~${name}.png`);
      items.push({ file, source: source.name, label: source.name, edit: name });
      if (!existsSync(file)) {
        const encoded = await (await edit(sharp(original), source.width, source.height)).toBuffer();
        await sharp(encoded).png().toFile(file);
      }
    }
  }
  return items;
}

async function photoSources(): Promise<Array<{ name: string; file: string; width: number; height: number }>> {
  const sources = [];
  for (const name of PHOTOS) {
    const file = ['png', 'jpg'].map((ext) => path.join(SKIMAGE, `${name}.${ext}`)).find(existsSync);
    if (!file) continue;
    const { width, height } = await sharp(file).metadata();
    sources.push({ name, file, width: width!, height: height! });
  }
  return sources;
}

async function buildPhotos(out: string): Promise<Item[]> {
  const sources = (await photoSources()).map((s) => ({ name: s.name, width: s.width, height: s.height, make: () => sharp(s.file).removeAlpha() }));
  return buildEdited(out, sources, photoEdits(2));
}

/** Six 32×32 crops of each photograph (a 3×2 grid of squares, each shrunk to 32×32), with six edits each. */
async function buildTiny(out: string): Promise<Item[]> {
  const sources = [];
  for (const photo of await photoSources()) {
    const side = Math.floor(Math.min(photo.width / 3, photo.height / 2));
    for (let k = 0; k < 6; k++) {
      const left = (k % 3) * side;
      const top = Math.floor(k / 3) * side;
      const tile = await sharp(photo.file).removeAlpha().extract({ left, top, width: side, height: side }).resize(32, 32).png().toBuffer();
      sources.push({ name: `${photo.name}-${k}`, width: 32, height: 32, make: () => sharp(tile) });
    }
  }
  const edits = photoEdits(1).filter(([name]) => ['jpeg50', 'crop6corner', 'shift1', 'shift2', 'brighter', 'hue60'].includes(name));
  return buildEdited(out, sources, edits);
}

interface SetResult {
  set: string;
  images: number;
  clusters: number;
  precise: number;
  copies: number;
  found: number;
  /** Copies whose thumbnail, compared with its source's directly, passes the threshold (the verifier's ceiling). */
  verifiable: number;
  conflicts: number;
  scanSeconds: number;
  checkSeconds: number;
  missedEdits: Record<string, number>;
  summary: Record<string, unknown>;
}

async function evaluate(set: string, items: Item[]): Promise<SetResult> {
  const records: DatasetRecord[] = items.map((item, i) => ({
    id: `r${i}`,
    path: item.file,
    relPath: path.relative(path.join(dir, set), item.file),
    label: item.label,
    attributes: {},
    source: { file: item.file, line: 0 },
  }));
  const scans = new Map<string, ScanOutcome>();
  const scanStart = performance.now();
  const queue = [...records];
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (let record = queue.shift(); record; record = queue.shift()) scans.set(record.id, await scanImage(record.path, { maxPixels: 1e8 }));
  }));
  const scanSeconds = (performance.now() - scanStart) / 1000;
  const dataset: Dataset = { name: set, root: path.join(dir, set), format: 'imagefolder', records, attributes: [], columns: [], loadIssues: [] };
  const config = resolveConfig({ thresholds: { ...(threshold !== undefined ? { nearDuplicateCorrelation: threshold } : {}), ...(lookAlikeRatio !== undefined ? { nearDuplicateLookAlikeRatio: lookAlikeRatio } : {}) } });
  const checkStart = performance.now();
  const output = await duplicatesCheck.run({ dataset, scans, config, parallel: verificationPool() });
  const checkSeconds = (performance.now() - checkStart) / 1000;

  const indexOf = new Map(records.map((r, i) => [r.relPath, i]));
  const clusters = output.findings.filter((f) => f.rule === 'FF-D021' || f.rule === 'FF-D020').map((f) => (f.evidence.paths as string[]).map((p) => indexOf.get(p)!));
  // An image may be in two findings (a pair bridging two clusters): a copy is found when one finding holds it and its source.
  const clustersOf = new Map<number, Set<number>>();
  clusters.forEach((members, c) => members.forEach((m) => clustersOf.set(m, (clustersOf.get(m) ?? new Set()).add(c))));
  const together = (x: number, y: number): boolean => [...(clustersOf.get(x) ?? [])].some((c) => clustersOf.get(y)?.has(c));
  const originalOf = new Map(items.map((item, i) => [item.source, i] as const).filter(([, i]) => items[i].edit === 'original'));
  let copies = 0;
  let found = 0;
  const missedEdits: Record<string, number> = {};
  items.forEach((item, i) => {
    if (item.edit === 'original') return;
    copies++;
    if (together(i, originalOf.get(item.source)!)) found++;
    else missedEdits[item.edit] = (missedEdits[item.edit] ?? 0) + 1;
  });
  // The verifier alone, on each (source, copy) pair: what recall would be with perfect proposals and no clustering.
  const thumbnailOf = (i: number) => {
    const outcome = scans.get(records[i].id);
    const thumbnail = outcome?.ok ? decodeThumbnail(outcome.facts.thumbnail) : undefined;
    return thumbnail ? comparableThumbnail(thumbnail) : undefined;
  };
  let verifiable = 0;
  items.forEach((item, i) => {
    if (item.edit === 'original') return;
    const a = thumbnailOf(originalOf.get(item.source)!);
    const b = thumbnailOf(i);
    const outcomeA = scans.get(records[originalOf.get(item.source)!].id);
    const outcomeB = scans.get(records[i].id);
    const identical = outcomeA?.ok && outcomeB?.ok && outcomeA.facts.sha256 === outcomeB.facts.sha256;
    if (identical || (a && b && thumbnailCorrelation(a, b, config.thresholds.nearDuplicateCorrelation).correlation >= config.thresholds.nearDuplicateCorrelation)) verifiable++;
  });
  const precise = clusters.filter((members) => new Set(members.map((m) => items[m].source)).size === 1).length;
  await fs.writeFile(path.join(dir, `${set}-clusters.json`), JSON.stringify({ root: path.join(dir, set), clusters: clusters.map((m) => m.map((i) => records[i].relPath)) }, null, 1));
  return {
    set,
    images: items.length,
    clusters: clusters.length,
    precise,
    copies,
    found,
    verifiable,
    conflicts: output.findings.filter((f) => f.rule === 'FF-D022').length,
    scanSeconds,
    checkSeconds,
    missedEdits,
    summary: output.summary,
  };
}

/**
 * The search alone at scale: SCALE_N thumbnails of 32×32 windows cut at seeded random places and sizes from the
 * photographs (real image content, nearly all unrelated), then findNearDuplicates with the default settings.
 */
async function scaleRun(): Promise<string> {
  let state = 12345;
  const random = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const photos = await Promise.all((await photoSources()).map(async (source) => ({ ...source, grey: await sharp(source.file).greyscale().raw().toBuffer() })));
  const items = [];
  for (let i = 0; i < SCALE_N; i++) {
    const photo = photos[Math.floor(random() * photos.length)];
    const side = 24 + Math.floor(random() * Math.min(200, Math.min(photo.width, photo.height) - 24));
    const left = Math.floor(random() * (photo.width - side));
    const top = Math.floor(random() * (photo.height - side));
    const thumbnail = new Uint8Array(1024);
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) thumbnail[y * 32 + x] = photo.grey[(top + Math.floor((y * side) / 32)) * photo.width + left + Math.floor((x * side) / 32)];
    }
    items.push({ thumbnail, dhash: undefined });
  }
  const lines = [];
  let previous: string | undefined;
  for (const threads of THREADS) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const result = await findNearDuplicates(items, { threshold: resolveConfig({}).thresholds.nearDuplicateCorrelation, dhashRadius: 4, parallel: verificationPool(threads) });
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    const { stats } = result;
    // The same clusters whatever the number of threads (also a unit test); said here for the record.
    const clusters = JSON.stringify(result.clusters);
    const same = previous === undefined ? '' : clusters === previous ? '; same clusters as above' : '; DIFFERENT clusters from above';
    previous = clusters;
    lines.push(`search over ${SCALE_N.toLocaleString('en-US')} thumbnails, ${stats.verificationThreads} verification thread(s): ${seconds.toFixed(2)} s (CPU of all threads ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s); ${stats.proposals.toLocaleString('en-US')} proposals, ${stats.pairsVerified.toLocaleString('en-US')} pairs verified (${stats.pairsVerifiedForClusters.toLocaleString('en-US')} for clustering), ${result.clusters.length} clusters; stages ${Object.entries(stats.milliseconds).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ')}; ${stats.spectrumProposals.toLocaleString('en-US')} spectrum proposals; peak RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB${same}`);
  }
  return lines.join('\n');
}

/**
 * The search over SCALE_N *diverse* thumbnails (`--only diverse`): each a seeded sum of twelve Gaussian blobs of
 * random place, size and sign on a random ground (every image unlike the others, as in a large real dataset), plus
 * a copy of every hundredth one moved 1 px right and brightened (must be found). Times the stages and counts the
 * copies found.
 */
async function diverseRun(): Promise<string> {
  let state = 2024;
  const random = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const field = new Float64Array(1024);
  const make = (): Uint8Array => {
    field.fill(0);
    for (let blob = 0; blob < 12; blob++) {
      const cx = random() * 32;
      const cy = random() * 32;
      const sigma = 1 + random() * 5;
      const amplitude = (random() - 0.5) * 200;
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) field[y * 32 + x] += amplitude * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sigma * sigma));
      }
    }
    const ground = 64 + random() * 128;
    return Uint8Array.from(field, (v) => Math.max(0, Math.min(255, Math.round(ground + v + (random() - 0.5) * 4))));
  };
  const originals = SCALE_N - Math.floor(SCALE_N / 101);
  const items: Array<{ thumbnail: Uint8Array; dhash: undefined }> = [];
  for (let i = 0; i < originals; i++) items.push({ thumbnail: make(), dhash: undefined });
  const copyOf: number[] = [];
  for (let i = 0; items.length < SCALE_N; i += 100) {
    const source = items[i].thumbnail;
    const copy = Uint8Array.from(source, (_, p) => Math.min(255, Math.round(1.1 * source[p % 32 === 0 ? p : p - 1] + 5)));
    copyOf.push(i);
    items.push({ thumbnail: copy, dhash: undefined });
  }
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const threads = THREADS[THREADS.length - 1];
  const result = await findNearDuplicates(items, { threshold: resolveConfig({}).thresholds.nearDuplicateCorrelation, dhashRadius: 4, parallel: verificationPool(threads) });
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const together = new Set(result.pairs.map((pair) => `${pair.a},${pair.b}`));
  const found = copyOf.filter((source, k) => together.has(`${source},${originals + k}`)).length;
  const wrong = result.pairs.filter((pair) => pair.b < originals || pair.a !== copyOf[pair.b - originals]).length;
  const { stats } = result;
  return `diverse search over ${SCALE_N.toLocaleString('en-US')} thumbnails (${copyOf.length.toLocaleString('en-US')} planted copies), ${stats.verificationThreads} verification thread(s): ${seconds.toFixed(1)} s (CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s); stages ${Object.entries(stats.milliseconds).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ')}; layout ${stats.layoutSearch.kind}; ${stats.proposals.toLocaleString("en-US")} hash proposals (${(stats.layoutSearch.comparisons + stats.dhashSearch.comparisons).toLocaleString('en-US')} hash comparisons), ${stats.spectrumProposals.toLocaleString('en-US')} spectrum proposals, ${stats.pairsVerified.toLocaleString('en-US')} pairs verified; copies found ${found}/${copyOf.length}; pairs not a planted copy ${wrong}; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`;
}

/**
 * A crowded set just below the radius-search limit (`--only crowded`): MNIST's 10,000 test digits and the same
 * digits transposed, searched with the crowded-set rule and with the radius search forced. Times both and lists
 * the clusters (the independent check has judged the digits' one cluster; a transpose's cluster is its mirror).
 */
async function crowdedRun(): Promise<string> {
  const images = gunzipSync(await fs.readFile(path.join(root, '..', 'shared', 'data', 'mnist', 't10k-images-idx3-ubyte.gz')));
  const digit = (i: number): Uint8Array => images.subarray(16 + i * 784, 16 + (i + 1) * 784);
  const transposed = (d: Uint8Array): Uint8Array => Uint8Array.from({ length: 784 }, (_, p) => d[(p % 28) * 28 + Math.floor(p / 28)]);
  const items = [...Array.from({ length: 10_000 }, (_, i) => digit(i)), ...Array.from({ length: 10_000 }, (_, i) => transposed(digit(i)))].map((pixels) => ({
    thumbnail: decodeThumbnail(lumaThumbnail(pixels, 28, 28)),
    dhash: undefined,
  }));
  const lines: string[] = [];
  for (const [name, crowdedPairsPerImage] of [['crowded-set rule', undefined], ['radius search forced', Number.POSITIVE_INFINITY]] as const) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const result = await findNearDuplicates(items, { threshold: resolveConfig({}).thresholds.nearDuplicateCorrelation, dhashRadius: 4, crowdedPairsPerImage, parallel: verificationPool(THREADS[THREADS.length - 1]) });
    const cpu = process.cpuUsage(cpuStart);
    const { stats } = result;
    lines.push(`MNIST digits and their transposes (20,000), ${name}: ${((performance.now() - start) / 1000).toFixed(1)} s (CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s); layout ${stats.layoutSearch.kind}, radius pairs estimated ${Math.round(stats.layoutSearch.estimatedRadiusPairs ?? 0).toLocaleString('en-US')}; ${stats.proposals.toLocaleString('en-US')} pairs proposed, ${stats.pairsVerified.toLocaleString('en-US')} verified; clusters ${JSON.stringify(result.clusters.map((cluster) => cluster.members))}`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const builders: Record<string, (out: string) => Promise<Item[]>> = { mnist: buildMnist, faces: buildFaces, photos: buildPhotos, tiny: buildTiny };
  const results: SetResult[] = [];
  for (const [set, build] of Object.entries(builders)) {
    if (!only.has(set)) continue;
    const items = await build(path.join(dir, set));
    const result = await evaluate(set, items);
    results.push(result);
    console.error(`${set}: ${JSON.stringify({ ...result, summary: undefined })}`);
    console.error(`  ${JSON.stringify(result.summary)}`);
  }
  if (only.has('scale')) console.log(await scaleRun());
  if (only.has('diverse')) console.log(await diverseRun());
  if (only.has('crowded')) console.log(await crowdedRun());
  console.log('| set | images | clusters | clusters from one source | FF-D022 | edited copies found | copy–source pairs the verifier passes | scan s | check s |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const recall = r.copies > 0 ? `${r.found}/${r.copies} = ${((100 * r.found) / r.copies).toFixed(1)}%` : '—';
    const ceiling = r.copies > 0 ? `${r.verifiable}/${r.copies} = ${((100 * r.verifiable) / r.copies).toFixed(1)}%` : '—';
    console.log(`| ${r.set} | ${r.images} | ${r.clusters} | ${r.precise} | ${r.conflicts} | ${recall} | ${ceiling} | ${r.scanSeconds.toFixed(1)} | ${r.checkSeconds.toFixed(2)} |`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
