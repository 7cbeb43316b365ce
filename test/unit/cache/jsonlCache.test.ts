// The JSON-lines cache machinery on its own, through a minimal cache of numbers: exact bytes written, appends versus
// rewrites, the dead-line threshold, header matching, hit and miss counts, and write failures kept in the stats.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JsonlCache } from '../../../src/engine/cache/jsonlCache';
import type { JsonlCacheHeader } from '../../../src/engine/cache/jsonlCache';

/** A cache of numbers whose lines are `{"k":key,"v":value}` under the header `{"numberCache":1,"owner":owner}`. */
class NumberCache extends JsonlCache<number> {
  private constructor(file: string, private readonly owner: string) {
    super(file);
  }

  static async open(file: string, owner = 'me'): Promise<NumberCache> {
    const cache = new NumberCache(file, owner);
    await cache.loadFile();
    return cache;
  }

  get(key: string, atLeast = -Infinity): number | undefined {
    return this.lookup(key, (value) => value >= atLeast);
  }

  set(key: string, value: number): void {
    this.store(key, value);
  }

  delete(key: string): void {
    this.forget(key);
  }

  protected override header(): JsonlCacheHeader {
    return { numberCache: 1, owner: this.owner };
  }

  protected override encodeLine(key: string, value: number): unknown {
    return { k: key, v: value };
  }

  protected override decodeLine(value: unknown): { key: string; entry: number } | undefined {
    const line = value as { k?: unknown; v?: unknown } | undefined;
    if (typeof line?.k !== 'string' || typeof line.v !== 'number') return undefined;
    return { key: line.k, entry: line.v };
  }
}

const HEADER = '{"numberCache":1,"owner":"me"}\n';
const line = (key: string, value: number): string => `{"k":"${key}","v":${value}}\n`;

describe('JsonlCache', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-jsonl-'));
    file = path.join(dir, 'sub', 'numbers.jsonl');
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('first flush writes header and every entry in insertion order; later flushes append only what is new', async () => {
    const cache = await NumberCache.open(file);
    cache.set('a', 1);
    cache.set('b', 2);
    assert.equal(cache.pendingCount, 2);
    await cache.flush(); // no file yet: a full rewrite, creating the folder
    assert.equal(await fs.readFile(file, 'utf8'), HEADER + line('a', 1) + line('b', 2));
    assert.deepEqual([cache.stats.written, cache.pendingCount], [2, 0]);

    cache.set('a', 5);
    cache.set('c', 3);
    await cache.flush();
    assert.equal(await fs.readFile(file, 'utf8'), HEADER + line('a', 1) + line('b', 2) + line('a', 5) + line('c', 3));
    assert.equal(cache.stats.written, 4);
    await cache.flush(); // nothing pending: the file is untouched
    await cache.save(); // nothing pending and no rewrite needed: untouched too
    assert.equal(cache.stats.written, 4);

    const reopened = await NumberCache.open(file);
    // 4 lines, 3 keys: 1 dead line, and 1 >= 3 / 4 = 0.75, so the next flush rewrites.
    assert.deepEqual([reopened.stats.loaded, reopened.stats.skippedLines, reopened.get('a')], [3, 0, 5]);
    await reopened.flush();
    assert.equal(await fs.readFile(file, 'utf8'), HEADER + line('a', 5) + line('b', 2) + line('c', 3));
    assert.equal(reopened.stats.written, 3);
    assert.deepEqual(await fs.readdir(path.dirname(file)), ['numbers.jsonl'], 'no temporary file left behind');
  });

  it('rewrites only when dead lines reach a quarter of the live entries', async () => {
    await fs.mkdir(path.dirname(file), { recursive: true });
    const five = ['a', 'b', 'c', 'd', 'e'].map((key, i) => line(key, i)).join('');
    // 1 damaged line among 5 entries: 1 >= 5 / 4 = 1.25 is false, so the next flush appends.
    await fs.writeFile(file, `${HEADER}${five}{"k":"x"}\n`);
    const few = await NumberCache.open(file);
    assert.deepEqual([few.size, few.stats.skippedLines], [5, 1]);
    few.set('f', 9);
    await few.flush();
    assert.equal(await fs.readFile(file, 'utf8'), `${HEADER}${five}{"k":"x"}\n${line('f', 9)}`);

    // 2 dead lines (the damaged one and a repeated key) among 4 entries: 2 >= 1, so the next flush rewrites.
    await fs.writeFile(file, `${HEADER}${line('a', 0)}not json\n${line('a', 1)}${line('b', 2)}${line('c', 3)}${line('d', 4)}`);
    const many = await NumberCache.open(file);
    assert.deepEqual([many.size, many.stats.skippedLines], [4, 1]);
    await many.flush();
    assert.equal(await fs.readFile(file, 'utf8'), HEADER + line('a', 1) + line('b', 2) + line('c', 3) + line('d', 4));
  });

  it('skips a torn last line and rewrites, since an append would join it', async () => {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, `${HEADER}${line('a', 1)}${line('b', 2)}{"k":"c","v`);
    const cache = await NumberCache.open(file);
    assert.deepEqual([cache.size, cache.stats.skippedLines], [2, 1]);
    await cache.flush();
    assert.equal(await fs.readFile(file, 'utf8'), HEADER + line('a', 1) + line('b', 2));
  });

  it('reads a file only when its header has every expected field with the same value', async () => {
    await fs.mkdir(path.dirname(file), { recursive: true });
    const body = line('a', 1);
    const cases: Array<[string, boolean]> = [
      [`{"owner":"me","numberCache":1,"extra":true}\n`, false], // order and extra fields do not matter
      [`{"numberCache":1,"owner":"you"}\n`, true],
      [`{"numberCache":"1","owner":"me"}\n`, true],
      [`{"numberCache":1}\n`, true],
      ['null\n', true],
      ['[1]\n', true],
      ['not json\n', true],
      ['', true],
    ];
    for (const [header, discarded] of cases) {
      await fs.writeFile(file, header + body);
      const cache = await NumberCache.open(file);
      assert.equal(cache.stats.discarded, discarded, header);
      assert.equal(cache.size, discarded ? 0 : 1, header);
    }
    const foreign = await NumberCache.open(file, 'you'); // the last file written starts with an entry line, not a header
    foreign.set('z', 26);
    await foreign.flush(); // a discarded file is replaced on the first flush
    assert.equal(await fs.readFile(file, 'utf8'), `{"numberCache":1,"owner":"you"}\n${line('z', 26)}`);
  });

  it('counts hits and misses; forgetting an entry makes the next flush rewrite', async () => {
    const cache = await NumberCache.open(file);
    cache.set('a', 1);
    cache.set('b', 2);
    await cache.save();
    assert.equal(cache.get('a'), 1);
    assert.equal(cache.get('a', 2), undefined, 'present but not usable is a miss');
    assert.equal(cache.get('q'), undefined);
    assert.equal(cache.get('b', 2), 2);
    assert.deepEqual([cache.stats.hits, cache.stats.misses], [2, 2]);
    cache.delete('q'); // absent: nothing to rewrite
    await cache.flush();
    assert.equal(await fs.readFile(file, 'utf8'), HEADER + line('a', 1) + line('b', 2));
    cache.delete('a');
    await cache.flush();
    assert.equal(await fs.readFile(file, 'utf8'), HEADER + line('b', 2));
    assert.equal(cache.size, 1);
  });

  it('never throws on a failed write: the error is kept and the entries stay pending', async () => {
    await fs.writeFile(path.join(dir, 'sub'), 'a file where the cache folder should be');
    const cache = await NumberCache.open(file);
    cache.set('a', 1);
    await cache.flush();
    assert.match(cache.stats.writeError ?? '', /EEXIST|ENOTDIR/);
    assert.deepEqual([cache.stats.written, cache.pendingCount], [0, 1]);

    await fs.rm(path.join(dir, 'sub'));
    await cache.flush();
    assert.equal(await fs.readFile(file, 'utf8'), HEADER + line('a', 1));
    assert.deepEqual([cache.stats.written, cache.pendingCount], [1, 0]);
  });
});
