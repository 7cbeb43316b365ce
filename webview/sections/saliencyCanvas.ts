// A stored saliency map drawn on a <canvas> in viridis, to lay over a gallery thumbnail (its opacity is in the stylesheet).
import { h } from '../dom';

/**
 * matplotlib's viridis colormap (van der Walt & Smith, 2015; CC0), piecewise linear through 17 of the 256 entries of
 * `_viridis_data` in lib/matplotlib/_cm_listed.py: entries 0, 16, …, 240 and 255, as round(255 · v).
 */
const VIRIDIS_STOPS: ReadonlyArray<readonly [number, number, number]> = [
  [68, 1, 84], [72, 24, 106], [71, 45, 123], [66, 64, 134], [59, 82, 139], [51, 99, 141], [44, 114, 142], [38, 130, 142], [33, 145, 140],
  [31, 160, 136], [40, 174, 128], [63, 188, 115], [94, 201, 98], [132, 212, 75], [173, 220, 48], [216, 226, 25], [253, 231, 37],
];
/** Where each stop sits on [0, 1]: its entry index / 255. */
const STOP_POSITIONS: readonly number[] = VIRIDIS_STOPS.map((_, i) => Math.min(255, i * 16) / 255);

/** The viridis colour of t ∈ [0, 1] (clamped; non-finite as 0), interpolated between the nearest stops. */
export function viridisColor(t: number): [number, number, number] {
  const value = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  let upper = 1;
  while (upper < STOP_POSITIONS.length - 1 && STOP_POSITIONS[upper] < value) upper++;
  const lower = upper - 1;
  const f = (value - STOP_POSITIONS[lower]) / (STOP_POSITIONS[upper] - STOP_POSITIONS[lower]);
  const a = VIRIDIS_STOPS[lower];
  const b = VIRIDIS_STOPS[upper];
  return [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * f)) as [number, number, number];
}

/** A canvas of the map's size (the browser scales it smoothly) with each value in viridis; aria-hidden (the card says what it is). */
export function saliencyCanvas(map: { width: number; height: number; data: number[] }): HTMLCanvasElement {
  const canvas = h('canvas', { class: 'saliency-canvas', attrs: { width: map.width, height: map.height, 'aria-hidden': 'true', 'data-map-size': `${map.width}×${map.height}` } });
  const drawing = canvas.getContext('2d');
  if (!drawing || map.width <= 0 || map.height <= 0 || map.data.length !== map.width * map.height) return canvas;
  const pixels = drawing.createImageData(map.width, map.height);
  map.data.forEach((value, i) => {
    const [r, g, b] = viridisColor(value);
    pixels.data.set([r, g, b, 255], i * 4);
  });
  drawing.putImageData(pixels, 0, 0);
  return canvas;
}
