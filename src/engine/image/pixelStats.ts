// Image statistics computed from one small decoded 8-bit buffer (1 or 3 interleaved channels).
import { differenceHash } from './differenceHash';
import { lumaThumbnail } from './thumbnail';

/** Statistics of a decoded image, as stored in ImageFacts. */
export interface PixelStats {
  brightness: number;
  contrast: number;
  saturation: number;
  sharpness: number;
  /** True when every pixel has |R − G| and |G − B| within GREYSCALE_TOLERANCE (always true for one channel). */
  greyscale: boolean;
  dhash: string;
  /** 32×32 area-averaged luma thumbnail, base64 (thumbnail.ts): the near-duplicate signature. */
  thumbnail: string;
}

/** Largest |R − G| or |G − B| (in 8-bit levels) still counted as grey: absorbs JPEG chroma rounding and resampling. */
export const GREYSCALE_TOLERANCE = 2;

/** 1/m for m = 0…255 (with 1/0 taken as 0), so saturation needs no division per pixel. */
const RECIPROCAL = Float64Array.from({ length: 256 }, (_, m) => (m === 0 ? 0 : 1 / m));

/** Computes brightness, contrast, saturation, sharpness, greyscale and dHash from 8-bit pixels. */
export function computePixelStats(data: Uint8Array, width: number, height: number, channels: 1 | 3): PixelStats {
  const count = width * height;
  if (count === 0) return { brightness: 0, contrast: 0, saturation: 0, sharpness: 0, greyscale: true, dhash: '0000000000000000', thumbnail: lumaThumbnail([0], 1, 1) };
  const luma = lumaScratch(count);
  // Luma sums are taken about the first pixel's luma (shifted data), so a flat image gives exactly 0 contrast.
  const origin = channels === 1 ? data[0] : 0.299 * data[0] + 0.587 * data[1] + 0.114 * data[2];
  let shiftedSum = 0;
  let shiftedSquares = 0;
  let saturationSum = 0;
  let colourful = false;
  if (channels === 1) {
    for (let i = 0; i < count; i++) {
      const y = data[i];
      luma[i] = y;
      const d = y - origin;
      shiftedSum += d;
      shiftedSquares += d * d;
    }
  } else {
    for (let i = 0, j = 0; i < count; i++, j += 3) {
      const r = data[j];
      const g = data[j + 1];
      const b = data[j + 2];
      // Luma Y' = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601).
      const y = 0.299 * r + 0.587 * g + 0.114 * b;
      luma[i] = y;
      const d = y - origin;
      shiftedSum += d;
      shiftedSquares += d * d;
      // HSV saturation S = (max − min) / max, 0 when max = 0 (Smith 1978).
      const max = Math.max(r, Math.max(g, b));
      saturationSum += (max - Math.min(r, Math.min(g, b))) * RECIPROCAL[max];
      if (!colourful) {
        const redGreen = r - g;
        const greenBlue = g - b;
        const tolerance = GREYSCALE_TOLERANCE;
        colourful = redGreen > tolerance || redGreen < -tolerance || greenBlue > tolerance || greenBlue < -tolerance;
      }
    }
  }

  // Brightness = mean luma; contrast = population standard deviation of luma (RMS contrast, Peli 1990).
  const meanShift = shiftedSum / count;
  return {
    brightness: origin + meanShift,
    contrast: Math.sqrt(Math.max(0, shiftedSquares / count - meanShift * meanShift)),
    saturation: saturationSum / count,
    sharpness: laplacianVariance(luma, width, height),
    greyscale: !colourful,
    dhash: differenceHash(luma, width, height),
    thumbnail: lumaThumbnail(luma, width, height),
  };
}

/**
 * Variance of the Laplacian (kernel [0,1,0; 1,−4,1; 0,1,0]) over interior pixels, a focus measure
 * (Pech-Pacheco et al., "Diatom autofocusing in brightfield microscopy", ICPR 2000). 0 when there is no interior.
 */
export function laplacianVariance(luma: Float64Array, width: number, height: number): number {
  if (width < 3 || height < 3) return 0;
  const n = (width - 2) * (height - 2);
  let sum = 0;
  let sumOfSquares = 0;
  for (let y = 1; y < height - 1; y++) {
    const end = y * width + width - 1;
    for (let i = y * width + 1; i < end; i++) {
      const laplacian = luma[i - width] + luma[i + width] + luma[i - 1] + luma[i + 1] - 4 * luma[i];
      sum += laplacian;
      sumOfSquares += laplacian * laplacian;
    }
  }
  // One pass is safe here: the Laplacian's mean is near 0 (its sum telescopes to border terms), so no cancellation.
  const mean = sum / n;
  return Math.max(0, sumOfSquares / n - mean * mean);
}

let scratch = new Float64Array(0);

/** A reused luma plane (the stats are computed synchronously, so one buffer serves every call). */
function lumaScratch(count: number): Float64Array {
  if (scratch.length < count) scratch = new Float64Array(count);
  return scratch.length === count ? scratch : scratch.subarray(0, count);
}
