import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources in tests (the "onceonly-source" export condition),
// so tests never run stale dist/ output.
const conditions = ['onceonly-source', 'module', 'node', 'development|production'];
const resolve = { conditions };
const serverConditions = conditions.filter((condition) => condition !== 'module');

export default defineConfig({
  resolve,
  // without `module` on the server side: Node runs the dependencies as it does outside the tests (OpenTelemetry's
  // `module` builds import without file extensions, for bundlers: ADR 035)
  ssr: { resolve: { conditions: serverConditions, externalConditions: ['onceonly-source'] } },
  test: {
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['{libs,services,test}/**/*.unit.test.ts'], sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: 'int',
          include: ['{libs,services,test}/**/*.{int,e2e}.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
          globalSetup: ['libs/testing/src/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Two cores: a few files at a time against one broker and one PostgreSQL.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
