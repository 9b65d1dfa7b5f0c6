import { describe, expect, it } from 'vitest';
import { runInProcess as cli } from '../test/cli-harness.js';
import { EXIT } from './client.js';

describe('runCli usage errors', () => {
  it('under --json prints a missing option as one JSON error on stderr, exit 1', async () => {
    const run = await cli(['--json', 'cert', 'issue']);
    expect(run.code).toBe(EXIT.failed);
    expect(run.out).toBe('');
    expect(JSON.parse(run.err)).toMatchObject({ error: { code: 'INVALID_ARGUMENT', fields: [] } });
  });

  it('without --json leaves the message to commander and keeps its exit code', async () => {
    const run = await cli(['cert', 'issue']);
    expect(run.code).toBe(EXIT.failed);
    expect(run.err).toContain('--type');
    expect(() => JSON.parse(run.err)).toThrow();
  });

  it('ends --help and --version with exit 0', async () => {
    expect((await cli(['--help'])).code).toBe(EXIT.ok);
    expect((await cli(['--version'])).code).toBe(EXIT.ok);
  });
});
