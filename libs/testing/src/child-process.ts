import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** How a script run in a child process ended, and what it printed. */
export interface ScriptRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a Node script in a child process (for fault tests: the script kills itself at a chosen point, or is killed),
 * with the test's environment plus `env`; a script still running after `killAfterMs` (default 50 s) is SIGKILLed.
 */
export function runNodeScript(
  script: string,
  options: { cwd: string; env?: Record<string, string>; killAfterMs?: number },
): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { cwd: options.cwd, env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 50_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * Builds `libs/<name>/dist` of each package with tsc, for scripts that a child process runs on the built code (tests
 * themselves run on the sources). tsc emits even when another package's types complain; a missing `dist/index.js`
 * afterwards throws.
 */
export function buildLibsDist(repoRoot: string, packages: readonly string[]): void {
  for (const pkg of packages) {
    const dir = join(repoRoot, 'libs', pkg);
    spawnSync(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
      cwd: dir,
      stdio: 'ignore',
      timeout: 120_000,
    });
    if (!existsSync(join(dir, 'dist/index.js')))
      throw new Error(`libs/${pkg}/dist/index.js is missing after the build`);
  }
}
