import * as assert from 'node:assert/strict';
import { sortByHash } from '../../../src/engine/hash/sortedNeighbours';

describe('hash/sortedNeighbours', () => {
  it('orders items by hash, ties by index (worked by hand)', () => {
    // hashes: item0 = 7, item1 = 2, item2 = 0xffffffff, item3 = 2, item4 = 0 → order 4, 1, 3, 0, 2.
    assert.deepEqual([...sortByHash(Uint32Array.from([7, 2, 0xffffffff, 2, 0]))], [4, 1, 3, 0, 2]);
  });

  it('sorts the same way past the packed-key limit as below it', function () {
    this.timeout(60_000);
    // 2^21 + 5 items with hashes from a fixed LCG: the comparator path must give hash order, ties by index.
    const n = 2 ** 21 + 5;
    const hashes = new Uint32Array(n);
    let state = 1;
    for (let i = 0; i < n; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      hashes[i] = state >>> 12; // 20-bit values: many ties
    }
    const order = sortByHash(hashes);
    for (let i = 1; i < n; i++) {
      const [x, y] = [order[i - 1], order[i]];
      assert.ok(hashes[x] < hashes[y] || (hashes[x] === hashes[y] && x < y), `position ${i}`);
    }
    assert.equal(new Set(order).size, n);
  });
});
