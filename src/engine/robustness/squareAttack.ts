// Square Attack (Andriushchenko et al. 2020), the L∞ version: a score-based black-box attack for models whose gradient
// graph cannot be built. It starts from vertical stripes of ±ε, then changes one random square at a time to a random
// ±ε per channel and keeps the change when the margin loss f_y − max_{k≠y} f_k falls; the square's area is the
// share p of the image, halved on the schedule of the authors' code (rescaled to the query budget). Stops at the first
// misclassified point or when the budget is spent. ε in pixel levels; every point is clipped to 0–255.
import { throwIfAborted } from '../errors';
import type { PreprocessSpec } from '../model/modelTypes';
import type { PixelSpace } from './attacks';

/** Scores (logits or probabilities) of one input tensor. */
export type ScoreFunction = (input: Float32Array) => Promise<Float32Array>;

/** Settings of the Square Attack. */
export interface SquareAttackSettings {
  /** Model queries at most per image and ε (the initial point included). */
  queries: number;
  /** Initial share of the image a square covers (the authors' p_init for L∞ on ImageNet: 0.05). */
  pInit: number;
}

export const DEFAULT_SQUARE_SETTINGS: SquareAttackSettings = { queries: 500, pInit: 0.05 };

/** The margin f_y − max_{k≠y} f_k: negative once the image is misclassified. */
function margin(scores: Float32Array, label: number): number {
  let other = -Infinity;
  for (let k = 0; k < scores.length; k++) if (k !== label) other = Math.max(other, scores[k]);
  return scores[label] - other;
}

/** The authors' p schedule (square-attack `p_selection`), with iteration i rescaled to a 10,000-query run. */
export function squareShare(pInit: number, iteration: number, budget: number): number {
  const it = Math.floor((iteration / budget) * 10000);
  const cuts = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000];
  let p = pInit;
  for (const cut of cuts) if (it > cut) p /= 2;
  return p;
}

/** Runs the attack; returns whether it fooled the model and how many queries it used. */
export async function squareAttack(score: ScoreFunction, spec: PreprocessSpec, space: PixelSpace, clean: Float32Array, label: number, epsilon: number, settings: SquareAttackSettings, random: () => number, signal?: AbortSignal): Promise<{ fooled: boolean; queries: number }> {
  const { width: w, height: h, layout } = spec;
  const c = spec.channels;
  const at = layout === 'NCHW' ? (k: number, y: number, x: number): number => (k * h + y) * w + x : (k: number, y: number, x: number): number => (y * w + x) * c + k;
  const radius = (i: number): number => epsilon * Math.abs(space.perLevel[i]);
  const clip = (i: number, value: number): number => Math.min(space.upper[i], Math.max(space.lower[i], value));
  // Vertical stripes: one random sign per channel and column.
  const best = new Float32Array(clean.length);
  for (let k = 0; k < c; k++) {
    for (let x = 0; x < w; x++) {
      const sign = random() < 0.5 ? -1 : 1;
      for (let y = 0; y < h; y++) {
        const i = at(k, y, x);
        best[i] = clip(i, clean[i] + sign * radius(i));
      }
    }
  }
  let queries = 1;
  let bestMargin = margin(await score(best), label);
  const candidate = new Float32Array(clean.length);
  while (bestMargin >= 0 && queries < settings.queries) {
    throwIfAborted(signal);
    const p = squareShare(settings.pInit, queries, settings.queries);
    const side = Math.min(Math.max(Math.round(Math.sqrt(p * w * h)), 1), Math.max(1, Math.min(w, h) - 1));
    const top = Math.floor(random() * (h - side + 1));
    const left = Math.floor(random() * (w - side + 1));
    candidate.set(best);
    // A new ±ε per channel over the square; drawn again while it leaves the (clipped) square unchanged.
    for (let tries = 0; tries < 10; tries++) {
      let changed = false;
      for (let k = 0; k < c; k++) {
        const sign = random() < 0.5 ? -1 : 1;
        for (let y = top; y < top + side; y++) {
          for (let x = left; x < left + side; x++) {
            const i = at(k, y, x);
            candidate[i] = clip(i, clean[i] + sign * radius(i));
            if (Math.abs(candidate[i] - best[i]) > 1e-7) changed = true;
          }
        }
      }
      if (changed) break;
    }
    queries++;
    const candidateMargin = margin(await score(candidate), label);
    if (candidateMargin < bestMargin) {
      bestMargin = candidateMargin;
      best.set(candidate);
    }
  }
  return { fooled: bestMargin < 0, queries };
}
