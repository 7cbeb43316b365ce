import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FairframeError } from '../../../src/engine/errors';
import { assertRegularFile, readGuardedFile, readGuardedText } from '../../../src/engine/io/guardedFile';
import { makeOutputFolder } from '../../../src/engine/io/outputFolder';
import { escapeControl, escapeJsonInvisibles } from '../../../src/engine/report/displayText';
import { isScanOutcome } from '../../../src/engine/cache/scanCache';
import { maxOf, minOf, pushAll } from '../../../src/engine/arrays';

describe('guarded reads', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-guarded-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reads a regular file whole', async () => {
    await fs.writeFile(path.join(dir, 'a.json'), '{"x":1}');
    assert.equal(await readGuardedText(path.join(dir, 'a.json'), 'config'), '{"x":1}');
  });

  it('refuses a FIFO without waiting for a writer', async () => {
    execFileSync('mkfifo', [path.join(dir, 'pipe.json')]);
    await assert.rejects(readGuardedText(path.join(dir, 'pipe.json'), 'config'), (error: unknown) => FairframeError.is(error, 'not-a-file') && /FIFO \(named pipe\)/.test(error.message));
  });

  it('refuses a character device', async () => {
    await assert.rejects(readGuardedFile('/dev/zero', 'model'), (error: unknown) => FairframeError.is(error, 'not-a-file') && /character device/.test(error.message));
  });

  it('reports a folder as EISDIR and a missing file as ENOENT, as fs.readFile does', async () => {
    await assert.rejects(assertRegularFile(dir), { code: 'EISDIR' });
    await assert.rejects(assertRegularFile(path.join(dir, 'none')), { code: 'ENOENT' });
  });

  it('refuses a file over the limit of its kind before reading it', async () => {
    await fs.writeFile(path.join(dir, 'big.json'), Buffer.alloc(2048, 0x20));
    await assert.rejects(readGuardedFile(path.join(dir, 'big.json'), 'config', 1024), (error: unknown) => FairframeError.is(error, 'too-large') && /more than the limit/.test(error.message));
    assert.equal((await readGuardedFile(path.join(dir, 'big.json'), 'config', 2048)).length, 2048);
  });
});

describe('output folders', () => {
  it('names the reason when the path runs through a file', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-out-'));
    await fs.writeFile(path.join(dir, 'file'), 'x');
    await assert.rejects(makeOutputFolder(path.join(dir, 'file', 'reports')), (error: unknown) => FairframeError.is(error, 'bad-config') && /ENOTDIR/.test(error.message));
    assert.equal(await makeOutputFolder(path.join(dir, 'a', 'b')), path.join(dir, 'a', 'b'));
    await fs.rm(dir, { recursive: true, force: true });
  });
});

describe('escapeControl', () => {
  it('makes newline, ESC, C1 and bidi controls visible and keeps other text', () => {
    assert.equal(escapeControl('a\n::error title=x::y'), 'a\\n::error title=x::y');
    assert.equal(escapeControl('\u001b[2J\u001b]0;t\u0007'), '\\x1b[2J\\x1b]0;t\\x07');
    assert.equal(escapeControl('x\u009b31m'), 'x\\x9b31m');
    assert.equal(escapeControl('gnp.\u202eevil'), 'gnp.\\u202eevil');
    assert.equal(escapeControl('café ü 猫 tab\there'), 'café ü 猫 tab\\there');
  });

  it('writes C1 and bidi characters in JSON as \\u escapes of the same value', () => {
    const json = JSON.stringify({ name: 'a\u202eb\u009bc' });
    const escaped = escapeJsonInvisibles(json);
    assert.equal(escaped, '{"name":"a\\u202eb\\u009bc"}');
    assert.deepEqual(JSON.parse(escaped), { name: 'a\u202eb\u009bc' });
  });
});

describe('scan cache entry validation', () => {
  const facts = { width: 16, height: 16, channels: 3, format: 'png', bytes: 99, brightness: 12.5, contrast: 3, saturation: 0.5, sharpness: 7, greyscale: false, dhash: '0123456789abcdef', thumbnail: Buffer.alloc(1024, 7).toString('base64'), sha256: 'a'.repeat(64), exif: {}, provenance: {} };

  it('accepts well-formed outcomes', () => {
    assert.equal(isScanOutcome({ ok: true, facts }), true);
    assert.equal(isScanOutcome({ ok: false, code: 'truncated', message: 'cut', bytes: 10 }), true);
  });

  it('drops wrong-typed or out-of-range facts', () => {
    for (const bad of [{ height: 'x' }, { brightness: null }, { dhash: 'zz' }, { saturation: 2 }, { width: -1 }, { exif: null }, { sha256: 'g'.repeat(64) }, { thumbnail: undefined }, { thumbnail: 'AAAA' }, { thumbnail: Buffer.alloc(1023).toString('base64') }]) {
      assert.equal(isScanOutcome({ ok: true, facts: { ...facts, ...bad } }), false, JSON.stringify(bad));
    }
    assert.equal(isScanOutcome({ ok: false, code: 'no-such-code', message: 'x' }), false);
  });
});

describe('array helpers for data-sized arrays', () => {
  it('push and take the extremes of 300,000 items without overflowing the stack', () => {
    const items = Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 300_007);
    assert.equal(pushAll([], items).length, 300_000);
    assert.equal(maxOf(items), maxOfSlow(items));
    assert.equal(minOf([3, 1, 2]), 1);
    assert.equal(maxOf([]), -Infinity);
  });
});

/** The largest value by a plain loop, as an independent reference. */
function maxOfSlow(values: number[]): number {
  let best = -Infinity;
  for (let i = 0; i < values.length; i++) best = values[i] > best ? values[i] : best;
  return best;
}
