// A dataset in S3-compatible object storage as the audit's root: a real S3-API server (s3rver, started here on a free
// port), `fairframe audit s3://bucket/prefix` against the same folder audited locally, a second run that fetches nothing,
// a third after one object changed and one was deleted, and the bucket left untouched throughout.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import S3rver from 's3rver';
import sharp from 'sharp';
import { CreateBucketCommand, DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { isDatasetObject, mirrorRelativePath } from '../../../src/engine/io/objectStoreMirror';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist/cli.js');
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...CREDENTIALS, CI: 'true' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A 32×32 PNG: a square of a shade on a background of another (varied so that no two images are duplicates). */
function png(i: number): Promise<Buffer> {
  const size = 32;
  const pixels = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inside = x >= (i % 7) * 3 && x < (i % 7) * 3 + 10 && y >= (i % 5) * 4 && y < (i % 5) * 4 + 12;
      const o = (y * size + x) * 3;
      pixels[o] = inside ? 240 - i * 5 : (x * 7 + i * 13) % 256;
      pixels[o + 1] = inside ? 30 + i * 6 : (y * 5 + i * 29) % 256;
      pixels[o + 2] = ((x + y) * 3 + i * 41) % 256;
    }
  }
  return sharp(pixels, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
}

describe('a dataset in S3-compatible object storage (s3rver)', function () {
  this.timeout(300_000);
  let dir: string;
  let server: S3rver;
  let endpoint: string;
  let client: S3Client;
  let local: string;
  const files = new Map<string, Buffer>();

  const listing = async (): Promise<string[]> => {
    const page = await client.send(new ListObjectsV2Command({ Bucket: 'datasets' }));
    return (page.Contents ?? []).map((object) => `${object.Key} ${object.ETag} ${object.Size}`).sort();
  };
  const audit = (cache: string[], out: string): Promise<{ status: number | null; stdout: string; stderr: string }> =>
    run(['audit', 's3://datasets/pets/v1', ...cache, '-f', 'json', '-o', out, '--no-record', '--s3-endpoint', endpoint, '--s3-path-style']);

  before(async () => {
    if (!existsSync(cli)) spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-s3-dataset-test-'));
    await fs.mkdir(path.join(dir, 'store'));
    server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: path.join(dir, 'store') });
    const { port } = await server.run();
    endpoint = `http://127.0.0.1:${port}`;
    client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    await client.send(new CreateBucketCommand({ Bucket: 'datasets' }));
    // The same ImageFolder (two labels, 24 images) in the bucket and on disk; in the bucket also a note and a folder marker.
    local = path.join(dir, 'local', 'v1');
    for (let i = 0; i < 24; i++) files.set(`${i % 3 === 0 ? 'cat' : 'dog'}/${String(i).padStart(2, '0')}.png`, await png(i));
    for (const [name, body] of files) {
      await fs.mkdir(path.dirname(path.join(local, name)), { recursive: true });
      await fs.writeFile(path.join(local, name), body);
      await client.send(new PutObjectCommand({ Bucket: 'datasets', Key: `pets/v1/${name}`, Body: body }));
    }
    await client.send(new PutObjectCommand({ Bucket: 'datasets', Key: 'pets/v1/README.txt', Body: 'not a dataset file' }));
    await client.send(new PutObjectCommand({ Bucket: 'datasets', Key: 'pets/v1/empty-folder/', Body: '' }));
    await client.send(new PutObjectCommand({ Bucket: 'datasets', Key: 'pets/v2/other.png', Body: await png(99) }));
  });

  after(async () => {
    client?.destroy();
    await server?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('keeps dataset files only, and only keys that are plain relative paths', () => {
    assert.equal(mirrorRelativePath('pets/v1/cat/1.png', 'pets/v1/'), 'cat/1.png');
    for (const key of ['pets/v1/', 'pets/v1/cat/', 'pets/v1/../x.png', 'pets/v1/./x.png', 'pets/v1//x.png', 'pets/v1/a\\b.png', 'other/x.png']) {
      assert.equal(mirrorRelativePath(key, 'pets/v1/'), undefined, key);
    }
    assert.deepEqual(['a.png', 'b/metadata.csv', 'm.jsonl', 'model.onnx', 'fairframe.json', 'notes.txt', '.hidden.png', 'x.bin'].map(isDatasetObject), [true, true, true, true, true, false, false, false]);
  });

  it('audits s3://bucket/prefix as the same folder on disk, fetches nothing unchanged the second time, and never writes to the bucket', async () => {
    const before = await listing();
    const cache = path.join(dir, 'cache');
    const first = await audit(['--cache', cache], path.join(dir, 'out1'));
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stderr, /26 objects listed, 24 fetched \(.* MB\), 0 unchanged, 0 removed, 1 not dataset files/);
    const mirrored = /audited from (.*)\n/.exec(first.stderr)?.[1] as string;
    assert.ok(mirrored.startsWith(path.join(cache, 's3', 'datasets')), mirrored);
    assert.equal(path.basename(mirrored), 'v1');

    // The report equals the local folder's, the folder's path aside.
    const fromBucket = await fs.readFile(path.join(dir, 'out1', 'fairframe-report.json'), 'utf8');
    const onDisk = await run(['audit', local, '--cache', path.join(dir, 'cache-local'), '-f', 'json', '-o', path.join(dir, 'out-local'), '--no-record']);
    assert.equal(onDisk.status, 0, onDisk.stderr);
    const localReport = await fs.readFile(path.join(dir, 'out-local', 'fairframe-report.json'), 'utf8');
    const comparable = (text: string, folder: string): unknown => {
      const report = JSON.parse(text.split(JSON.stringify(folder).slice(1, -1)).join('<root>')) as Record<string, unknown>;
      delete report.createdAt;
      delete report.durationMs;
      return report;
    };
    const bucketReport = comparable(fromBucket, mirrored) as { datasets: Array<{ images: number; name: string }> };
    assert.equal(bucketReport.datasets[0].images, 24);
    assert.equal(bucketReport.datasets[0].name, 'v1');
    assert.deepStrictEqual(bucketReport, comparable(localReport, local));

    // Second run: everything unchanged, nothing fetched, the mirror's files untouched.
    const stamp = (await fs.stat(path.join(mirrored, 'cat', '00.png'))).mtimeMs;
    const second = await audit(['--cache', cache], path.join(dir, 'out2'));
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stderr, /26 objects listed, 0 fetched \(0\.0 MB\), 24 unchanged, 0 removed/);
    assert.equal((await fs.stat(path.join(mirrored, 'cat', '00.png'))).mtimeMs, stamp);

    // One object replaced, one deleted, one added: exactly those change in the mirror.
    await client.send(new PutObjectCommand({ Bucket: 'datasets', Key: 'pets/v1/cat/00.png', Body: await png(50) }));
    await client.send(new DeleteObjectCommand({ Bucket: 'datasets', Key: 'pets/v1/dog/01.png' }));
    await client.send(new PutObjectCommand({ Bucket: 'datasets', Key: 'pets/v1/dog/new.png', Body: await png(51) }));
    const changedListing = await listing();
    const third = await audit(['--cache', cache], path.join(dir, 'out3'));
    assert.equal(third.status, 0, third.stderr);
    assert.match(third.stderr, /26 objects listed, 2 fetched \(.* MB\), 22 unchanged, 1 removed/);
    assert.ok(!existsSync(path.join(mirrored, 'dog', '01.png')));
    assert.deepEqual(await fs.readFile(path.join(mirrored, 'cat', '00.png')), await png(50));
    const thirdReport = JSON.parse(await fs.readFile(path.join(dir, 'out3', 'fairframe-report.json'), 'utf8')) as { datasets: Array<{ images: number }> };
    assert.equal(thirdReport.datasets[0].images, 24);

    // The bucket holds exactly what the test put there: the audits wrote nothing.
    assert.equal(before.length, 27);
    assert.deepEqual(await listing(), changedListing);
  });

  it('uses a temporary mirror under --no-cache, removed after the run', async () => {
    const result = await audit(['--no-cache'], path.join(dir, 'out4'));
    assert.equal(result.status, 0, result.stderr);
    const mirrored = /audited from (.*)\n/.exec(result.stderr)?.[1] as string;
    assert.ok(mirrored.startsWith(os.tmpdir()), mirrored);
    assert.ok(!existsSync(mirrored), 'the temporary mirror is removed');
  });
});
