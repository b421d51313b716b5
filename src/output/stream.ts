/**
 * stdout for the commands that write as they go rather than hand one result to present(): event
 * tails, exports, --watch loops. A write that fills stdout's buffer returns a promise that resolves
 * when it drains (await it before writing more, so a slow reader slows the producer instead of
 * growing memory); a watch round clears a terminal first so the screen redraws in place.
 */
export const stdoutStream = {
  get isTTY(): boolean {
    return Boolean(process.stdout.isTTY);
  },

  write(text: string): Promise<void> | undefined {
    if (process.stdout.write(text)) return undefined;
    return new Promise<void>((r) => process.stdout.once('drain', () => r()));
  },

  /** One round of a --watch loop: on a terminal the screen is cleared and the text drawn from the top. */
  redraw(text: string, tty: boolean): void {
    process.stdout.write(`${tty ? CLEAR_SCREEN : ''}${text}`);
  },

  /** Called once the reader goes away (head, a closed pipe): the command stops writing quietly. */
  onClosed(listener: () => void): void {
    process.stdout.on('error', listener);
  },
};

const CLEAR_SCREEN = '\x1b[2J\x1b[H';
