// Paints one synthetic dermoscopy-like image: skin of a Fitzpatrick tone with texture and lighting, and a lesion of a class.
import type { DemoClass, FitzpatrickType } from './demoDesign';
import type { Random } from './random';
import { valueNoise } from './valueNoise';

/** sRGB skin anchors per Fitzpatrick type, from very light (I) to very dark (VI). */
export const SKIN_TONES: Record<FitzpatrickType, readonly [number, number, number]> = {
  I: [244, 216, 198],
  II: [230, 192, 162],
  III: [206, 160, 124],
  IV: [168, 118, 84],
  V: [118, 80, 56],
  VI: [74, 50, 38],
};

/**
 * How strongly a lesion departs from the surrounding skin, per type: lesions are harder to see on
 * dark skin (lower lesion/skin contrast on V–VI), on top of the smaller absolute range of dark tones.
 */
export const LESION_VISIBILITY: Record<FitzpatrickType, number> = { I: 1, II: 1, III: 0.95, IV: 0.85, V: 0.62, VI: 0.5 };

/** What the painter needs to know about one image. */
export interface PaintSpec {
  lesionClass: DemoClass;
  fitzpatrick: FitzpatrickType;
  /** Scale applied to every pixel value (1 normally; below 1 for a darker acquisition site). */
  exposure: number;
  /** Standard deviation of the per-channel sensor noise, added after the exposure scale. */
  noise: number;
  size: number;
}

/** Interleaved 8-bit RGB pixels and a one-channel lesion mask (0 or 255). */
export interface PaintedImage {
  rgb: Buffer;
  mask: Buffer;
}

interface LesionShape {
  cx: number;
  cy: number;
  radius: number;
  eccentricity: number;
  angle: number;
  harmonics: Array<[amplitude: number, phase: number]>;
  /** Width of the soft border, in pixels. */
  softness: number;
}

interface ClassLook {
  radius: [number, number];
  eccentricity: [number, number];
  /** Total amplitude of the irregular border harmonics (k = 3…8). */
  irregularity: [number, number];
  softness: number;
  /** Per-channel multiplier of the skin colour inside the lesion. */
  colour: readonly [number, number, number];
}

const LOOKS: Record<DemoClass, ClassLook> = {
  // Dark, irregular, multi-tone (blue-black and light-brown patches).
  melanoma: { radius: [9, 14], eccentricity: [0.05, 0.3], irregularity: [0.22, 0.4], softness: 0.8, colour: [0.36, 0.28, 0.27] },
  // Medium brown, small, round and regular.
  nevus: { radius: [5, 9], eccentricity: [0, 0.1], irregularity: [0, 0.04], softness: 1, colour: [0.56, 0.43, 0.37] },
  // Tan, waxy and granular, larger.
  seborrheic_keratosis: { radius: [11, 17], eccentricity: [0.1, 0.35], irregularity: [0.06, 0.14], softness: 1.3, colour: [0.8, 0.68, 0.52] },
  // Pinkish with a pearly rim and fine red vessels, soft-edged.
  basal_cell_carcinoma: { radius: [7, 12], eccentricity: [0.05, 0.25], irregularity: [0.04, 0.1], softness: 2, colour: [1.02, 0.76, 0.78] },
};

/** Paints skin and lesion from `random`; the same stream always gives the same pixels. */
export function paintLesionImage(spec: PaintSpec, random: Random): PaintedImage {
  const { size } = spec;
  const look = LOOKS[spec.lesionClass];
  const tone = SKIN_TONES[spec.fitzpatrick];
  const visibility = LESION_VISIBILITY[spec.fitzpatrick];

  // Skin: a per-person tone, mottling at three scales (the coarse one dominates the 9×8 dHash grid), a lighting gradient.
  const toneScale = 1 + 0.04 * random.normal();
  const base = tone.map((c) => c * toneScale * (1 + 0.025 * random.normal()));
  const coarse = valueNoise(random, size, 9);
  const middle = valueNoise(random, size, 4);
  const fine = valueNoise(random, size, 16);
  const redness = valueNoise(random, size, 5);
  const lightAngle = random.uniform(0, 2 * Math.PI);
  const lightStrength = random.uniform(0.04, 0.14);
  const lx = Math.cos(lightAngle);
  const ly = Math.sin(lightAngle);

  const shape = drawShape(look, size, random);
  const radii = radiusTable(shape);
  // Class-specific inner structure.
  const tones = valueNoise(random, size, 12);
  const grain = valueNoise(random, size, 28);
  const vessels = spec.lesionClass === 'basal_cell_carcinoma' ? drawVessels(shape, random) : [];
  const ulcer = spec.lesionClass === 'basal_cell_carcinoma' && random.next() < 0.4;

  const rgb = Buffer.alloc(size * size * 3);
  const mask = Buffer.alloc(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      const mottle = 1 + 0.085 * coarse[i] + 0.05 * middle[i] + 0.02 * fine[i];
      const light = 1 + lightStrength * ((x / size - 0.5) * lx + (y / size - 0.5) * ly);
      const red = 0.02 * redness[i];
      let r = base[0] * mottle * light * (1 + red);
      let g = base[1] * mottle * light * (1 - red);
      let b = base[2] * mottle * light * (1 - red);

      const dx = x + 0.5 - shape.cx;
      const dy = y + 0.5 - shape.cy;
      const distance = Math.hypot(dx, dy);
      const edge = radiusAt(radii, Math.atan2(dy, dx)) - distance;
      const alpha = clamp01(edge / shape.softness + 0.5);
      if (alpha > 0) {
        const inside = lesionMultiplier(spec.lesionClass, look, { edge, distance, radius: shape.radius, tone: tones[i], grain: grain[i], vessel: onVessel(vessels, x + 0.5, y + 0.5), ulcer });
        const mr = 1 + visibility * (inside[0] - 1);
        const mg = 1 + visibility * (inside[1] - 1);
        const mb = 1 + visibility * (inside[2] - 1);
        r *= 1 - alpha + alpha * mr;
        g *= 1 - alpha + alpha * mg;
        b *= 1 - alpha + alpha * mb;
      }
      if (alpha >= 0.5) mask[i] = 255;

      // Exposure first, sensor noise after, so a darker site keeps the same noise (and sharpness).
      const o = i * 3;
      rgb[o] = toByte(r * spec.exposure + spec.noise * random.normal());
      rgb[o + 1] = toByte(g * spec.exposure + spec.noise * random.normal());
      rgb[o + 2] = toByte(b * spec.exposure + spec.noise * random.normal());
    }
  }
  return { rgb, mask };
}

function drawShape(look: ClassLook, size: number, random: Random): LesionShape {
  const radius = random.uniform(look.radius[0], look.radius[1]) * (size / 64);
  // The centre wanders, keeping most of the lesion inside the frame.
  const spread = Math.max(2, size / 2 - radius * 1.1 - 2) * 0.6;
  const irregularity = random.uniform(look.irregularity[0], look.irregularity[1]);
  const weights = [3, 4, 5, 6, 7, 8].map(() => random.next() + 0.2);
  const weightSum = weights.reduce((sum, w) => sum + w, 0);
  return {
    cx: size / 2 + random.uniform(-spread, spread),
    cy: size / 2 + random.uniform(-spread, spread),
    radius,
    eccentricity: random.uniform(look.eccentricity[0], look.eccentricity[1]),
    angle: random.uniform(0, Math.PI),
    harmonics: weights.map((w) => [(irregularity * w) / weightSum, random.uniform(0, 2 * Math.PI)]),
    softness: look.softness,
  };
}

/** Angles at which the border radius is tabulated. */
const RADIUS_STEPS = 720;

/** ρ(θ) = r·(1 + e·cos 2(θ − φ) + Σ_k a_k cos(kθ + φ_k)), k = 3…8, tabulated over [−π, π]. */
function radiusTable(shape: LesionShape): Float64Array {
  const table = new Float64Array(RADIUS_STEPS + 1);
  for (let step = 0; step <= RADIUS_STEPS; step++) {
    const theta = -Math.PI + (2 * Math.PI * step) / RADIUS_STEPS;
    let factor = 1 + shape.eccentricity * Math.cos(2 * (theta - shape.angle));
    shape.harmonics.forEach(([amplitude, phase], k) => (factor += amplitude * Math.cos((k + 3) * theta + phase)));
    table[step] = shape.radius * factor;
  }
  return table;
}

/** The tabulated border radius at angle θ ∈ [−π, π], linearly interpolated. */
function radiusAt(table: Float64Array, theta: number): number {
  const position = ((theta + Math.PI) / (2 * Math.PI)) * RADIUS_STEPS;
  const step = Math.min(RADIUS_STEPS - 1, Math.floor(position));
  const t = position - step;
  return table[step] * (1 - t) + table[step + 1] * t;
}

interface Vessel {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function drawVessels(shape: LesionShape, random: Random): Vessel[] {
  const count = random.int(1, 3);
  const vessels: Vessel[] = [];
  for (let v = 0; v < count; v++) {
    const a = random.uniform(0, 2 * Math.PI);
    const length = shape.radius * random.uniform(0.6, 1.4);
    const ox = shape.cx + random.uniform(-0.4, 0.4) * shape.radius;
    const oy = shape.cy + random.uniform(-0.4, 0.4) * shape.radius;
    vessels.push({ x0: ox - (Math.cos(a) * length) / 2, y0: oy - (Math.sin(a) * length) / 2, x1: ox + (Math.cos(a) * length) / 2, y1: oy + (Math.sin(a) * length) / 2 });
  }
  return vessels;
}

/** 1 on a vessel's centre line, falling to 0 at 0.9 px from it. */
function onVessel(vessels: readonly Vessel[], x: number, y: number): number {
  let best = 0;
  for (const v of vessels) {
    const vx = v.x1 - v.x0;
    const vy = v.y1 - v.y0;
    const t = clamp01(((x - v.x0) * vx + (y - v.y0) * vy) / (vx * vx + vy * vy));
    const d = Math.hypot(x - (v.x0 + t * vx), y - (v.y0 + t * vy));
    best = Math.max(best, clamp01(1 - d / 0.9));
  }
  return best;
}

interface LesionPoint {
  edge: number;
  distance: number;
  radius: number;
  tone: number;
  grain: number;
  vessel: number;
  ulcer: boolean;
}

/** Per-channel multiplier of the skin colour at one point of the lesion. */
function lesionMultiplier(lesionClass: DemoClass, look: ClassLook, p: LesionPoint): [number, number, number] {
  const [r, g, b] = look.colour;
  switch (lesionClass) {
    case 'melanoma': {
      // Multi-tone: blue-black where the tone field is low, light brown where it is high.
      const t = Math.max(-1, Math.min(1, p.tone / 1.2));
      if (t < 0) return mix([r, g, b], [0.2, 0.21, 0.3], -t);
      return mix([r, g, b], [0.62, 0.48, 0.4], t);
    }
    case 'nevus': {
      const centre = 1 - 0.12 * clamp01(1 - p.distance / p.radius);
      return [r * centre, g * centre, b * centre];
    }
    case 'seborrheic_keratosis': {
      // Waxy, granular surface with a slightly darker rim.
      const speckle = 1 + 0.13 * p.grain;
      const rim = p.edge < 1.8 ? 0.88 : 1;
      return [r * speckle * rim, g * speckle * rim, b * speckle * rim];
    }
    case 'basal_cell_carcinoma': {
      // Pearly (brighter) rim, pink body, optional darker-red centre, thin red vessels.
      let colour: [number, number, number] = p.edge < 2.5 ? [1.14, 1.04, 1.04] : [r, g, b];
      if (p.ulcer && p.distance < p.radius * 0.3) colour = [0.86, 0.56, 0.56];
      return mix(colour, [0.86, 0.42, 0.44], p.vessel);
    }
  }
}

function mix(a: readonly [number, number, number], b: readonly [number, number, number], t: number): [number, number, number] {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

function clamp01(value: number): number {
  return value < 0 ? 0 : value > 1 ? 1 : value;
}

function toByte(value: number): number {
  return value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value);
}
