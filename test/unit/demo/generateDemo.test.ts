import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import exifReader from 'exif-reader';
import sharp from 'sharp';
import { DEFAULT_DEMO_SEED, generateDemo, type DemoManifest } from '../../../src/demo/generateDemo';

type Row = Record<'file_name' | 'label' | 'split' | 'fitzpatrick' | 'sex' | 'age_group' | 'site' | 'mask', string>;

/** dHash computed independently of the generator: sharp greyscale 9×8 resize, bit = left > right, row-major; two 32-bit halves. */
async function dhash(file: string): Promise<[number, number]> {
  const pixels = await sharp(file).greyscale().resize(9, 8, { fit: 'fill' }).raw().toBuffer();
  const halves: [number, number] = [0, 0];
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      const bit = pixels[y * 9 + x] > pixels[y * 9 + x + 1] ? 1 : 0;
      halves[y >> 2] = ((halves[y >> 2] << 1) | bit) >>> 0;
    }
  }
  return halves;
}

function popcount(value: number): number {
  let bits = 0;
  for (let x = value >>> 0; x; x &= x - 1) bits++;
  return bits;
}

function hamming(a: readonly [number, number], b: readonly [number, number]): number {
  return popcount((a[0] ^ b[0]) >>> 0) + popcount((a[1] ^ b[1]) >>> 0);
}

async function listFiles(root: string): Promise<string[]> {
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/')).sort();
}

/** Runs `task` over `items` with at most 8 in flight, keeping the order of results. */
async function mapLimit<T, R>(items: readonly T[], task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return results;
}

/** Cohen's d with pooled SD, written out here to check the generator's figure. */
function cohensD(a: number[], b: number[]): number {
  const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
  const ss = (v: number[], m: number): number => v.reduce((s, x) => s + (x - m) ** 2, 0);
  const [ma, mb] = [mean(a), mean(b)];
  return (ma - mb) / Math.sqrt((ss(a, ma) + ss(b, mb)) / (a.length + b.length - 2));
}

describe('demo/generateDemo', function () {
  // One full generation (3,200 images) shared by every test below, plus three small subsets.
  this.timeout(300_000);
  let tmp: string;
  let full: string;
  let truth: DemoManifest;
  let rows: Row[];
  let byFile: Map<string, Row>;
  const progress: Array<[number, number]> = [];

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-demo-'));
    full = path.join(tmp, 'full');
    truth = await generateDemo(full, { onProgress: (done, total) => progress.push([done, total]) });
    rows = parse(await fs.readFile(path.join(full, 'data', 'metadata.csv')), { columns: true }) as Row[];
    byFile = new Map(rows.map((row) => [row.file_name, row]));
  });

  after(async () => {
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  it('writes byte-identical files for the same seed, equal to the full set\'s first images', async () => {
    const [a, b, other] = ['a', 'b', 'other'].map((name) => path.join(tmp, name));
    const [truthA, truthB] = await Promise.all([generateDemo(a, { limit: 40 }), generateDemo(b, { limit: 40 })]);
    await generateDemo(other, { limit: 40, seed: DEFAULT_DEMO_SEED + 1 });
    assert.deepEqual(truthA, truthB);
    assert.equal(truthA.generator.imagesWritten, 40);
    const filesA = await listFiles(a);
    assert.deepEqual(await listFiles(b), filesA);
    // 40 images + 40 masks + metadata.csv + fairframe.json + demo-truth.json.
    assert.equal(filesA.length, 83);
    const digest = async (file: string): Promise<string> => createHash('sha256').update(await fs.readFile(file)).digest('hex');
    let differsFromOtherSeed = 0;
    for (const file of filesA) {
      const hashA = await digest(path.join(a, file));
      assert.equal(await digest(path.join(b, file)), hashA, file);
      if (file.endsWith('.jpg') || file.endsWith('.png')) {
        assert.equal(await digest(path.join(full, file)), hashA, `${file} differs from the full generation`);
      }
      if (file.endsWith('.jpg')) {
        const twin = (await listFiles(other)).find((f) => f.endsWith(path.basename(file)));
        if (twin && (await digest(path.join(other, twin))) !== hashA) differsFromOtherSeed++;
      }
    }
    assert.equal(differsFromOtherSeed, 40);
  });

  it('reports progress up to the total', () => {
    assert.ok(progress.length > 1);
    assert.deepEqual(progress[progress.length - 1], [3200, 3200]);
  });

  it('writes demo-truth.json equal to the returned manifest', async () => {
    assert.deepEqual(JSON.parse(await fs.readFile(path.join(full, 'demo-truth.json'), 'utf8')), JSON.parse(JSON.stringify(truth)));
  });

  it('has counts in the truth that match metadata.csv', () => {
    assert.equal(rows.length, 3200);
    assert.deepEqual(Object.keys(rows[0]), truth.columns);
    assert.deepEqual(truth.columns, ['file_name', 'label', 'split', 'fitzpatrick', 'sex', 'age_group', 'site', 'mask']);
    const tally = (column: keyof Row): Record<string, number> => {
      const counts: Record<string, number> = {};
      for (const row of rows) counts[row[column]] = (counts[row[column]] ?? 0) + 1;
      return counts;
    };
    for (const column of ['label', 'split', 'fitzpatrick', 'sex', 'age_group', 'site'] as const) {
      assert.deepEqual(tally(column), truth.counts[column], column);
    }
    assert.deepEqual(tally('fitzpatrick'), { I: 576, II: 848, III: 848, IV: 576, V: 224, VI: 128 });
    assert.deepEqual(tally('split'), { train: 2560, test: 640 });
    assert.equal(tally('label').Melanoma, 3);
    assert.equal(tally('label')['nevus '], 2);
    for (const [label, byType] of Object.entries(truth.counts.labelByFitzpatrick)) {
      for (const [type, n] of Object.entries(byType)) {
        assert.equal(rows.filter((r) => r.label === label && r.fitzpatrick === type).length, n, `${label} × ${type}`);
      }
    }
    assert.equal(new Set(rows.map((r) => r.file_name)).size, 3200);
    for (const row of rows) assert.ok(row.file_name.startsWith(`${row.split}/`), row.file_name);
    assert.deepEqual(truth.defects.underRepresentation.underRepresented, ['V', 'VI']);
    assert.ok(truth.classBalance.ratio < 10 && truth.classBalance.smallest.count >= 20);
  });

  it('lists planted label defects exactly as metadata.csv shows them', () => {
    const { labelTypos, labelFlips, nearDuplicates, exactDuplicates } = truth.defects;
    assert.equal(labelTypos.length, 5);
    for (const typo of labelTypos) assert.equal(byFile.get(typo.file)?.label, typo.label);
    assert.deepEqual(labelTypos.map((t) => t.label).sort(), ['Melanoma', 'Melanoma', 'Melanoma', 'nevus ', 'nevus ']);
    assert.equal(labelFlips.length, 40);
    for (const flip of labelFlips) {
      const row = byFile.get(flip.file);
      assert.equal(row?.label, flip.label);
      assert.equal(row?.split, 'test');
      assert.notEqual(flip.label, flip.trueLabel);
    }
    const kinds = nearDuplicates.pairs.map((p) => p.kind);
    assert.deepEqual([kinds.filter((k) => k === 'leakage').length, kinds.filter((k) => k === 'conflicting').length, kinds.filter((k) => k === 'plain').length], [4, 3, 5]);
    for (const pair of nearDuplicates.pairs) {
      const [source, copy] = [byFile.get(pair.source), byFile.get(pair.copy)];
      assert.deepEqual([source?.label, copy?.label, source?.split, copy?.split], [pair.sourceLabel, pair.copyLabel, pair.sourceSplit, pair.copySplit]);
      assert.equal(pair.kind === 'leakage', source?.split !== copy?.split);
      assert.equal(pair.kind === 'conflicting', source?.label !== copy?.label);
      assert.deepEqual([copy?.fitzpatrick, copy?.sex, copy?.age_group, copy?.site], [source?.fitzpatrick, source?.sex, source?.age_group, source?.site]);
    }
    assert.equal(exactDuplicates.length, 3);
    for (const exact of exactDuplicates) {
      assert.deepEqual([byFile.get(exact.source)?.label, byFile.get(exact.source)?.split], [exact.label, exact.split]);
      assert.deepEqual([byFile.get(exact.copy)?.label, byFile.get(exact.copy)?.split], [exact.label, exact.split]);
    }
  });

  it('keeps the dataset root clean: only listed images, the manifest and the config; masks outside it', async () => {
    const dataFiles = await listFiles(path.join(full, 'data'));
    assert.deepEqual(dataFiles, [...rows.map((r) => r.file_name), 'fairframe.json', 'metadata.csv'].sort());
    await mapLimit(rows, async (row) => {
      assert.ok(row.mask.startsWith('../masks/'), row.mask);
      const file = path.join(full, 'data', row.mask);
      assert.equal((await sharp(file).metadata()).channels, 1, `${row.mask} is not one-channel`);
      const mask = await sharp(file).extractChannel(0).raw().toBuffer();
      assert.equal(mask.length, 64 * 64);
      assert.ok(mask.every((v) => v === 0 || v === 255), `${row.mask} is not binary`);
      assert.ok(mask.some((v) => v === 255), `${row.mask} is empty`);
    });
    const config = JSON.parse(await fs.readFile(path.join(full, 'data', 'fairframe.json'), 'utf8'));
    assert.deepEqual(config, {
      attributes: ['fitzpatrick', 'sex', 'age_group', 'site'],
      reference: { fitzpatrick: { I: 1, II: 1, III: 1, IV: 1, V: 1, VI: 1 } },
    });
  });

  it('plants near duplicates within dHash distance 3, and no unrelated pair within 8', async () => {
    const corrupt = new Set(truth.defects.corruptFiles.map((c) => c.file));
    const group = new Map<string, string>();
    for (const pair of truth.defects.nearDuplicates.pairs) group.set(pair.copy, pair.source);
    for (const exact of truth.defects.exactDuplicates) group.set(exact.copy, exact.source);
    const decodable = rows.map((r) => r.file_name).filter((f) => !corrupt.has(f));
    const hashes = new Map<string, [number, number]>();
    const computed = await mapLimit(decodable, (file) => dhash(path.join(full, 'data', file)));
    decodable.forEach((file, i) => hashes.set(file, computed[i]));
    const hashOf = (file: string): [number, number] => hashes.get(file) ?? assert.fail(`no hash for ${file}`);

    for (const pair of truth.defects.nearDuplicates.pairs) {
      const distance = hamming(hashOf(pair.source), hashOf(pair.copy));
      assert.ok(distance <= 3, `${pair.source} ~ ${pair.copy}: ${distance}`);
      assert.equal(distance, pair.distance.sharp);
      const [a, b] = await Promise.all([fs.readFile(path.join(full, 'data', pair.source)), fs.readFile(path.join(full, 'data', pair.copy))]);
      assert.ok(!a.equals(b), 'a near duplicate is not a byte copy');
    }
    for (const exact of truth.defects.exactDuplicates) {
      const [a, b] = await Promise.all([fs.readFile(path.join(full, 'data', exact.source)), fs.readFile(path.join(full, 'data', exact.copy))]);
      assert.ok(a.equals(b));
      assert.equal(createHash('sha256').update(a).digest('hex'), exact.sha256);
    }

    // Every unrelated pair (5 million of them), not a sample.
    const root = (file: string): string => group.get(file) ?? file;
    const list = decodable.map((file) => [root(file), hashOf(file)] as const);
    let closest = 64;
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        if (list[i][0] === list[j][0]) continue;
        const distance = hamming(list[i][1], list[j][1]);
        if (distance < closest) closest = distance;
        if (distance <= 8) assert.fail(`${decodable[i]} and ${decodable[j]} are unrelated but ${distance} bits apart`);
      }
    }
    assert.equal(closest, truth.clean.minUnrelatedDistance?.sharp);
  });

  it('writes truncated and zero-byte files that sharp cannot decode', async () => {
    const { corruptFiles } = truth.defects;
    assert.deepEqual(corruptFiles.map((c) => c.kind).sort(), ['truncated', 'truncated', 'truncated', 'truncated', 'zero-byte']);
    for (const corrupt of corruptFiles) {
      const file = path.join(full, 'data', corrupt.file);
      const bytes = await fs.readFile(file);
      assert.equal(bytes.length, corrupt.bytes);
      assert.ok(byFile.has(corrupt.file));
      if (corrupt.kind === 'zero-byte') assert.equal(bytes.length, 0);
      else assert.ok(bytes.length >= 0.4 * corrupt.encodedBytes - 1 && bytes.length <= 0.6 * corrupt.encodedBytes, `${bytes.length} of ${corrupt.encodedBytes}`);
      await assert.rejects(async () => sharp(bytes).raw().toBuffer(), corrupt.file);
    }
  });

  it('embeds GPS, serial numbers and the AI source type exactly where the truth says', async () => {
    const gps = new Map(truth.defects.gps.map((g) => [g.file, g]));
    const serials = new Map(truth.defects.serialNumbers.map((s) => [s.file, s.bodySerialNumber]));
    const ai = new Set(truth.defects.aiGenerated.map((a) => a.file));
    assert.deepEqual([gps.size, serials.size, ai.size], [6, 2, 2]);
    const corrupt = new Set(truth.defects.corruptFiles.map((c) => c.file));
    for (const row of rows) {
      if (corrupt.has(row.file_name)) continue;
      const metadata = await sharp(path.join(full, 'data', row.file_name)).metadata();
      const exif = metadata.exif ? exifReader(metadata.exif) : undefined;
      const expected = gps.get(row.file_name);
      if (expected) {
        const info = exif?.GPSInfo;
        const decimal = (dms: unknown): number => {
          const [d, m, s] = dms as number[];
          return d + m / 60 + s / 3600;
        };
        assert.equal(info?.GPSLatitudeRef, expected.latitudeRef);
        assert.equal(info?.GPSLongitudeRef, expected.longitudeRef);
        assert.deepEqual(info?.GPSLatitude, expected.latitudeDms);
        const sign = (ref: string): number => (ref === 'S' || ref === 'W' ? -1 : 1);
        assert.ok(Math.abs(sign(expected.latitudeRef) * decimal(info?.GPSLatitude) - expected.latitude) < 1e-9);
        assert.ok(Math.abs(sign(expected.longitudeRef) * decimal(info?.GPSLongitude) - expected.longitude) < 1e-9);
      } else {
        assert.equal(exif?.GPSInfo, undefined, `${row.file_name} has GPS`);
      }
      assert.equal(exif?.Photo?.BodySerialNumber, serials.get(row.file_name));
      const xmp = metadata.xmp?.toString('utf8') ?? '';
      assert.equal(xmp.includes('<Iptc4xmpExt:DigitalSourceType>http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia<'), ai.has(row.file_name), row.file_name);
    }
  });

  it('makes one site darker by a standardised mean difference beyond 1.5, and no other group', async () => {
    const corrupt = new Set(truth.defects.corruptFiles.map((c) => c.file));
    const brightness = new Map<string, number>();
    for (const row of rows) {
      if (corrupt.has(row.file_name)) continue;
      const data = await sharp(path.join(full, 'data', row.file_name)).raw().toBuffer();
      let sum = 0;
      for (let i = 0; i < data.length; i += 3) sum += 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
      brightness.set(row.file_name, sum / (data.length / 3));
    }
    const of = (accept: (row: Row) => boolean): number[] => rows.filter((r) => brightness.has(r.file_name) && accept(r)).map((r) => brightness.get(r.file_name) ?? NaN);
    const gap = truth.defects.brightnessGap;
    assert.equal(gap.value, 'clinic_c');
    const d = cohensD(of((r) => r.site === 'clinic_c'), of((r) => r.site !== 'clinic_c'));
    assert.ok(Math.abs(d - gap.smd) < 1e-9, `${d} vs ${gap.smd}`);
    assert.ok(d <= -1.5, String(d));
    for (const [attribute, value] of [['sex', 'female'], ['sex', 'male'], ['age_group', 'under_40'], ['age_group', '65_plus']] as const) {
      assert.ok(Math.abs(cohensD(of((r) => r[attribute] === value), of((r) => r[attribute] !== value))) < 0.3, `${attribute} = ${value}`);
    }
    assert.ok(truth.defects.largestIndependentGap !== null && Math.abs(truth.defects.largestIndependentGap.smd) < 0.5);
    const siteGaps = truth.defects.propertyGaps.filter((g) => g.attribute === 'site');
    assert.deepEqual(siteGaps.map((g) => `${g.value} ${g.property} ${g.cause}`), ['clinic_c brightness planted', 'clinic_c contrast follows-from-planted']);
    assert.equal(truth.defects.propertyGaps.filter((g) => g.cause === 'unexpected').length, 0);
  });

  it('makes lesions harder to see on dark skin (lower lesion/skin contrast on V–VI)', async () => {
    const copies = new Set([...truth.defects.nearDuplicates.pairs.map((p) => p.copy), ...truth.defects.exactDuplicates.map((e) => e.copy)]);
    const corrupt = new Set(truth.defects.corruptFiles.map((c) => c.file));
    const contrast: Record<'light' | 'dark', number[]> = { light: [], dark: [] };
    for (const row of rows) {
      const group = row.fitzpatrick === 'I' || row.fitzpatrick === 'II' ? 'light' : row.fitzpatrick === 'V' || row.fitzpatrick === 'VI' ? 'dark' : undefined;
      if (!group || copies.has(row.file_name) || corrupt.has(row.file_name)) continue;
      const [pixels, mask] = await Promise.all([
        sharp(path.join(full, 'data', row.file_name)).raw().toBuffer(),
        sharp(path.join(full, 'data', row.mask)).extractChannel(0).raw().toBuffer(),
      ]);
      let inside = 0;
      let outside = 0;
      let n = 0;
      for (let i = 0; i < mask.length; i++) {
        const luma = 0.299 * pixels[3 * i] + 0.587 * pixels[3 * i + 1] + 0.114 * pixels[3 * i + 2];
        if (mask[i]) {
          inside += luma;
          n++;
        } else outside += luma;
      }
      // Weber contrast |L_lesion − L_skin| / L_skin.
      const skin = outside / (mask.length - n);
      contrast[group].push(Math.abs(inside / n - skin) / skin);
    }
    const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
    assert.ok(contrast.dark.length > 250 && contrast.light.length > 1000);
    assert.ok(mean(contrast.dark) < 0.75 * mean(contrast.light), `${mean(contrast.dark)} vs ${mean(contrast.light)}`);
  });
});
