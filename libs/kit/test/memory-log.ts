/** A logger that writes into memory, for asserting on log lines. */
import { Writable } from 'node:stream';
import { createLogger, type Logger, type LogLevel } from '../src/index.js';

/** A log line, parsed. */
export type LogEntry = Record<string, unknown>;

/** A logger writing into memory, with the raw text and the parsed lines. */
export interface MemoryLog {
  log: Logger;
  text(): string;
  entries(): LogEntry[];
}

/** Creates a JSON logger that keeps every line in memory. */
export function memoryLog(level: LogLevel = 'debug'): MemoryLog {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const text = () => chunks.join('');
  return {
    log: createLogger({ level, service: 'test', destination: stream }),
    text,
    entries: () =>
      text()
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as LogEntry),
  };
}
