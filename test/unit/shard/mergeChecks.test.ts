// The merge on a manifest audited without decoding (shards by path), and the partials it refuses: a missing shard,
// a shard run with other settings, a duplicated shard, a damaged file. Expected reports come from the single run.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { auditPath } from '../../../src/engine/audit';
import { FairframeError } from '../../../src/engine/errors';
import { auditShard } from '../../../src/engine/shard/auditShard';
import { mergePartials } from '../../../src/engine/shard/mergePartials';

function isBadPartial(pattern: RegExp): (error: unknown) => boolean {
  return (error: unknown) => FairframeError.is(error, 'bad-partial') && pattern.test(error.message);
}

describe('merging partial results', function () {
  this.timeout(120_000);
  let dir: string;
  let manifest: string;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-merge-'));
    await fs.mkdir(path.join(dir, 'data'));
    const rows = ['path,label,skin_tone'];
    // 60 records, imbalanced on purpose, with a missing file listed twice: findings the merge must reproduce.
    for (let i = 0; i < 60; i++) rows.push(`img/${i}.jpg,${i % 7 === 0 ? 'rare' : 'common'},${i % 3 === 0 ? 'dark' : 'light'}`);
    manifest = path.join(dir, 'data', 'manifest.csv');
    await fs.writeFile(manifest, `${rows.join('\n')}\n`);
  });

  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  async function shards(count: number, folder: string, indices = Array.from({ length: count }, (_, k) => k)): Promise<void> {
    await fs.mkdir(folder, { recursive: true });
    for (const index of indices) await auditShard(manifest, { noDecode: true, shard: { index, count }, partialDir: folder });
  }

  it('gives the single run\'s report for a --no-decode manifest split three ways', async () => {
    await shards(3, path.join(dir, 'three'));
    const single = await auditPath(manifest, { noDecode: true });
    const merged = await mergePartials([path.join(dir, 'three')]);
    assert.ok(single.findings.length > 0);
    for (const result of [single, merged]) {
      delete (result as Partial<typeof result>).createdAt;
      delete (result as Partial<typeof result>).durationMs;
    }
    assert.deepStrictEqual(JSON.parse(JSON.stringify(merged)), JSON.parse(JSON.stringify(single)));
  });

  it('refuses a missing shard, naming it', async () => {
    await shards(3, path.join(dir, 'missing'), [0, 2]);
    await assert.rejects(mergePartials([path.join(dir, 'missing')]), isBadPartial(/1\/3 is missing/));
  });

  it('refuses partials run with other settings or shard counts', async () => {
    await shards(2, path.join(dir, 'mixed'), [0]);
    await fs.mkdir(path.join(dir, 'other'));
    await auditShard(manifest, { noDecode: true, shard: { index: 1, count: 2 }, partialDir: path.join(dir, 'other'), thresholds: { minGroupSize: 7 } });
    await assert.rejects(mergePartials([path.join(dir, 'mixed'), path.join(dir, 'other')]), isBadPartial(/configuration differ/));
    await shards(3, path.join(dir, 'count'), [1]);
    await assert.rejects(mergePartials([path.join(dir, 'mixed'), path.join(dir, 'count')]), isBadPartial(/shard count/));
  });

  it('refuses the same shard twice and a damaged partial', async () => {
    await shards(2, path.join(dir, 'twice'));
    const file = path.join(dir, 'twice', 'fairframe-partial-0-of-2.jsonl.gz');
    await fs.copyFile(file, path.join(dir, 'copy-of-0.jsonl.gz'));
    await assert.rejects(mergePartials([path.join(dir, 'twice'), path.join(dir, 'copy-of-0.jsonl.gz')]), isBadPartial(/appears twice/));
    const lines = gunzipSync(await fs.readFile(file)).toString('utf8').split('\n');
    await fs.writeFile(file, gzipSync(lines.slice(0, -3).join('\n')));
    await assert.rejects(mergePartials([path.join(dir, 'twice')]), isBadPartial(/cut short|says/));
  });
});
