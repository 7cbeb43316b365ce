// Shard assignment: the SHA-256 digest read as a big-endian integer mod N. Expected shards come from Python
// (int(hashlib.sha256(b).hexdigest(), 16) % n), run outside the engine and frozen here.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FairframeError } from '../../../src/engine/errors';
import { assignShards, hashFile, parseShard, shardOfDigest } from '../../../src/engine/shard/shardAssignment';
import type { DatasetRecord } from '../../../src/engine/types';

// python3: for s in [b'', b'abc', b'images/0.png']: h = sha256(s).hexdigest(); [int(h, 16) % n for n in (1, 2, 3, 4, 7, 1000)]
const REFERENCE: Array<{ bytes: string; sha256: string; shards: Record<number, number> }> = [
  { bytes: '', sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', shards: { 1: 0, 2: 1, 3: 1, 4: 1, 7: 1, 1000: 549 } },
  { bytes: 'abc', sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', shards: { 1: 0, 2: 1, 3: 1, 4: 1, 7: 5, 1000: 965 } },
  { bytes: 'images/0.png', sha256: 'a0c4a8664d4ecc279c5d09337fff783b069edb4d7598346a8ea5aafb4c9f29d0', shards: { 1: 0, 2: 0, 3: 0, 4: 0, 7: 0, 1000: 928 } },
];

function record(relPath: string, file: string): DatasetRecord {
  return { id: relPath, path: file, relPath, label: 'a', attributes: {}, source: { file } };
}

describe('shard assignment', () => {
  it('reads the digest as a 256-bit integer modulo N, as Python does', () => {
    for (const { sha256, shards } of REFERENCE) {
      for (const [count, shard] of Object.entries(shards)) assert.equal(shardOfDigest(sha256, Number(count)), shard, `${sha256} mod ${count}`);
    }
  });

  it('hashes file bytes and falls back to the relative path for an unreadable file or under --no-decode', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-shard-'));
    try {
      await fs.writeFile(path.join(dir, 'abc.bin'), 'abc');
      assert.equal(await hashFile(path.join(dir, 'abc.bin')), REFERENCE[1].sha256);
      assert.equal(await hashFile(path.join(dir, 'missing.bin')), undefined);
      const records = [record('x/abc.bin', path.join(dir, 'abc.bin')), record('images/0.png', path.join(dir, 'nothing-here.png'))];
      // By content: 'abc' → shard 5 of 7; the missing file by its relative path 'images/0.png' → 0 of 7.
      assert.deepEqual(await assignShards(records, 7, true), [5, 0]);
      // By path: 'images/0.png' → 928 of 1000.
      assert.equal((await assignShards(records, 1000, false))[1], 928);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('parses K/N and auto (Kubernetes Indexed Job variables, else FAIRFRAME_SHARD_*), refusing what is out of range', () => {
    assert.deepEqual(parseShard('2/4'), { index: 2, count: 4 });
    assert.deepEqual(parseShard(' 0 / 1 '), { index: 0, count: 1 });
    assert.deepEqual(parseShard('auto', { JOB_COMPLETION_INDEX: '3', JOB_COMPLETIONS: '8' }), { index: 3, count: 8 });
    assert.deepEqual(parseShard('auto', { FAIRFRAME_SHARD_INDEX: '1', FAIRFRAME_SHARD_COUNT: '2' }), { index: 1, count: 2 });
    for (const bad of ['4/4', '1/0', '-1/4', 'a/b', '1', '1.5/4']) assert.throws(() => parseShard(bad), (error: unknown) => FairframeError.is(error, 'bad-config'), bad);
    assert.throws(() => parseShard('auto', {}), /JOB_COMPLETION_INDEX/);
    assert.throws(() => parseShard('auto', { JOB_COMPLETION_INDEX: '5', JOB_COMPLETIONS: '5' }), /out of range/);
  });
});
