/**
 * A one-line progress bar on a terminal (stderr), redrawn at most every 200 ms; nothing on a pipe or a file,
 * where a log of carriage returns would only be noise.
 */
const WIDTH = 30;
const REDRAW_MS = 200;

export interface ProgressBar {
  update(done: bigint, total: bigint, note: string): void;
  end(): void;
}

export function renderBar(done: bigint, total: bigint, note: string): string {
  const ratio = total > 0n ? Number((done > total ? total : done) * 1000n / total) / 1000 : 1;
  const filled = Math.round(ratio * WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${Math.floor(ratio * 100)}% ${note}`;
}

export function progressBar(stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  if (!stream.isTTY) return { update: () => undefined, end: () => undefined };
  let drawnAt = 0;
  let drawn = false;
  return {
    update(done, total, note) {
      const now = Date.now();
      if (now - drawnAt < REDRAW_MS) return;
      drawnAt = now;
      drawn = true;
      stream.write(`\r${renderBar(done, total, note)}\u001b[K`);
    },
    end() {
      if (drawn) stream.write('\n');
    },
  };
}
