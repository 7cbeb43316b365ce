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
