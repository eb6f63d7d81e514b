/** A progress bar on stderr (a line per update when stderr is not a terminal); silent under --json. */
export interface Progress {
  update(done: number, detail?: string): void;
  finish(message?: string): void;
}

export function createProgress(label: string, total: number | undefined, enabled: boolean): Progress {
  const tty = process.stderr.isTTY === true;
  let lastLineAt = 0;
  const started = Date.now();
  return {
    update(done, detail = '') {
      if (!enabled) return;
      const now = Date.now();
      if (!tty && now - lastLineAt < 2_000) return;
      lastLineAt = now;
      const seconds = ((now - started) / 1000).toFixed(1);
      if (total && total > 0) {
        const ratio = Math.min(1, done / total);
        const width = 24;
        const filled = Math.round(ratio * width);
        const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}%`;
        const line = `${label} ${bar} ${detail} ${seconds}s`;
        process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
      } else {
        const line = `${label} ${done} ${detail} ${seconds}s`;
        process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
      }
    },
    finish(message) {
      if (!enabled) return;
      if (tty) process.stderr.write('\r\x1b[K');
      if (message) process.stderr.write(`${message}\n`);
    },
  };
}
