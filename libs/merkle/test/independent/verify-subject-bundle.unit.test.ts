import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { type SubjectBundle, verifySubjectBundle } from '../../src/subject-bundle.js';
import { buildSubjectLog, bundleJson, bundleOf, type SubjectLog } from '../subject-fixtures.js';
import { CORPUS_SUBJECTS, TAMPERING_CORPUS } from '../tampering-corpus.js';

const SCRIPT = fileURLToPath(new URL('./verify-subject-bundle.mjs', import.meta.url));

/** Runs the independent script as its own process on the bundle's JSON; returns its verdict and exit code. */
function independent(input: string): { verdict: unknown; status: number | null } {
  const run = spawnSync(process.execPath, [SCRIPT], { input, encoding: 'utf8' });
  return { verdict: JSON.parse(run.stdout), status: run.status };
}

describe('the independent verifier (node:crypto only, no project code)', () => {
  let log: SubjectLog;
  let a: SubjectBundle;
  beforeAll(async () => {
    log = await buildSubjectLog(CORPUS_SUBJECTS, 3);
    a = await bundleOf(log, 'A');
  });

  it('imports nothing but node built-ins', () => {
    const imports = [...readFileSync(SCRIPT, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(imports.length).toBeGreaterThan(0);
    for (const spec of imports) expect(spec).toMatch(/^node:/);
  });

  it.each(['A', 'B', 'C', 'never mentioned'])('accepts the complete bundle of %s, as the library does', async (s) => {
    const bundle = await bundleOf(log, s);
    const { verdict, status } = independent(JSON.stringify(bundleJson(bundle)));
    expect(verdict).toEqual(verifySubjectBundle(bundle));
    expect(verdict).toMatchObject({ ok: true });
    expect(status).toBe(0);
  });

  it.each(TAMPERING_CORPUS)('refuses a bundle with %s, for the same reason as the library', (_, tamper, expected) => {
    const bundle = tamper(a, log);
    const { verdict, status } = independent(JSON.stringify(bundleJson(bundle)));
    expect(verifySubjectBundle(bundle)).toMatchObject({ ok: false, reason: expected });
    expect(verdict).toEqual({ ok: false, reason: expected });
    expect(status).toBe(1);
  });

  it.each([
    ['text that is not JSON', '{'],
    ['a null map proof', JSON.stringify({ checkpoint: 'o\n1\nx\n', subject: 'A', entries: [], mapProof: null })],
    ['a null entry', JSON.stringify({ checkpoint: 'o\n1\nx\n', subject: 'A', entries: [null], mapProof: {} })],
    [
      'an entry without a leaf hash',
      JSON.stringify({ checkpoint: 'o\n1\nx\n', subject: 'A', entries: [{ index: 0 }], mapProof: {} }),
    ],
  ])('refuses %s as malformed', (_, input) => {
    expect(independent(input)).toEqual({ verdict: { ok: false, reason: 'BUNDLE_MALFORMED' }, status: 1 });
  });
});
