// Smooth random fields for painting skin texture: value noise on a coarse grid.
import type { Random } from './random';

/**
 * A size × size field of value noise: N(0, 1) values on a (cells + 1)² lattice, interpolated with
 * smoothstep weights (Perlin 1985, "An image synthesizer"). Values stay roughly in [−3, 3].
 */
export function valueNoise(random: Random, size: number, cells: number): Float32Array {
  const lattice = new Float32Array((cells + 1) * (cells + 1));
  for (let i = 0; i < lattice.length; i++) lattice[i] = random.normal();
  const field = new Float32Array(size * size);
  const scale = cells / size;
  for (let y = 0; y < size; y++) {
    const fy = (y + 0.5) * scale;
    const y0 = Math.min(cells - 1, Math.floor(fy));
    const ty = smoothstep(fy - y0);
    for (let x = 0; x < size; x++) {
      const fx = (x + 0.5) * scale;
      const x0 = Math.min(cells - 1, Math.floor(fx));
      const tx = smoothstep(fx - x0);
      const a = lattice[y0 * (cells + 1) + x0];
      const b = lattice[y0 * (cells + 1) + x0 + 1];
      const c = lattice[(y0 + 1) * (cells + 1) + x0];
      const d = lattice[(y0 + 1) * (cells + 1) + x0 + 1];
      field[y * size + x] = (a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty;
    }
  }
  return field;
}

/** 3t² − 2t³ on [0, 1]. */
function smoothstep(t: number): number {
  return t * t * (3 - 2 * t);
}
