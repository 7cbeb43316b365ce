// The 64-bit difference hash (dHash, N. Krawetz, "Kind of Like That", 2013) of a luma plane.

const HASH_WIDTH = 9;
const HASH_HEIGHT = 8;
/** Two area averages closer than this are treated as equal, so a flat region gives 0 bits, not rounding noise. */
const EQUAL_EPSILON = 1e-9;

/**
 * dHash: shrink the luma plane to 9×8 (area averaging), then for each row set bit = left > right
 * for the 8 neighbouring pairs, row-major, most significant bit first; returned as 16 hex digits.
 */
export function differenceHash(luma: ArrayLike<number>, width: number, height: number): string {
  const small = areaResample(luma, width, height, HASH_WIDTH, HASH_HEIGHT);
  let hex = '';
  for (let y = 0; y < HASH_HEIGHT; y++) {
    let byte = 0;
    for (let x = 0; x < HASH_WIDTH - 1; x++) {
      const left = small[y * HASH_WIDTH + x];
      const right = small[y * HASH_WIDTH + x + 1];
      byte = (byte << 1) | (left > right + EQUAL_EPSILON ? 1 : 0);
    }
    hex += byte.toString(16).padStart(2, '0');
  }
  return hex;
}

/** Box (area-weighted) resampling of a single-channel plane to outWidth × outHeight; exact for integer block sizes. */
export function areaResample(
  plane: ArrayLike<number>,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
): Float64Array {
  const rows = areaWeights(height, outHeight);
  const columns = areaWeights(width, outWidth);
  // Vertical pass first (contiguous rows): outHeight × width.
  const vertical = new Float64Array(outHeight * width);
  for (let k = 0; k < rows.count; k++) {
    const src = rows.source[k] * width;
    const dst = rows.target[k] * width;
    const weight = rows.weight[k];
    for (let x = 0; x < width; x++) vertical[dst + x] += plane[src + x] * weight;
  }
  // Horizontal pass: outHeight × outWidth.
  const result = new Float64Array(outHeight * outWidth);
  for (let y = 0; y < outHeight; y++) {
    const row = y * width;
    const out = y * outWidth;
    for (let k = 0; k < columns.count; k++) result[out + columns.target[k]] += vertical[row + columns.source[k]] * columns.weight[k];
  }
  return result;
}

interface AreaWeights {
  count: number;
  source: Int32Array;
  target: Int32Array;
  weight: Float64Array;
}

/** For each (source index, destination index) overlap, the share of the destination cell it covers. */
function areaWeights(inLength: number, outLength: number): AreaWeights {
  const capacity = inLength + outLength + 1;
  const weights: AreaWeights = { count: 0, source: new Int32Array(capacity), target: new Int32Array(capacity), weight: new Float64Array(capacity) };
  const scale = inLength / outLength; // source pixels per destination cell
  for (let dst = 0; dst < outLength; dst++) {
    const start = dst * scale;
    const end = start + scale;
    for (let src = Math.floor(start); src < Math.min(inLength, Math.ceil(end)); src++) {
      const overlap = Math.min(end, src + 1) - Math.max(start, src);
      if (overlap <= 0) continue;
      weights.source[weights.count] = src;
      weights.target[weights.count] = dst;
      weights.weight[weights.count] = overlap / scale;
      weights.count++;
    }
  }
  return weights;
}
