import cliProgress from 'cli-progress';

/** Progress of one long step: a bar on a terminal, a few plain lines otherwise (CI logs). */
export interface Progress {
  update(done: number): void;
  stop(): void;
}

export function progress(label: string, total: number): Progress {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label.padEnd(28)} {bar} {percentage}% | {value}/{total} | {rate}/s`, stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    const started = Date.now();
    bar.start(total, 0, { rate: 0 });
    return {
      update: (done) => bar.update(done, { rate: Math.round(done / Math.max(0.001, (Date.now() - started) / 1000)) }),
      stop: () => bar.stop(),
    };
  }
  let lastQuarter = -1;
  process.stderr.write(`${label}: 0/${total}\n`);
  return {
    update(done) {
      const quarter = Math.floor((done / total) * 4);
      if (quarter > lastQuarter && quarter < 4) {
        lastQuarter = quarter;
        if (quarter > 0) process.stderr.write(`${label}: ${done}/${total}\n`);
      }
    },
    stop: () => process.stderr.write(`${label}: done\n`),
  };
}
