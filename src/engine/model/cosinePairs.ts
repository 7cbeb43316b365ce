// All pairs of vectors with cosine similarity at or above a threshold, exactly, with the Gram matrix computed in
// blocks by ONNX Runtime's optimised MatMul (a tiny generated graph): O(n²·d) flops at GEMM speed instead of a JS loop.
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { throwIfAborted } from '../errors';

/** Rows of the similarity matrix computed per MatMul call (bounds memory to BLOCK_ROWS × n floats). */
const BLOCK_ROWS = 1024;

/** A pair of vector indices (first < second) and their cosine similarity. */
export interface CosinePair {
  first: number;
  second: number;
  similarity: number;
}

let matMulModel: Uint8Array | undefined;

/** The graph C = A · B for float inputs A [m, d] and B [d, n] with dynamic dims. */
function matMulBytes(): Uint8Array {
  if (matMulModel) return matMulModel;
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const info = (name: string, dims: string[]): onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((dimParam) => ({ dimParam })) } } },
  });
  matMulModel = onnx.ModelProto.encode({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'fairframe',
    graph: {
      name: 'gram',
      node: [{ opType: 'MatMul', input: ['a', 'b'], output: ['c'] }],
      input: [info('a', ['m', 'd']), info('b', ['d', 'n'])],
      output: [info('c', ['m', 'n'])],
    },
  }).finish();
  return matMulModel;
}

/** L2-normalises rows into one n × d buffer; zero (or non-finite) rows stay zero and are listed. */
export function normaliseRows(vectors: readonly ArrayLike<number>[]): { data: Float32Array; dimension: number; zero: number[] } {
  const n = vectors.length;
  const dimension = n > 0 ? vectors[0].length : 0;
  const data = new Float32Array(n * dimension);
  const zero: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = vectors[i];
    let norm = 0;
    for (let k = 0; k < dimension; k++) norm += row[k] * row[k];
    norm = Math.sqrt(norm);
    if (!(norm > 0) || !Number.isFinite(norm) || row.length !== dimension) {
      zero.push(i);
      continue;
    }
    for (let k = 0; k < dimension; k++) data[i * dimension + k] = row[k] / norm;
  }
  return { data, dimension, zero };
}

/**
 * Calls `onPair` for every pair i < j with cosine(v_i, v_j) ≥ threshold (cosine = v_i·v_j / (|v_i| |v_j|)); zero vectors
 * pair with nothing. Exact up to float32 rounding of the dot products. `onPair` returning false stops the search.
 */
export async function forEachCosinePair(
  vectors: readonly ArrayLike<number>[],
  threshold: number,
  onPair: (pair: CosinePair) => boolean | void,
  options: { signal?: AbortSignal; threads?: number } = {},
): Promise<{ comparisons: number; zeroVectors: number[]; stopped: boolean }> {
  const { data, dimension, zero } = normaliseRows(vectors);
  const n = vectors.length;
  if (n < 2 || dimension === 0) return { comparisons: 0, zeroVectors: zero, stopped: false };
  const session = await ort.InferenceSession.create(matMulBytes(), {
    intraOpNumThreads: options.threads ?? 0,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  try {
    // B = Xᵀ, d × n.
    const transposed = new Float32Array(dimension * n);
    for (let i = 0; i < n; i++) for (let k = 0; k < dimension; k++) transposed[k * n + i] = data[i * dimension + k];
    const b = new ort.Tensor('float32', transposed, [dimension, n]);
    const isZero = new Uint8Array(n);
    for (const i of zero) isZero[i] = 1;
    let comparisons = 0;
    for (let start = 0; start < n; start += BLOCK_ROWS) {
      throwIfAborted(options.signal);
      const rows = Math.min(BLOCK_ROWS, n - start);
      const a = new ort.Tensor('float32', data.subarray(start * dimension, (start + rows) * dimension), [rows, dimension]);
      const output = await session.run({ a, b });
      const gram = output.c.data as Float32Array;
      for (let r = 0; r < rows; r++) {
        const i = start + r;
        const offset = r * n;
        for (let j = i + 1; j < n; j++) {
          const similarity = gram[offset + j];
          if (similarity >= threshold && isZero[i] === 0 && isZero[j] === 0 && onPair({ first: i, second: j, similarity: Math.min(1, similarity) }) === false) {
            output.c.dispose?.();
            return { comparisons: comparisons + j - i, zeroVectors: zero, stopped: true };
          }
        }
        comparisons += n - i - 1;
      }
      output.c.dispose?.();
    }
    return { comparisons, zeroVectors: zero, stopped: false };
  } finally {
    await session.release();
  }
}
