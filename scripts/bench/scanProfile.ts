// `npx tsx scripts/bench/scanProfile.ts [DIR]`: where the scan's time goes, step by step, against a plain sharp decode
// of the same files. Each step runs over every file one at a time (libvips on one thread, as the scan sets it), and is
// timed by the process's CPU time (user + system, every thread), which a loaded machine inflates less than wall time.
// DIR defaults to the scan benchmark's images (bench-data/scan-5000-320x240, made by `npm run bench -- --only scan`).
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { computePixelStats } from '../../src/engine/image/pixelStats';
import { scanImage, STATS_MAX_SIDE } from '../../src/engine/image/scanImage';

async function cpuMsPerFile(label: string, files: readonly string[], step: (file: string, index: number) => Promise<unknown>): Promise<number> {
  for (const file of files.slice(0, 50)) await step(file, 0); // warm the page cache, the libraries and the JIT
  const before = process.cpuUsage();
  const wallStarted = process.hrtime.bigint();
  for (let i = 0; i < files.length; i++) await step(files[i], i);
  const used = process.cpuUsage(before);
  const cpu = (used.user + used.system) / 1000 / files.length;
  const wall = Number(process.hrtime.bigint() - wallStarted) / 1e6 / files.length;
  console.log(`| ${label} | ${cpu.toFixed(3)} | ${wall.toFixed(3)} |`);
  return cpu;
}

async function main(): Promise<void> {
  const dir = process.argv[2] ?? path.resolve(__dirname, '../../bench-data/scan-5000-320x240');
  const files = (await fs.readdir(dir)).filter((name) => name.endsWith('.jpg')).sort().slice(0, 1500).map((name) => path.join(dir, name));
  sharp.concurrency(1);
  console.log(`${files.length} files from ${dir}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}`);
  console.log('| step (one file at a time) | CPU ms per file | wall ms per file |\n|---|---:|---:|');
  const buffers = await Promise.all(files.map((file) => fs.readFile(file)));
  const resized: Array<{ data: Buffer; width: number; height: number }> = [];
  const raw = await cpuMsPerFile('plain decode, `sharp(file).raw().toBuffer()` (the baseline)', files, (file) => sharp(file).raw().toBuffer());
  await cpuMsPerFile('read the file + SHA-256', files, async (file) => createHash('sha256').update(await fs.readFile(file)).digest('hex'));
  await cpuMsPerFile('`metadata()` (header, EXIF, XMP) from the buffer', files, (_, i) => sharp(buffers[i]).metadata());
  await cpuMsPerFile('decode only, from the buffer', files, (_, i) => sharp(buffers[i]).raw().toBuffer());
  await cpuMsPerFile(`decode + resize to ≤${STATS_MAX_SIDE} px (linear kernel), as the scan does`, files, async (_, i) => {
    const { data, info } = await sharp(buffers[i], { failOn: 'error', sequentialRead: true })
      .resize({ width: STATS_MAX_SIDE, height: STATS_MAX_SIDE, fit: 'inside', withoutEnlargement: true, kernel: 'linear' })
      .removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    resized[i] = { data, width: info.width, height: info.height };
  });
  await cpuMsPerFile('decode at 1/2 scale (JPEG shrink-on-load), for comparison', files, (_, i) => sharp(buffers[i]).resize({ width: 160, height: 160, fit: 'inside', kernel: 'nearest' }).raw().toBuffer());
  await cpuMsPerFile('pixel statistics, dHash and thumbnail in JavaScript', files, async (_, i) => computePixelStats(resized[i].data, resized[i].width, resized[i].height, 3));
  const full = await cpuMsPerFile('the whole `scanImage` (all of the above, once)', files, (file) => scanImage(file, { maxPixels: 1e8 }));
  console.log(`\nscanImage / plain decode, CPU time: ${(full / raw).toFixed(2)}×`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
