import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources in tests (the "onceonly-source" export condition),
// so tests never run stale dist/ output.
const conditions = ['onceonly-source', 'module', 'node', 'development|production'];
const resolve = { conditions };

export default defineConfig({
  resolve,
  ssr: { resolve: { conditions, externalConditions: ['onceonly-source'] } },
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
