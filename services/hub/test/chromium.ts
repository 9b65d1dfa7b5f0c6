/**
 * Debian's Chromium for the hub's browser tests (playwright-core downloads no browser): where it is, whether a test
 * file runs, and its launch. Without Chromium a test file is skipped with a message, except in CI (the `CI` variable
 * set), where its absence fails. Shared by the browser tests rather than copied into each.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** The browser's executable (`ONCEONLY_CHROMIUM` to use another). */
export const CHROMIUM = process.env.ONCEONLY_CHROMIUM ?? '/usr/bin/chromium';

/** Whether Chromium is there for the test file named; throws in CI when it is not, else warns that it skips. */
export function chromiumAvailable(testFile: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI) {
    throw new Error(`${CHROMIUM} is missing: CI must install it (apt-get install -y -qq chromium; .ci/run does)`);
  }
  console.warn(`${testFile}: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  return false;
}

/** Starts Chromium headless (no sandbox: the tests run as root in containers). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}
