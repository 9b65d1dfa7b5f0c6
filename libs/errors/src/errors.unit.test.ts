import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AppError, AREAS, ERROR_CODES, isErrorCode, statusNameOf, toAppError } from './index.js';

const SRC = dirname(fileURLToPath(import.meta.url));

/** Every module specifier that `file` imports or re-exports (static and dynamic). */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g);
  return [...found].map((m) => m[1] as string);
}

/** The module graph reachable from `entry` through relative imports: each file with what it imports. */
function moduleGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const visit = (file: string): void => {
    if (graph.has(file)) return;
    const imports = specifiers(file);
    graph.set(file, imports);
    for (const spec of imports.filter((s) => s.startsWith('.')))
      visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
  };
  visit(entry);
  return graph;
}

describe('the root entry point', () => {
  it('imports no package at all, so the domain can load it without gRPC', () => {
    const graph = moduleGraph(join(SRC, 'index.ts'));
    expect(graph.size).toBeGreaterThan(3);
    const bare = [...graph.values()].flat().filter((s) => !s.startsWith('.'));
    expect(bare).toEqual([]);
  });

  it('does not reach the grpc subpath', () => {
    const files = [...moduleGraph(join(SRC, 'index.ts')).keys()];
    expect(files.filter((f) => f.includes(`${join(SRC, 'grpc')}`))).toEqual([]);
  });
});

describe('the codes', () => {
  it("are unique across areas (no area redefines another area's code)", () => {
    const all = Object.values(AREAS).flatMap((area) => Object.keys(area));
    expect(all.length).toBe(new Set(all).size);
    expect(ERROR_CODES.length).toBe(all.length);
  });

  it('name a status for every code and recognise only known codes', () => {
    expect(statusNameOf('CERT_NOT_FOUND')).toBe('NOT_FOUND');
    expect(statusNameOf('AUDIT_BUNDLE_INVALID')).toBe('INVALID_ARGUMENT');
    expect(isErrorCode('SEAL_NOT_ACTIVE')).toBe(true);
    expect(isErrorCode('NO_SUCH_CODE')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
  });
});

describe('toAppError', () => {
  it('wraps foreign errors and keeps the cause', () => {
    const cause = new Error('boom');
    expect(toAppError(cause)).toMatchObject({ code: 'INTERNAL', cause });
    const same = new AppError('NOT_FOUND', 'x');
    expect(toAppError(same)).toBe(same);
  });
});
