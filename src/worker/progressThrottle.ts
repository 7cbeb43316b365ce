// Limits progress messages to a few a second, never dropping a stage change or the last step.
import type { Progress } from '../engine/types';

/** Wraps `forward` so it is called at most once per `intervalMs`, plus on each new stage and each completed stage. */
export function throttleProgress(forward: (progress: Progress) => void, intervalMs = 100, now: () => number = Date.now): (progress: Progress) => void {
  let lastStage: string | undefined;
  let lastSent = -Infinity;
  return (progress) => {
    const time = now();
    const finished = progress.total !== undefined && progress.done >= progress.total;
    if (progress.stage !== lastStage || finished || time - lastSent >= intervalMs) {
      lastStage = progress.stage;
      lastSent = time;
      forward(progress);
    }
  };
}
