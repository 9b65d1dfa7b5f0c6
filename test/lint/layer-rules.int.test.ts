/**
 * The layer rules of biome.json (`noRestrictedImports` overrides) catch a planted violation. Each case writes files
 * into a temporary copy of the repository layout (the same biome.json, the same folder names), runs the repository's
 * Biome on it, and removes it afterwards: nothing is written into the working tree.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIOME = join(ROOT, 'node_modules', '.bin', 'biome');
const RULE = 'lint/style/noRestrictedImports';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'onceonly-layer-rules-'));
  const config = JSON.parse(readFileSync(join(ROOT, 'biome.json'), 'utf8')) as Record<string, unknown>;
  // the copy is not a git checkout: Biome must not look for .gitignore there
  writeFileSync(join(dir, 'biome.json'), JSON.stringify({ ...config, vcs: { enabled: false } }, null, 2));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes `files` (path → text) into the copy and lints them; the exit code and how often the rule fired. */
function lint(files: Record<string, string>): { status: number | null; hits: number; output: string } {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const run = spawnSync(BIOME, ['lint', '--max-diagnostics=100', ...Object.keys(files)], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  const output = `${run.stdout}${run.stderr}`;
  return { status: run.status, hits: output.split(RULE).length - 1, output };
}

describe('a domain file', () => {
  it('fails the lint when it imports I/O, gRPC, the gRPC errors subpath or another layer', () => {
    const result = lint({
      'services/certificate/src/domain/planted-io.ts': [
        "import { readFileSync } from 'node:fs';",
        "import { status } from '@grpc/grpc-js';",
        "import { toServiceError } from '@onceonly/errors/grpc';",
        "import { openDatabase } from '@onceonly/store';",
        "import type { Departments } from '../app/ports.js';",
        'export const planted = [readFileSync, status, toServiceError, openDatabase] as unknown as Departments;',
        '',
      ].join('\n'),
    });
    expect(result.status).not.toBe(0);
    expect(result.hits).toBe(5);
  });

  it('passes with the dependency-free errors root and the identifiers', () => {
    const result = lint({
      'services/certificate/src/domain/planted-pure.ts': [
        "import { AppError } from '@onceonly/errors';",
        "import { validateUscc } from '@onceonly/ids';",
        'export const pure = [AppError, validateUscc];',
        '',
      ].join('\n'),
    });
    expect(result.output).not.toContain(RULE);
    expect(result.status).toBe(0);
  });
});

describe('an app file', () => {
  it('fails the lint when it imports an adapter', () => {
    const result = lint({
      'services/audit/src/app/planted.ts': [
        "import { logReader } from '../adapters/db/audit-store.js';",
        'export const planted = logReader;',
        '',
      ].join('\n'),
    });
    expect(result.status).not.toBe(0);
    expect(result.hits).toBe(1);
  });
});

describe('a service', () => {
  it('fails the lint when it imports another service, by package, subpath or path', () => {
    const result = lint({
      'services/certificate/src/planted.ts': [
        "import { auditModule } from '@onceonly/audit';",
        "import { startAudit } from '../../audit/src/module.js';",
        'export const planted = [auditModule, startAudit];',
        '',
      ].join('\n'),
    });
    expect(result.status).not.toBe(0);
    expect(result.hits).toBe(2);
    const client = lint({
      'services/audit/src/adapters/planted.ts': [
        "import { certificateClient } from '@onceonly/certificate/client';",
        'export const planted = certificateClient;',
        '',
      ].join('\n'),
    });
    expect(client.status).not.toBe(0);
    expect(client.hits).toBe(1);
  });

  it('may be imported by the hub, the composition root', () => {
    const result = lint({
      'services/hub/src/planted.ts': [
        "import { auditModule } from '@onceonly/audit';",
        "import { certificateModule } from '@onceonly/certificate';",
        'export const modules = [certificateModule, auditModule];',
        '',
      ].join('\n'),
    });
    expect(result.output).not.toContain(RULE);
    expect(result.status).toBe(0);
  });
});
