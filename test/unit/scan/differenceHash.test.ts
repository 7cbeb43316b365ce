// The 64-bit difference hash on planes whose bits are derived by hand.
import * as assert from 'node:assert/strict';
import { areaResample, differenceHash } from '../../../src/engine/image/differenceHash';
import { hammingDistance } from '../../../src/engine/hash/hammingDistance';

/** A 9×8 plane whose row y walks down 10 levels where the bit is 1 and up 10 where it is 0. */
function planeFromRowBytes(bytes: number[]): Float64Array {
  const plane = new Float64Array(9 * 8);
  bytes.forEach((byte, y) => {
    let value = 128;
    plane[y * 9] = value;
    for (let x = 0; x < 8; x++) {
      const bit = (byte >> (7 - x)) & 1;
      value += bit ? -10 : 10;
      plane[y * 9 + x + 1] = value;
    }
  });
  return plane;
}

describe('differenceHash', () => {
  const rows = [0x00, 0xff, 0xaa, 0x55, 0x0f, 0xf0, 0x81, 0x7e];

  it('reads bit = left > right, row-major, most significant first', () => {
    assert.equal(differenceHash(planeFromRowBytes(rows), 9, 8), '00ffaa550ff0817e');
  });

  it('gives the same bits for the plane scaled up by whole blocks (exact area averaging)', () => {
    const small = planeFromRowBytes(rows);
    const large = new Float64Array(90 * 80);
    for (let y = 0; y < 80; y++) for (let x = 0; x < 90; x++) large[y * 90 + x] = small[Math.floor(y / 10) * 9 + Math.floor(x / 10)];
    assert.equal(differenceHash(large, 90, 80), '00ffaa550ff0817e');
  });

  it('is all ones for a horizontal gradient falling left to right, all zeros when rising or flat', () => {
    const falling = Float64Array.from({ length: 256 * 64 }, (_, i) => 255 - (i % 256));
    const rising = Float64Array.from({ length: 256 * 64 }, (_, i) => i % 256);
    assert.equal(differenceHash(falling, 256, 64), 'ffffffffffffffff');
    assert.equal(differenceHash(rising, 256, 64), '0000000000000000');
    assert.equal(differenceHash(new Float64Array(37 * 23).fill(91.3), 37, 23), '0000000000000000');
  });

  it('bright left half on 100 px: only the pairs around the edge cell (bits 3 and 4) are set → 0x18 per row', () => {
    // Cells are 100/9 px wide: cells 0–3 white, cell 4 straddles x = 50 (mean 127.5), cells 5–8 black.
    const plane = Float64Array.from({ length: 100 * 100 }, (_, i) => (i % 100 < 50 ? 255 : 0));
    assert.equal(differenceHash(plane, 100, 100), '1818181818181818');
  });
});

describe('areaResample', () => {
  it('averages 2×2 blocks exactly', () => {
    const out = areaResample([1, 3, 5, 7, 1, 3, 5, 7], 4, 2, 2, 1);
    assert.deepEqual([...out], [2, 6]);
  });
});

describe('hammingDistance', () => {
  it('counts differing bits', () => {
    assert.equal(hammingDistance('0000000000000000', 'ffffffffffffffff'), 64);
    assert.equal(hammingDistance('00ffaa550ff0817e', '00ffaa550ff0817e'), 0);
    assert.equal(hammingDistance('8000000000000001', '0000000000000000'), 2);
  });
});
