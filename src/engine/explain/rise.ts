// RISE (Petsiuk, Das & Saenko, "RISE: Randomized Input Sampling for Explanation of Black-box Models", BMVC 2018):
// the class probability on many randomly masked copies of the image, each mask weighted by the probability it gave.
import { FairframeError } from '../errors';
import { mulberry32 } from '../metrics/seededRandom';
import type { ExplainImage, ExplainOptions, Heatmap, ModelRunner } from './explainTypes';
import { classProbabilities, DEFAULT_EXPLAIN_SEED, resolveClass } from './modelRunner';
import { baselineName, createPerturber, type PerturbationBaseline } from './prepareImage';

/** Options of `riseMap`. */
export interface RiseOptions extends ExplainOptions {
  /** Number of masks N (default 1000, the cost in model calls; the paper used 4000–8000 on ImageNet models). */
  masks?: number;
  /** Side s of the coarse grid (default 7, or the input's shorter side when that is smaller). */
  grid?: number;
  /** Probability p that a grid cell is kept (default 0.5). */
  keepProbability?: number;
  /** What masked-out pixels become (default 'black', as in the paper). */
  baseline?: PerturbationBaseline;
  /**
   * Subtract the mean probability over the masks (default true): map = Σ_i (P_i − P̄) M_i / (N · p). The paper's map
   * Σ_i P_i M_i / (N · p) is P̄ plus this one wherever mask coverage is even, so the ranking is the same, but pixels the
   * class does not depend on come out near 0 instead of near P̄ and uneven coverage no longer shows. false = the paper's.
   */
  centre?: boolean;
  /** Masks generated per batch (default 64). */
  chunk?: number;
}

/**
 * One RISE mask: an s × s grid of cells kept with probability p, bilinearly upsampled to (s + 1) · ⌈W/s⌉ × (s + 1) · ⌈H/s⌉
 * (half-pixel centres, edges clamped) and cropped at a random shift in [0, cell), as in the authors' code. Writes W × H weights into `out`.
 */
export function riseMask(random: () => number, width: number, height: number, grid: number, keepProbability: number, out: Float32Array): Float32Array {
  const cells = new Float32Array(grid * grid);
  for (let i = 0; i < cells.length; i++) cells[i] = random() < keepProbability ? 1 : 0;
  const cellWidth = Math.ceil(width / grid);
  const cellHeight = Math.ceil(height / grid);
  const shiftX = Math.floor(random() * cellWidth);
  const shiftY = Math.floor(random() * cellHeight);
  const scaleX = grid / ((grid + 1) * cellWidth);
  const scaleY = grid / ((grid + 1) * cellHeight);
  for (let y = 0; y < height; y++) {
    const v = Math.min(grid - 1, Math.max(0, (y + shiftY + 0.5) * scaleY - 0.5));
    const y0 = Math.floor(v);
    const y1 = Math.min(grid - 1, y0 + 1);
    const fy = v - y0;
    for (let x = 0; x < width; x++) {
      const u = Math.min(grid - 1, Math.max(0, (x + shiftX + 0.5) * scaleX - 0.5));
      const x0 = Math.floor(u);
      const x1 = Math.min(grid - 1, x0 + 1);
      const fx = u - x0;
      const top = cells[y0 * grid + x0] * (1 - fx) + cells[y0 * grid + x1] * fx;
      const bottom = cells[y1 * grid + x0] * (1 - fx) + cells[y1 * grid + x1] * fx;
      out[y * width + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

/** RISE saliency: Σ_i (P_c(I ⊙ M_i) − P̄) · M_i / (N · p) (centred, see RiseOptions.centre). Cost: N + 1 model calls. */
export async function riseMap(runner: ModelRunner, image: ExplainImage, options: RiseOptions = {}): Promise<Heatmap> {
  const { width: W, height: H } = image;
  const N = Math.floor(options.masks ?? 1000);
  // The default 7 × 7 grid needs an input of at least 7 pixels a side; smaller inputs get one cell per pixel.
  const grid = Math.floor(options.grid ?? Math.min(7, W, H));
  const p = options.keepProbability ?? 0.5;
  const seed = options.seed ?? DEFAULT_EXPLAIN_SEED;
  const baseline = options.baseline ?? 'black';
  const centre = options.centre ?? true;
  const chunk = Math.max(1, Math.floor(options.chunk ?? 64));
  if (!(N >= 1) || !(grid >= 1 && grid <= Math.min(W, H)) || !(p > 0 && p < 1)) {
    throw new FairframeError('bad-config', `RISE needs masks ≥ 1, 1 ≤ grid ≤ ${Math.min(W, H)} and 0 < keepProbability < 1 (got ${N}, ${grid}, ${p}).`);
  }
  const callsBefore = runner.calls;
  const { classIndex } = await resolveClass(runner, image, options.classIndex, options.signal);
  const perturber = await createPerturber(image, runner.spec, baseline);
  const random = mulberry32(seed);
  const weighted = new Float64Array(W * H); // Σ P_i M_i
  const coverage = new Float64Array(W * H); // Σ M_i
  let scoreSum = 0;
  for (let start = 0; start < N; start += chunk) {
    const masks = Array.from({ length: Math.min(chunk, N - start) }, () => riseMask(random, W, H, grid, p, new Float32Array(W * H)));
    const scores = await classProbabilities(runner, masks.length, (index) => perturber.blend(masks[index]), classIndex, options.signal);
    masks.forEach((mask, index) => {
      const score = scores[index];
      scoreSum += score;
      for (let i = 0; i < mask.length; i++) {
        weighted[i] += score * mask[i];
        coverage[i] += mask[i];
      }
    });
  }
  const meanScore = scoreSum / N;
  const data = new Float32Array(W * H);
  for (let i = 0; i < data.length; i++) data[i] = (weighted[i] - (centre ? meanScore * coverage[i] : 0)) / (N * p);
  return {
    method: 'rise',
    classIndex,
    width: W,
    height: H,
    data,
    params: { masks: N, grid, keepProbability: p, seed, baseline: baselineName(baseline), centre },
    modelCalls: runner.calls - callsBefore,
    note: `Mean P(class) over the masks ${meanScore.toFixed(4)}`,
  };
}
