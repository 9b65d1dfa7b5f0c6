// Builds the hub's pages (ADR 037) into dist/pages: the two pages' scripts bundled by esbuild for browsers from
// src/pages/*.ts (which import the verification rules from @onceonly/certificate/web and @onceonly/seal/web, not a
// copy), and the static files of pages/ copied. Run by the hub's build.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const hub = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(hub, 'dist', 'pages');
mkdirSync(out, { recursive: true });
for (const file of readdirSync(join(hub, 'pages'))) copyFileSync(join(hub, 'pages', file), join(out, file));

// Modules of the shared packages that the browser code never reaches at run time still import node builtins at
// their top (a package's other functions need them): they resolve to an empty module, and a call would throw
// "not a function". Which ones were stubbed is printed, so that a new one is seen.
const stubbed = new Set();
const nodeStub = {
  name: 'node-builtins-stub',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => {
      stubbed.add(args.path);
      return { path: args.path, namespace: 'node-stub' };
    });
    b.onLoad({ filter: /.*/, namespace: 'node-stub' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

await build({
  entryPoints: { verify: join(hub, 'src/pages/verify.ts'), platform: join(hub, 'src/pages/platform.ts') },
  outdir: out,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome111', 'firefox113', 'safari16.4'],
  conditions: ['onceonly-source'],
  minify: true,
  sourcemap: false,
  legalComments: 'linked',
  inject: [join(hub, 'src/pages/buffer-shim.ts')],
  plugins: [nodeStub],
  logLevel: 'warning',
});
console.log(
  `pages built into dist/pages (node builtins left out of the bundle: ${[...stubbed].sort().join(', ') || 'none'})`,
);
