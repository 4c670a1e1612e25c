import { err } from '../output/color.js';

const REDRAW_MS = 100;
const BAR_WIDTH = 24;

/**
 * Draws a one-line progress bar on stderr, redrawn every 100 ms. Only for a TTY: the caller
 * decides, so piped output never contains carriage returns. `stop()` clears the line.
 */
export function startProgress(total: number, read: () => { sent: number; unexpected: number; elapsedMs: number }): { stop(): void } {
  const draw = (): void => {
    const { sent, unexpected, elapsedMs } = read();
    const filled = Math.round((sent / total) * BAR_WIDTH);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
    const rate = elapsedMs > 0 ? Math.round((sent * 1000) / elapsedMs) : 0;
    const failures = unexpected > 0 ? err().red(`${unexpected} failed`) : '0 failed';
    process.stderr.write(`\r${bar} ${sent}/${total}  ${rate} req/s  ${failures}\x1b[K`);
  };
  const timer = setInterval(draw, REDRAW_MS);
  timer.unref();
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      process.stderr.write('\r\x1b[K');
    },
  };
}
