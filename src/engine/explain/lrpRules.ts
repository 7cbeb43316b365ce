// The layer-wise relevance propagation rules (Bach et al. 2015; Montavon et al. 2019, "Layer-wise relevance
// propagation: an overview") on linear maps z_j = Σ_i x_i w_ij + b_j — convolutions, dense layers and average
// pooling, with any per-channel affine layer after them (bias, BatchNormalization) folded in — and on max pooling.
import { convBackward, convForward, type ConvLayout, type PoolWindows } from './headKernels';

/** Which weights a pass uses: all of them, only w⁺ = max(0, w), or only w⁻ = min(0, w). */
export type WeightPart = 'all' | 'pos' | 'neg';

/** A linear layer without its bias: forward computes Σ_i x_i w_ij, backward Σ_j w_ij d_j (the transpose). */
export interface LinearMap {
  forward(x: Float64Array, part: WeightPart): Float64Array;
  backward(d: Float64Array, part: WeightPart): Float64Array;
}

/** The positive and negative parts of a weight array. */
function splitWeights(weights: Float64Array): Record<WeightPart, Float64Array> {
  return { all: weights, pos: weights.map((w) => (w > 0 ? w : 0)), neg: weights.map((w) => (w < 0 ? w : 0)) };
}

/** A Conv with weights [M, C/group, kh, kw] (already scaled per output channel). */
export function convMap(layout: ConvLayout, weights: Float64Array): LinearMap {
  const parts = splitWeights(weights);
  return { forward: (x, part) => convForward(layout, x, parts[part]), backward: (d, part) => convBackward(layout, d, parts[part]) };
}

/** A dense layer out[r, n] = Σ_k x[r, k] · weight[k, n], for `rows` rows. */
export function denseMap(rows: number, inner: number, columns: number, weights: Float64Array): LinearMap {
  const parts = splitWeights(weights);
  return {
    forward(x, part): Float64Array {
      const w = parts[part];
      const out = new Float64Array(rows * columns);
      for (let r = 0; r < rows; r++) {
        for (let k = 0; k < inner; k++) {
          const value = x[r * inner + k];
          if (value === 0) continue;
          for (let n = 0; n < columns; n++) out[r * columns + n] += value * w[k * columns + n];
        }
      }
      return out;
    },
    backward(d, part): Float64Array {
      const w = parts[part];
      const out = new Float64Array(rows * inner);
      for (let r = 0; r < rows; r++) {
        for (let k = 0; k < inner; k++) {
          let sum = 0;
          for (let n = 0; n < columns; n++) sum += w[k * columns + n] * d[r * columns + n];
          out[r * inner + k] = sum;
        }
      }
      return out;
    },
  };
}

/** Average pooling (or global average pooling: one window of the whole plane); its weights 1/n are positive. */
export function poolMap(pool: PoolWindows, channels: number, plane: number): LinearMap {
  const cellsPerPlane = pool.cells.length;
  return {
    forward(x, part): Float64Array {
      const out = new Float64Array(channels * cellsPerPlane);
      if (part === 'neg') return out;
      for (let c = 0; c < channels; c++) {
        for (let o = 0; o < cellsPerPlane; o++) {
          let sum = 0;
          for (const cell of pool.cells[o]) sum += x[c * plane + cell];
          out[c * cellsPerPlane + o] = sum / pool.divisors[o];
        }
      }
      return out;
    },
    backward(d, part): Float64Array {
      const out = new Float64Array(channels * plane);
      if (part === 'neg') return out;
      for (let c = 0; c < channels; c++) {
        for (let o = 0; o < cellsPerPlane; o++) {
          const share = d[c * cellsPerPlane + o] / pool.divisors[o];
          for (const cell of pool.cells[o]) out[c * plane + cell] += share;
        }
      }
      return out;
    },
  };
}

/**
 * LRP-ε: R_i = Σ_j x_i s_j w_ij / (z_j + ε·sign(z_j)) · R_j, with z_j = s_j (Σ_i x_i w_ij + b_j) + t_j the layer's
 * output after the affine nodes folded into it (scale s, shift t): the bias absorbs its share of relevance.
 */
export function epsilonRule(map: LinearMap, x: Float64Array, z: ArrayLike<number>, relevance: Float64Array, epsilon: number, scale: Float64Array): Float64Array {
  const d = relevance.map((r, j) => (r === 0 ? 0 : (scale[j] * r) / (z[j] + (z[j] >= 0 ? epsilon : -epsilon))));
  const back = map.backward(d, 'all');
  return back.map((value, i) => x[i] * value);
}

/**
 * LRP-zB for the input layer, whose inputs are bounded pixels l_i ≤ x_i ≤ h_i (Montavon et al. 2017, "Explaining
 * nonlinear classification decisions with deep Taylor decomposition"; 2019 overview, Eq. 7):
 * R_i = Σ_j (x_i w_ij − l_i w⁺_ij − h_i w⁻_ij) / Σ_i (x_i w_ij − l_i w⁺_ij − h_i w⁻_ij) · R_j, biases left out, so
 * relevance is conserved. A negative per-output scale s_j flips which part is positive: (s w)⁺ = s w⁻ there.
 */
export function zBRule(map: LinearMap, x: Float64Array, low: Float64Array, high: Float64Array, relevance: Float64Array, scale: Float64Array): Float64Array {
  const flipped = scale.map((s) => (s < 0 ? 1 : 0));
  const anyFlipped = flipped.some((f) => f === 1);
  const xw = map.forward(x, 'all');
  const lowPos = map.forward(low, 'pos');
  const lowNeg = anyFlipped ? map.forward(low, 'neg') : undefined;
  const highNeg = map.forward(high, 'neg');
  const highPos = anyFlipped ? map.forward(high, 'pos') : undefined;
  // t_j = R_j / U_j, with U_j the unscaled denominator (a positive scale cancels; a negative one swaps the parts).
  const t = relevance.map((r, j) => {
    if (r === 0) return 0;
    const u = flipped[j] ? xw[j] - lowNeg![j] - highPos![j] : xw[j] - lowPos[j] - highNeg[j];
    return u === 0 ? 0 : r / u;
  });
  const tKept = anyFlipped ? t.map((v, j) => (flipped[j] ? 0 : v)) : t;
  const tFlipped = anyFlipped ? t.map((v, j) => (flipped[j] ? v : 0)) : undefined;
  const all = map.backward(t, 'all');
  const pos = map.backward(tKept, 'pos');
  const neg = map.backward(tKept, 'neg');
  const posFlipped = tFlipped && map.backward(tFlipped, 'pos');
  const negFlipped = tFlipped && map.backward(tFlipped, 'neg');
  return all.map((value, i) => x[i] * value
    - low[i] * (pos[i] + (negFlipped ? negFlipped[i] : 0))
    - high[i] * (neg[i] + (posFlipped ? posFlipped[i] : 0)));
}

/**
 * LRP-αβ (α − β = 1): R_i = Σ_j (α (x_i w_ij)⁺ / Σ_i (x_i w_ij)⁺ − β (x_i w_ij)⁻ / Σ_i (x_i w_ij)⁻) R_j, biases left
 * out. (x w)⁺ = x⁺w⁺ + x⁻w⁻ and (x w)⁻ = x⁺w⁻ + x⁻w⁺, so negative inputs (normalised pixels) are handled too. A neuron
 * whose contributions all have one sign (e.g. after average pooling of Relu outputs) shares its relevance in
 * proportion to them (the z-rule), so relevance is conserved at every neuron. The contributions are x_i s_j w_ij: a
 * negative scale s_j swaps the signs.
 */
export function alphaBetaRule(map: LinearMap, x: Float64Array, relevance: Float64Array, alpha: number, beta: number, scale: Float64Array): Float64Array {
  const positive = x.map((v) => (v > 0 ? v : 0));
  const negative = x.some((v) => v < 0) ? x.map((v) => (v < 0 ? v : 0)) : undefined;
  const add = (a: Float64Array, b: Float64Array | undefined): Float64Array => (b ? a.map((v, i) => v + b[i]) : a);
  // Unscaled sums of positive and negative contributions; all of them are needed unless β = 0 and every neuron has some positive one.
  const sumPositive = add(map.forward(positive, 'pos'), negative && map.forward(negative, 'neg'));
  const needNegative = beta !== 0 || scale.some((s) => s < 0) || relevance.some((r, j) => r !== 0 && !(sumPositive[j] > 0));
  const sumNegative = needNegative ? add(map.forward(positive, 'neg'), negative && map.forward(negative, 'pos')) : new Float64Array(relevance.length);
  // R_i = Σ_j (p_j (x_i w_ij)⁺ + q_j (x_i w_ij)⁻) with p_j = α R_j / z⁺_j and q_j = −β R_j / z⁻_j (z± of the scaled
  // contributions) when both signs occur; then p, q are moved onto the unscaled contributions.
  const p = new Float64Array(relevance.length);
  const q = new Float64Array(relevance.length);
  relevance.forEach((r, j) => {
    const s = scale[j];
    if (r === 0 || s === 0) return;
    const zPositive = s > 0 ? s * sumPositive[j] : s * sumNegative[j];
    const zNegative = s > 0 ? s * sumNegative[j] : s * sumPositive[j];
    let onPositive = 0;
    let onNegative = 0;
    if (zPositive > 0 && zNegative < 0) {
      onPositive = (alpha * r) / zPositive;
      onNegative = (-beta * r) / zNegative;
    } else if (zPositive > 0) onPositive = r / zPositive;
    else if (zNegative < 0) onNegative = r / zNegative;
    // (x s w)⁺ = s (x w)⁺ when s > 0, s (x w)⁻ when s < 0.
    p[j] = s * (s > 0 ? onPositive : onNegative);
    q[j] = s * (s > 0 ? onNegative : onPositive);
  });
  const out = new Float64Array(x.length);
  accumulate(out, positive, map.backward(p, 'pos'));
  if (negative) accumulate(out, negative, map.backward(p, 'neg'));
  if (q.some((v) => v !== 0)) {
    accumulate(out, positive, map.backward(q, 'neg'));
    if (negative) accumulate(out, negative, map.backward(q, 'pos'));
  }
  return out;
}

function accumulate(out: Float64Array, x: Float64Array, back: Float64Array): void {
  for (let i = 0; i < out.length; i++) out[i] += x[i] * back[i];
}

/** Max pooling, winner takes all: each window's relevance goes to its (first) largest input. */
export function maxPoolRule(pool: PoolWindows, channels: number, plane: number, x: Float64Array, relevance: Float64Array): Float64Array {
  const cellsPerPlane = pool.cells.length;
  const out = new Float64Array(channels * plane);
  for (let c = 0; c < channels; c++) {
    for (let o = 0; o < cellsPerPlane; o++) {
      const r = relevance[c * cellsPerPlane + o];
      if (r === 0) continue;
      const cells = pool.cells[o];
      let best = cells[0];
      for (const cell of cells) if (x[c * plane + cell] > x[c * plane + best]) best = cell;
      out[c * plane + best] += r;
    }
  }
  return out;
}
