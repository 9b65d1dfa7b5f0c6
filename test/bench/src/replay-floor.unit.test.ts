import { describe, expect, it } from 'vitest';
import type { ReplayPart } from './audit-replay.js';
import { replayFloor, replayFloorFigures } from './replay-floor.js';

const part = (seconds: number, main: number): ReplayPart => ({
  name: 'a part',
  events: 5000,
  seconds,
  perSecond: 5000 / seconds,
  cpuSeconds: main,
  mainThreadBusySeconds: main,
  statements: 0,
});
const parts = { bus: part(0.09, 0.08), log: part(0.06, 0.04), withoutBus: part(0.18, 0.17) };

describe('replayFloorFigures', () => {
  it('bounds the replay by its two reads and leaves the rest of twice the bare read for the checks', () => {
    const f = replayFloorFigures(parts, 0.13);
    expect(f.reads).toBeCloseTo(0.15, 10);
    expect(f.bound).toBeCloseTo(0.13 / 0.15, 10);
    expect(f.line).toBeCloseTo(0.26, 10);
    expect(f.leftForChecks).toBeCloseTo(0.11, 10);
    expect(f.logChecks).toBeCloseTo(0.12, 10);
  });

  it('leaves a negative time when the reads alone miss the line', () => {
    expect(replayFloorFigures(parts, 0.07).leftForChecks).toBeLessThan(0);
  });
});

describe('replayFloor', () => {
  it('names every figure and the rounds', () => {
    const text = replayFloor(parts, { seconds: 0.13 }, 3);
    for (const figure of ['medians of 3 rounds', 'bus read 0.09 s', 'pages 0.06 s', '0.15 s', '0.867 ×', '0.26 s']) {
      expect(text).toContain(figure);
    }
    expect(text).toContain('leaves 0.11 s for every check');
    expect(text).toContain('alone take 0.12 s');
  });
});
