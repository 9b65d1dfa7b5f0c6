import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// kafkajs 2.2.4 re-armed a 1 ms timer forever on idle connections (kafkajs#1556); patches/kafkajs+2.2.4.patch,
// applied by `npm ci` (postinstall: patch-package), stops it. This test fails when the patch is not applied.
const require = createRequire(import.meta.url);
const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as new (
  options: Record<string, unknown>,
) => { scheduleCheckPendingRequests(): void; throttleCheckTimeoutId: unknown; pending: unknown[] };

const silent = { debug() {}, info() {}, warn() {}, error() {} };

function queue() {
  return new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 1000, clientId: 't', broker: 'b', logger: silent });
}

describe('kafkajs request queue (patched)', () => {
  it('arms no timer when nothing is pending', () => {
    const q = queue();
    q.scheduleCheckPendingRequests();
    expect(q.throttleCheckTimeoutId ?? null).toBeNull();
  });

  it('still schedules a check when requests wait', () => {
    const q = queue();
    q.pending.push({});
    q.scheduleCheckPendingRequests();
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    clearTimeout(q.throttleCheckTimeoutId as NodeJS.Timeout);
  });
});
