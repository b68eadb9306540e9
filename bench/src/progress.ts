// A one-line progress bar on stderr, redrawn about five times a second while a phase runs.
// When stderr is not a terminal it prints one line when the phase ends instead of redrawing.

export interface ProgressSource {
  /** Operations finished so far in the measured part of the phase. */
  done(): number;
  /** Seconds elapsed in the phase (warm-up included) and its planned length. */
  elapsedSeconds(): number;
  plannedSeconds: number;
  /** The warm-up part of plannedSeconds (its operations are not counted). */
  warmupSeconds: number;
  /** What one operation is called on the bar, e.g. "commits" or "req". */
  unit: string;
}

export interface Progress {
  stop(final?: string): void;
}

const WIDTH = 24;

export function showProgress(label: string, source: ProgressSource, enabled = true): Progress {
  if (!enabled) return { stop() {} };
  const tty = process.stderr.isTTY === true;
  const line = () => {
    const elapsed = source.elapsedSeconds();
    const fraction = Math.min(1, source.plannedSeconds > 0 ? elapsed / source.plannedSeconds : 1);
    const filled = Math.round(fraction * WIDTH);
    const bar = '#'.repeat(filled) + '.'.repeat(WIDTH - filled);
    const done = source.done();
    const measured = elapsed - source.warmupSeconds;
    const rate = measured > 0 ? done / measured : 0;
    const counts = measured > 0 ? `${formatCount(done)} ${source.unit}  ~${formatCount(rate)}/s` : 'warming up';
    return `[${bar}] ${String(Math.round(fraction * 100)).padStart(3)}% ${label}  ${elapsed.toFixed(1)}/${source.plannedSeconds.toFixed(1)} s  ${counts}`;
  };
  const draw = () => process.stderr.write(`\r\x1b[2K${line()}`);
  const timer = tty ? setInterval(draw, 200) : null;
  if (tty) draw();
  return {
    stop(final?: string) {
      if (timer) clearInterval(timer);
      const text = final === undefined ? line() : `${label}: ${final}`;
      process.stderr.write(tty ? `\r\x1b[2K${text}\n` : `${text}\n`);
    },
  };
}

/** A status line for steps without a bar (starting processes, seeding). */
export function note(text: string, enabled = true): void {
  if (enabled) process.stderr.write(`${text}\n`);
}

export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
