// White-box L∞ attacks through the model's own gradient graph: FGSM (Goodfellow et al. 2015) and PGD with a random
// start (Madry et al. 2018), ε in pixel units (0–255). The gradient is taken with respect to the preprocessed tensor
// t = (p · scale − mean[c]) / std[c] and chained to the pixels p (∂L/∂p = ∂L/∂t · scale / std[c]); every step is
// projected onto the ε-ball around the clean pixels and clipped to the valid range 0–255. Pixels are continuous (not
// rounded to integers) during the attack. The loss is the cross-entropy of the image's true label.
import { throwIfAborted } from '../errors';
import type { GradientModel } from '../gradient/gradientModel';
import type { DenseTensor } from '../gradient/gradientModel';
import { mulberry32 } from '../metrics/seededRandom';
import type { OutputKind, PreprocessSpec } from '../model/modelTypes';
import { argmax, softmax } from '../model/softmax';

/** Settings of the attacks. */
export interface AttackSettings {
  /** ε grid in pixel units (0–255), ascending. */
  epsilons: number[];
  /** PGD iterations. */
  pgdSteps: number;
  /** PGD step size as a multiple of ε (Madry et al.'s 2.5 · ε / steps by default). */
  pgdStepFactor: number;
  /** Bisection steps of the smallest flipping ε between two grid points. */
  radiusBisectionSteps: number;
  /** PGD starts from a uniform random point of the ε-ball (Madry et al.), else from the clean image. */
  randomStart: boolean;
  seed: number;
}

/** Default attack settings: ε ∈ {1, 2, 4, 8}/255 of the range, i.e. 1, 2, 4, 8 pixel levels; PGD 10 steps of 2.5ε/10, random start. */
export const DEFAULT_ATTACK_SETTINGS: AttackSettings = { epsilons: [1, 2, 4, 8], pgdSteps: 10, pgdStepFactor: 0.25, radiusBisectionSteps: 3, randomStart: true, seed: 0x5eed };

/** How the tensor maps to pixels, element by element. */
export class PixelSpace {
  /** Tensor units per pixel level, per element: scale / std[c]. */
  readonly perLevel: Float32Array;
  /** The tensor values of pixel 0 and pixel 255, per element (lower, upper). */
  readonly lower: Float32Array;
  readonly upper: Float32Array;

  constructor(spec: PreprocessSpec) {
    const { width, height, channels, layout, scale, mean, std } = spec;
    const size = width * height * channels;
    this.perLevel = new Float32Array(size);
    this.lower = new Float32Array(size);
    this.upper = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      const c = channels === 1 ? 0 : layout === 'NCHW' ? Math.floor(i / (width * height)) : i % channels;
      const at0 = (0 - mean[c]) / std[c];
      const at255 = (255 * scale - mean[c]) / std[c];
      this.perLevel[i] = scale / std[c];
      this.lower[i] = Math.min(at0, at255);
      this.upper[i] = Math.max(at0, at255);
    }
  }
}

/** The cross-entropy of `label` and its gradient with respect to the input tensor, with the scores at `input`. */
export async function lossGradient(model: GradientModel, input: Float32Array, label: number, outputKind: OutputKind): Promise<{ gradient: DenseTensor; score: Float32Array; predicted: number }> {
  const forward = await model.run(input, label);
  const score = forward.score.data;
  const classes = score.length;
  // d CE / d logits = softmax − one-hot (logits); d(−log p_y)/d p = −1/p_y at y (probabilities).
  let seed: Float32Array;
  if (outputKind === 'probabilities') {
    seed = new Float32Array(classes);
    seed[label] = -1 / Math.max(score[label], 1e-12);
  } else {
    seed = softmax(score);
    seed[label] -= 1;
  }
  const run = await model.run(input, seed);
  return { gradient: run.gradients.get(model.request.sources[0]) as DenseTensor, score, predicted: argmax(score) };
}

/** One signed step of `stepLevels` pixel levels along the loss gradient, projected onto the ε-ball around `clean` and the pixel range. */
function signedStep(current: Float32Array, gradient: Float32Array, clean: Float32Array, space: PixelSpace, stepLevels: number, epsilon: number): Float32Array {
  const next = new Float32Array(current.length);
  for (let i = 0; i < current.length; i++) {
    const perLevel = space.perLevel[i];
    // The sign of ∂L/∂p: ∂L/∂t · perLevel.
    const direction = Math.sign(gradient[i] * perLevel);
    const radius = epsilon * Math.abs(perLevel);
    const value = current[i] + direction * stepLevels * perLevel;
    next[i] = Math.min(space.upper[i], Math.max(space.lower[i], Math.min(clean[i] + radius, Math.max(clean[i] - radius, value))));
  }
  return next;
}

/** The class predicted for `input`. */
async function predict(model: GradientModel, input: Float32Array): Promise<number> {
  return argmax((await model.run(input, 0)).score.data);
}

/** FGSM: p′ = clip(p + ε · sign(∂L/∂p), 0, 255); returns the adversarial tensor and its prediction. */
export async function fgsm(model: GradientModel, space: PixelSpace, clean: Float32Array, label: number, epsilon: number, outputKind: OutputKind): Promise<{ adversarial: Float32Array; predicted: number }> {
  const { gradient } = await lossGradient(model, clean, label, outputKind);
  const adversarial = signedStep(clean, gradient.data, clean, space, epsilon, epsilon);
  return { adversarial, predicted: await predict(model, adversarial) };
}

/**
 * PGD-L∞ with a uniform random start in the ε-ball (or from the clean image without `randomStart`): `steps` signed steps
 * of `stepFactor · ε`, each projected; stops at the first iterate that is misclassified (the attack has then succeeded).
 * Returns whether it succeeded.
 */
export async function pgd(model: GradientModel, space: PixelSpace, clean: Float32Array, label: number, epsilon: number, settings: AttackSettings, outputKind: OutputKind, random: () => number, signal?: AbortSignal): Promise<{ fooled: boolean; predicted: number }> {
  let current: Float32Array = new Float32Array(clean.length);
  for (let i = 0; i < clean.length; i++) {
    const radius = epsilon * Math.abs(space.perLevel[i]);
    current[i] = settings.randomStart === false ? clean[i] : Math.min(space.upper[i], Math.max(space.lower[i], clean[i] + (2 * random() - 1) * radius));
  }
  let predicted = -1;
  for (let step = 0; step < settings.pgdSteps; step++) {
    throwIfAborted(signal);
    const { gradient, predicted: atCurrent } = await lossGradient(model, current, label, outputKind);
    if (atCurrent !== label) return { fooled: true, predicted: atCurrent };
    current = signedStep(current, gradient.data, clean, space, settings.pgdStepFactor * epsilon, epsilon);
  }
  predicted = await predict(model, current);
  return { fooled: predicted !== label, predicted };
}

/** What the attacks did to one image. */
export interface ImageAttackOutcome {
  cleanCorrect: boolean;
  /** Correct after FGSM at each grid ε. */
  fgsmCorrect: boolean[];
  /** Correct after PGD at each grid ε. */
  pgdCorrect: boolean[];
  /** The smallest ε (pixel levels) found to flip the prediction away from the label: 0 when already wrong, null when no grid ε does. */
  radius: number | null;
}

/**
 * FGSM and PGD at every grid ε, and the robust radius: the first grid ε at which PGD succeeds, narrowed by bisection
 * between it and the previous grid ε (PGD at each midpoint); the radius is the upper end of the final bracket.
 */
export async function attackImage(model: GradientModel, space: PixelSpace, clean: Float32Array, label: number, settings: AttackSettings, outputKind: OutputKind, seed: number, signal?: AbortSignal): Promise<ImageAttackOutcome> {
  const random = mulberry32(seed);
  const cleanCorrect = (await predict(model, clean)) === label;
  const count = settings.epsilons.length;
  if (!cleanCorrect) return { cleanCorrect, fgsmCorrect: new Array<boolean>(count).fill(false), pgdCorrect: new Array<boolean>(count).fill(false), radius: 0 };
  const fgsmCorrect: boolean[] = [];
  const pgdCorrect: boolean[] = [];
  for (const epsilon of settings.epsilons) {
    throwIfAborted(signal);
    fgsmCorrect.push((await fgsm(model, space, clean, label, epsilon, outputKind)).predicted === label);
    pgdCorrect.push(!(await pgd(model, space, clean, label, epsilon, settings, outputKind, random, signal)).fooled);
  }
  const first = pgdCorrect.indexOf(false);
  let radius: number | null = null;
  if (first >= 0) {
    let low = first === 0 ? 0 : settings.epsilons[first - 1];
    let high = settings.epsilons[first];
    for (let step = 0; step < settings.radiusBisectionSteps; step++) {
      const middle = (low + high) / 2;
      if ((await pgd(model, space, clean, label, middle, settings, outputKind, random, signal)).fooled) high = middle;
      else low = middle;
    }
    radius = high;
  }
  return { cleanCorrect, fgsmCorrect, pgdCorrect, radius };
}
