// A plain reference for the image-similarity tests (not the engine's code): Pearson correlation of two square planes
// at a whole-pixel shift, over their overlap.

/** Pearson correlation of a(x, y) with b(x + dx, y + dy) over the pixels of a (every `step`-th) whose partner is inside b. */
export function pearsonAtShift(a: ArrayLike<number>, b: ArrayLike<number>, side: number, dx: number, dy: number, step = 1): number {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let y = 0; y < side; y += step) {
    for (let x = 0; x < side; x += step) {
      if (x + dx < 0 || x + dx > side - 1 || y + dy < 0 || y + dy > side - 1) continue;
      xs.push(a[y * side + x]);
      ys.push(b[(y + dy) * side + x + dx]);
    }
  }
  return pearson(xs, ys);
}

/** Pearson correlation of two equally long lists. */
function pearson(xs: number[], ys: number[]): number {
  const mean = (v: number[]): number => v.reduce((s, t) => s + t, 0) / v.length;
  const [mx, my] = [mean(xs), mean(ys)];
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  xs.forEach((x, i) => {
    sxy += (x - mx) * (ys[i] - my);
    sxx += (x - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  });
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : Number.NaN;
}

/**
 * Pearson correlation of a(x, y) with b sampled bilinearly at (c + scale·(x − c) + dx, c + scale·(y − c) + dy),
 * c = (side − 1) / 2, over the pixels of a (every `step`-th) whose sample lies inside b; with `background`,
 * leaving out the pixels where a is within `levels` of background.a and the sample within `levels` of background.b.
 */
export function pearsonBilinear(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  side: number,
  dx: number,
  dy: number,
  scale: number,
  step = 1,
  background?: { a: number; b: number; levels: number },
): number {
  const c = (side - 1) / 2;
  const at = (x: number, y: number): number => b[y * side + x];
  const xs: number[] = [];
  const ys: number[] = [];
  for (let y = 0; y < side; y += step) {
    for (let x = 0; x < side; x += step) {
      const u = c + scale * (x - c) + dx;
      const v = c + scale * (y - c) + dy;
      if (u < 0 || u > side - 1 || v < 0 || v > side - 1) continue;
      const x0 = Math.min(Math.floor(u), side - 2);
      const y0 = Math.min(Math.floor(v), side - 2);
      const fx = u - x0;
      const fy = v - y0;
      const sample = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
      const value = a[y * side + x];
      if (background && Math.abs(value - background.a) <= background.levels && Math.abs(sample - background.b) <= background.levels) continue;
      xs.push(value);
      ys.push(sample);
    }
  }
  return pearson(xs, ys);
}
