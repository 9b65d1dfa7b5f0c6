import { vi } from 'vitest';
import { runCli } from '../src/cli.js';

/** What one CLI run printed and the exit code it set. */
export interface CliRun {
  out: string;
  err: string;
  code: number;
}

/**
 * Runs the CLI in-process as `runCli` does (errors printed, exit code set), capturing stdout and stderr. For int
 * tests of the commands against a hub started in the same process.
 */
export async function runInProcess(args: readonly string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const capture = (into: (text: string) => void) => (chunk: string | Uint8Array) => {
    into(chunk.toString());
    return true;
  };
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture((t) => (out += t)));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture((t) => (err += t)));
  const before = process.exitCode;
  process.exitCode = 0;
  try {
    await runCli(['node', 'onceonly', ...args]);
    return { out, err, code: Number(process.exitCode ?? 0) };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
    process.exitCode = before;
  }
}
