// Progress for the CLI: a bar on a terminal, plain throttled lines elsewhere (CI logs).
import { SingleBar, Presets } from 'cli-progress';
import type { Progress } from '../engine/types';
import { escapeControl } from '../engine/report/displayText';

export interface ProgressReporter {
  update(progress: Progress): void;
  stop(): void;
}

/** A reporter suited to the stream: a progress bar on a TTY, otherwise a line per stage and per ~10%. */
export function createProgressReporter(stream: NodeJS.WriteStream, quiet: boolean): ProgressReporter {
  if (quiet) return { update: () => undefined, stop: () => undefined };
  if (stream.isTTY) return new BarReporter(stream);
  return new LineReporter(stream);
}

class BarReporter implements ProgressReporter {
  private bar: SingleBar;
  private stage?: string;
  private started = false;

  constructor(stream: NodeJS.WriteStream) {
    this.bar = new SingleBar({ stream, format: '{stage} [{bar}] {value}/{total} {message}', hideCursor: true, clearOnComplete: false }, Presets.shades_classic);
  }

  update(progress: Progress): void {
    const total = progress.total ?? 0;
    if (!this.started || progress.stage !== this.stage) {
      if (this.started) this.bar.stop();
      this.bar.start(total, progress.done, { stage: progress.stage.padEnd(8), message: escapeControl(progress.message ?? '') });
      this.started = true;
      this.stage = progress.stage;
    } else {
      this.bar.setTotal(total);
      this.bar.update(progress.done, { message: escapeControl(progress.message ?? '') });
    }
  }

  stop(): void {
    if (this.started) this.bar.stop();
  }
}

class LineReporter implements ProgressReporter {
  private stage?: string;
  private lastDecile = -1;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(progress: Progress): void {
    const decile = progress.total ? Math.floor((10 * progress.done) / progress.total) : -1;
    if (progress.stage !== this.stage) {
      this.stage = progress.stage;
      this.lastDecile = decile;
      this.stream.write(`[${progress.stage}] ${escapeControl(progress.message ?? '')}${progress.total ? ` ${progress.done}/${progress.total}` : ''}\n`);
    } else if (decile > this.lastDecile && progress.total) {
      this.lastDecile = decile;
      this.stream.write(`[${progress.stage}] ${progress.done}/${progress.total}\n`);
    }
  }

  stop(): void {}
}
