/**
 * For long-running commands that stop cleanly: the first Ctrl-C (or SIGTERM) aborts the returned
 * signal so the command can finish its current step and report; a second Ctrl-C exits at once
 * with 130. Replaces the base command's immediate exit on SIGINT.
 */
export function takeOverInterrupt(onFirst?: () => void): AbortSignal {
  const controller = new AbortController();
  process.removeAllListeners('SIGINT');
  const handler = () => {
    if (controller.signal.aborted) {
      process.stderr.write('\nInterrupted.\n');
      process.exit(130);
    }
    onFirst?.();
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.once('SIGTERM', handler);
  return controller.signal;
}
