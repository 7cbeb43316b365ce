// Partial results through S3-compatible object storage: a real S3-API server (s3rver, started here on a free port),
// four CLI shards uploading with --partial s3://bucket/prefix, and fairframe merge s3://bucket/prefix giving the
// report a single run gives (compared without createdAt and durationMs, the run's time and duration).
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import S3rver from 's3rver';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist/cli.js');
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...CREDENTIALS, CI: 'true', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function withoutRunTime(text: string): unknown {
  const report = JSON.parse(text) as Record<string, unknown>;
  delete report.createdAt;
  delete report.durationMs;
  return report;
}

describe('partial results in S3-compatible object storage (s3rver)', function () {
  this.timeout(300_000);
  let dir: string;
  let server: S3rver;
  let endpoint: string;
  let client: S3Client;
  let manifest: string;

  before(async () => {
    if (!existsSync(cli)) spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-s3-'));
    await fs.mkdir(path.join(dir, 'store'));
    await fs.mkdir(path.join(dir, 'data'));
    server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: path.join(dir, 'store') });
    const { port } = await server.run();
    endpoint = `http://127.0.0.1:${port}`;
    client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    await client.send(new CreateBucketCommand({ Bucket: 'audit-partials' }));
    const rows = ['path,label,gender'];
    for (let i = 0; i < 120; i++) rows.push(`img/${i}.png,${i % 9 === 0 ? 'cat' : 'dog'},${i % 4 === 0 ? 'f' : 'm'}`);
    manifest = path.join(dir, 'data', 'manifest.csv');
    await fs.writeFile(manifest, `${rows.join('\n')}\n`);
  });

  after(async () => {
    client?.destroy();
    await server?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('uploads each shard\'s partial and merges them from the bucket into the single run\'s report', async () => {
    const shards = await Promise.all([0, 1, 2, 3].map((k) => run(['audit', manifest, '--no-decode', '--quiet', '--shard', `${k}/4`, '--partial', 's3://audit-partials/runs/one', '--s3-endpoint', endpoint, '--s3-path-style'])));
    for (const shard of shards) assert.equal(shard.status, 0, shard.stderr);
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'audit-partials', Prefix: 'runs/one/' }));
    assert.deepEqual(listed.Contents?.map((object) => object.Key).sort(), [0, 1, 2, 3].map((k) => `runs/one/fairframe-partial-${k}-of-4.jsonl.gz`));
    // An unrelated object beside them is not taken for a partial.
    await client.send(new PutObjectCommand({ Bucket: 'audit-partials', Key: 'runs/one/notes.txt', Body: 'x' }));

    // The endpoint and path style from the standard variables this time.
    const merged = await run(['merge', 's3://audit-partials/runs/one', '--quiet', '-f', 'json'], { AWS_ENDPOINT_URL: endpoint, AWS_S3_FORCE_PATH_STYLE: 'true' });
    assert.equal(merged.status, 0, merged.stderr);
    const single = await run(['audit', manifest, '--no-decode', '--quiet', '-f', 'json']);
    assert.equal(single.status, 0, single.stderr);
    assert.deepStrictEqual(withoutRunTime(merged.stdout), withoutRunTime(single.stdout));
  });

  it('says what is wrong when the bucket does not exist or no partial is there', async () => {
    const missingBucket = await run(['merge', 's3://no-such-bucket/x', '--quiet', '--s3-endpoint', endpoint, '--s3-path-style']);
    assert.equal(missingBucket.status, 2);
    assert.match(missingBucket.stderr, /Could not list 's3:\/\/no-such-bucket\/x\/'.*NoSuchBucket/);
    const empty = await run(['merge', 's3://audit-partials/runs/none', '--quiet', '--s3-endpoint', endpoint, '--s3-path-style']);
    assert.equal(empty.status, 2);
    assert.match(empty.stderr, /No partial result/);
    // A dataset prefix with nothing an audit reads.
    const dataset = await run(['audit', 's3://audit-partials/runs/one', '--quiet', '--no-cache', '--s3-endpoint', endpoint, '--s3-path-style']);
    assert.equal(dataset.status, 2);
    assert.match(dataset.stderr, /holds no images or manifests/);
  });
});
