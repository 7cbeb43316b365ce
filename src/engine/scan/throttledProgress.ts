// Progress reports limited to a few per second, so a fast stage does not flood the UI.
import type { Progress } from '../types';

/** Default gap between two progress reports: at most five a second. */
export const PROGRESS_INTERVAL_MS = 200;

/** Wraps a progress callback: `report` drops updates closer than `intervalMs` to the last one; `flush` always reports. */
export function throttledProgress(
  onProgress: ((progress: Progress) => void) | undefined,
  intervalMs = PROGRESS_INTERVAL_MS,
  now: () => number = Date.now,
): { report(progress: Progress): void; flush(progress: Progress): void } {
  let last = -Infinity;
  return {
    report(progress: Progress): void {
      if (!onProgress) return;
      const time = now();
      if (time - last < intervalMs) return;
      last = time;
      onProgress(progress);
    },
    flush(progress: Progress): void {
      if (!onProgress) return;
      last = now();
      onProgress(progress);
    },
  };
}
