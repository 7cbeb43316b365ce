// Superpixels for the region-based methods (LIME, KernelSHAP, counterfactuals): SLIC (Achanta et al., "SLIC
// Superpixels Compared to State-of-the-Art Superpixel Methods", TPAMI 2012) in CIELAB on the model-sized pixels, with
// the connectivity clean-up of the authors' code, and a plain grid. Deterministic: no random initialisation.
import { FairframeError } from '../errors';

/** A segmentation of a width × height image into `count` regions labelled 0…count − 1. */
export interface Superpixels {
  width: number;
  height: number;
  count: number;
  /** Row-major region label of each pixel. */
  labels: Int32Array;
}

/** Options of `slicSuperpixels`. */
export interface SlicOptions {
  /** Desired number of superpixels k (default 50); the result may have a few more or fewer. */
  segments?: number;
  /** Compactness m (default 10): larger = more regular, squarer superpixels; smaller = closer to colour edges. */
  compactness?: number;
  /** k-means iterations (default 10, as in the paper). */
  iterations?: number;
}

/** The pixels SLIC reads: interleaved 8-bit grey or sRGB, as ExplainImage.pixels. */
export interface SlicImage {
  pixels: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** sRGB (0–255) to CIELAB (D65): L* in 0–100, a*, b* roughly ±100 (CIE 1976; sRGB as IEC 61966-2-1). */
export function srgbToLab(red: number, green: number, blue: number): [number, number, number] {
  const linear = (v: number): number => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const r = linear(red);
  const g = linear(green);
  const b = linear(blue);
  const x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
  const y = 0.2126729 * r + 0.7151522 * g + 0.072175 * b;
  const z = (0.0193339 * r + 0.119192 * g + 0.9503041 * b) / 1.08883;
  const f = (t: number): number => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  const fx = f(x);
  const fy = f(y);
  const fz = f(z);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

/**
 * SLIC: about k cluster centres on a regular grid (spacing S ≈ √(N/k)), each moved to the lowest-gradient pixel of its 3×3
 * neighbourhood, then k-means restricted to a 2S × 2S window with distance D = √(d_lab² + (d_xy / S)² · m²);
 * finally every connected piece becomes its own superpixel and pieces smaller than a quarter of N/k join a neighbour.
 */
export function slicSuperpixels(image: SlicImage, options: SlicOptions = {}): Superpixels {
  const { width: W, height: H, channels } = image;
  const N = W * H;
  const k = Math.floor(options.segments ?? 50);
  const m = options.compactness ?? 10;
  const iterations = Math.floor(options.iterations ?? 10);
  if (!(k >= 1) || !(m > 0) || !(iterations >= 1) || N === 0 || image.pixels.length !== N * channels) {
    throw new FairframeError('bad-config', `SLIC needs segments ≥ 1, compactness > 0, iterations ≥ 1 and a non-empty image (got k = ${k}, m = ${m}, ${iterations} iterations, ${W}×${H}).`);
  }
  const lab = new Float64Array(N * 3);
  for (let i = 0; i < N; i++) {
    const at = i * channels;
    const [l, a, b] = channels === 1 ? srgbToLab(image.pixels[at], image.pixels[at], image.pixels[at]) : srgbToLab(image.pixels[at], image.pixels[at + 1], image.pixels[at + 2]);
    lab[i * 3] = l;
    lab[i * 3 + 1] = a;
    lab[i * 3 + 2] = b;
  }
  // A grid of about k cells of side √(N/k): columns ≈ √(k · W/H), rows ≈ k / columns.
  const columns = Math.max(1, Math.min(W, Math.round(Math.sqrt((k * W) / H))));
  const rows = Math.max(1, Math.min(H, Math.round(k / columns)));
  // The window must cover every pixel from some centre: use the larger actual grid spacing.
  const S = Math.max(W / columns, H / rows);
  const colourDistance = (i: number, j: number): number => {
    let d = 0;
    for (let c = 0; c < 3; c++) d += (lab[i * 3 + c] - lab[j * 3 + c]) ** 2;
    return d;
  };
  const gradient = (x: number, y: number): number => {
    const at = (xx: number, yy: number): number => Math.min(H - 1, Math.max(0, yy)) * W + Math.min(W - 1, Math.max(0, xx));
    return colourDistance(at(x + 1, y), at(x - 1, y)) + colourDistance(at(x, y + 1), at(x, y - 1));
  };
  // Centre features: L, a, b, x, y.
  const centres: number[][] = [];
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      let cx = Math.min(W - 1, Math.floor((column + 0.5) * (W / columns)));
      let cy = Math.min(H - 1, Math.floor((row + 0.5) * (H / rows)));
      let best = gradient(cx, cy);
      const [x0, y0] = [cx, cy];
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const x = x0 + dx;
          const y = y0 + dy;
          if (x < 0 || y < 0 || x >= W || y >= H) continue;
          const g = gradient(x, y);
          if (g < best) [best, cx, cy] = [g, x, y];
        }
      }
      const i = cy * W + cx;
      centres.push([lab[i * 3], lab[i * 3 + 1], lab[i * 3 + 2], cx, cy]);
    }
  }
  const labels = new Int32Array(N).fill(-1);
  const distances = new Float64Array(N);
  const spatialWeight = (m / S) ** 2;
  const reach = Math.ceil(S);
  for (let iteration = 0; iteration < iterations; iteration++) {
    distances.fill(Infinity);
    centres.forEach((centre, label) => {
      const [l, a, b, cx, cy] = centre;
      const xStart = Math.max(0, Math.floor(cx - reach));
      const xEnd = Math.min(W - 1, Math.ceil(cx + reach));
      const yStart = Math.max(0, Math.floor(cy - reach));
      const yEnd = Math.min(H - 1, Math.ceil(cy + reach));
      for (let y = yStart; y <= yEnd; y++) {
        for (let x = xStart; x <= xEnd; x++) {
          const i = y * W + x;
          const dc = (lab[i * 3] - l) ** 2 + (lab[i * 3 + 1] - a) ** 2 + (lab[i * 3 + 2] - b) ** 2;
          const d = dc + ((x - cx) ** 2 + (y - cy) ** 2) * spatialWeight;
          if (d < distances[i]) {
            distances[i] = d;
            labels[i] = label;
          }
        }
      }
    });
    const sums = centres.map(() => [0, 0, 0, 0, 0, 0]);
    for (let i = 0; i < N; i++) {
      const label = labels[i];
      if (label < 0) continue;
      const sum = sums[label];
      sum[0] += lab[i * 3];
      sum[1] += lab[i * 3 + 1];
      sum[2] += lab[i * 3 + 2];
      sum[3] += i % W;
      sum[4] += Math.floor(i / W);
      sum[5]++;
    }
    sums.forEach((sum, label) => {
      if (sum[5] > 0) centres[label] = sum.slice(0, 5).map((value) => value / sum[5]);
    });
  }
  return enforceConnectivity(labels, W, H, Math.max(1, Math.floor(N / centres.length / 4)));
}

/**
 * Relabels 4-connected pieces in scan order; a piece of at most `minimumSize` pixels takes the label of the piece
 * touching its first pixel (above or to the left), as in the SLIC authors' EnforceLabelConnectivity.
 */
export function enforceConnectivity(labels: Int32Array, width: number, height: number, minimumSize: number): Superpixels {
  const N = width * height;
  const out = new Int32Array(N).fill(-1);
  const queue = new Int32Array(N);
  let next = 0;
  for (let start = 0; start < N; start++) {
    if (out[start] >= 0) continue;
    const x0 = start % width;
    const y0 = Math.floor(start / width);
    // A neighbour already relabelled (left or above), to absorb a piece that is too small.
    let adjacent = next > 0 ? next - 1 : 0;
    if (x0 > 0 && out[start - 1] >= 0) adjacent = out[start - 1];
    else if (y0 > 0 && out[start - width] >= 0) adjacent = out[start - width];
    const own = labels[start];
    out[start] = next;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    while (head < tail) {
      const i = queue[head++];
      const x = i % width;
      const y = Math.floor(i / width);
      const neighbours = [x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1, y > 0 ? i - width : -1, y < height - 1 ? i + width : -1];
      for (const j of neighbours) {
        if (j >= 0 && out[j] < 0 && labels[j] === own) {
          out[j] = next;
          queue[tail++] = j;
        }
      }
    }
    if (tail <= minimumSize && next > 0) {
      for (let q = 0; q < tail; q++) out[queue[q]] = adjacent;
    } else {
      next++;
    }
  }
  return { width, height, count: next, labels: out };
}

/** A columns × rows grid of rectangular regions (labels row by row), e.g. the quadrants for 2 × 2. */
export function gridSuperpixels(width: number, height: number, columns: number, rows: number): Superpixels {
  if (!(columns >= 1 && rows >= 1 && columns <= width && rows <= height)) {
    throw new FairframeError('bad-config', `A ${columns}×${rows} grid does not fit a ${width}×${height} image; use 1 to ${width} columns and 1 to ${height} rows.`);
  }
  const labels = new Int32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) labels[y * width + x] = Math.floor((y * rows) / height) * columns + Math.floor((x * columns) / width);
  }
  return { width, height, count: columns * rows, labels };
}

/** Per-pixel keep weights (1 = kept) for the regions whose entry in `present` is non-zero. */
export function regionMask(segments: Superpixels, present: ArrayLike<number | boolean>): Float32Array {
  const keep = new Float32Array(segments.labels.length);
  for (let i = 0; i < keep.length; i++) keep[i] = present[segments.labels[i]] ? 1 : 0;
  return keep;
}

/** A map that gives each pixel its region's value. */
export function regionValuesToMap(segments: Superpixels, values: ArrayLike<number>): Float32Array {
  const map = new Float32Array(segments.labels.length);
  for (let i = 0; i < map.length; i++) map[i] = values[segments.labels[i]];
  return map;
}

/** Sum of `map` over each region (a region's attribution mass). */
export function regionSums(segments: Superpixels, map: ArrayLike<number>): Float64Array {
  const sums = new Float64Array(segments.count);
  for (let i = 0; i < segments.labels.length; i++) sums[segments.labels[i]] += map[i];
  return sums;
}
