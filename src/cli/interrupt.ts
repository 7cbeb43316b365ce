// Ctrl-C for the CLI. The first SIGINT aborts the run, which then ends with exit code 130; a read blocked in the
// kernel cannot see an AbortSignal, so if the run has not ended within a grace period, or on a second SIGINT,
// the process exits with 130 at once. (Listening for SIGINT replaces Node's default exit, which is why an
// abort-only handler left a process blocked on a FIFO running.)

/** How long an aborted run may take to wind down before the process is ended. */
export const INTERRUPT_GRACE_MS = 2000;

/** Exit code of a run ended by SIGINT (128 + 2, as shells report it). */
export const INTERRUPTED_EXIT_CODE = 130;

/** Installs the SIGINT handling for one command run; returns its AbortSignal and a function that removes it. */
export function handleInterrupts(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const exitNow = (): never => {
    process.stderr.write('fairframe: cancelled\n');
    process.exit(INTERRUPTED_EXIT_CODE);
  };
  const onSignal = (): void => {
    if (controller.signal.aborted) exitNow();
    controller.abort();
    timer = setTimeout(exitNow, INTERRUPT_GRACE_MS);
    timer.unref();
  };
  process.on('SIGINT', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.removeListener('SIGINT', onSignal);
      if (timer) clearTimeout(timer);
    },
  };
}
