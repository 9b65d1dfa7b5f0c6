import { describe, expect, it } from 'vitest';
import { summariseWaits, waitsCell, waitsPer } from './wait-sampler.js';

describe('summariseWaits', () => {
  it('weighs each sample by the time it stands for, per event, by type and by the largest wait event', () => {
    const w = summariseWaits(
      [
        {
          weightMs: 20,
          rows: [
            { type: 'LWLock', event: 'WALWrite', n: 3 },
            { type: 'IO', event: 'WALSync', n: 1 },
          ],
        },
        {
          weightMs: 30,
          rows: [
            { type: 'Lock', event: 'transactionid', n: 2 },
            { type: 'LWLock', event: 'WALWrite', n: 1 },
          ],
        },
        { weightMs: 50, rows: [] },
      ],
      10,
    );
    // Lock 2 × 30 = 60 ms, LWLock 3 × 20 + 1 × 30 = 90 ms, IO 1 × 20 = 20 ms, over 10 events
    expect(w).toEqual({ samples: 3, lock: 6, lwlock: 9, io: 2, top: { event: 'LWLock:WALWrite', msPerEvent: 9 } });
  });

  it('ignores wait types other than locks and I/O, and has no largest event without a wait', () => {
    const w = summariseWaits([{ weightMs: 25, rows: [{ type: 'Client', event: 'ClientRead', n: 4 }] }], 5);
    expect(w).toEqual({ samples: 1, lock: 0, lwlock: 0, io: 0, top: undefined });
  });
});

describe('waitsCell', () => {
  it('shows the three types, the largest event and the samples; a dash without samples', () => {
    const w = summariseWaits([{ weightMs: 10, rows: [{ type: 'IO', event: 'WALSync', n: 1 }] }], 4);
    expect(waitsCell(w)).toBe('0.000 + 0.000 + 2.500 (most: IO:WALSync 2.500; 1 samples)');
    expect(waitsCell(undefined)).toBe('–');
    expect(waitsCell(summariseWaits([], 4))).toBe('–');
  });
});

describe('waitsPer', () => {
  it('divides waits measured over a whole run by its operations, the largest event with them', () => {
    const run = summariseWaits([{ weightMs: 40, rows: [{ type: 'Lock', event: 'tuple', n: 1 }] }], 1);
    expect(waitsPer(run, 8)).toEqual({
      samples: 1,
      lock: 5,
      lwlock: 0,
      io: 0,
      top: { event: 'Lock:tuple', msPerEvent: 5 },
    });
  });
});
