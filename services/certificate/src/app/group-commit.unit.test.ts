import { AppError } from '@onceonly/errors';
import { describe, expect, it } from 'vitest';
import { groupCommit, issueNotCommitted, verificationNotRecorded } from './group-commit.js';

/** A write the test settles by hand: each call is one "transaction" holding the items it was given. */
function manualWrites<T>() {
  const calls: { items: readonly T[]; commit: () => void; fail: (err: unknown) => void }[] = [];
  const write = (items: readonly T[]) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ items, commit: resolve, fail: reject });
    });
  return { calls, write };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('groupCommit', () => {
  it('writes a lone item at once, alone', async () => {
    const { calls, write } = manualWrites<number>();
    const group = groupCommit({ write, failure: verificationNotRecorded });
    const done = group.add(1);
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1]]);
    calls[0]!.commit();
    await expect(done).resolves.toBeUndefined();
  });

  it('gathers what arrives while the transactions are busy into the next one, and answers only after its commit', async () => {
    const { calls, write } = manualWrites<number>();
    const group = groupCommit({ write, maxInFlight: 1, failure: verificationNotRecorded });
    const settled: number[] = [];
    const add = (n: number) => group.add(n).then(() => settled.push(n));
    const first = add(1);
    await tick();
    const rest = [2, 3, 4, 5].map(add);
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1]]); // 2–5 wait: the one transaction is busy
    calls[0]!.commit();
    await first;
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1], [2, 3, 4, 5]]);
    expect(settled).toEqual([1]); // 2–5 are not answered before their own commit
    calls[1]!.commit();
    await Promise.all(rest);
    expect(settled).toEqual([1, 2, 3, 4, 5]);
    expect(group.stats()).toEqual({ groups: 2, items: 5, failedGroups: 0 });
  });

  it('the callers of one tick join one group', async () => {
    const { calls, write } = manualWrites<number>();
    const group = groupCommit({ write, failure: verificationNotRecorded });
    const all = [1, 2, 3].map((n) => group.add(n));
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1, 2, 3]]);
    calls[0]!.commit();
    await Promise.all(all);
  });

  it('never puts more than maxBatch items in a group, and runs up to maxInFlight transactions', async () => {
    const { calls, write } = manualWrites<number>();
    const group = groupCommit({ write, maxBatch: 2, maxInFlight: 2, failure: verificationNotRecorded });
    const all = [1, 2, 3, 4, 5].map((n) => group.add(n));
    await tick();
    expect(calls.map((c) => c.items)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    calls[0]!.commit();
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1, 2], [3, 4], [5]]);
    calls[1]!.commit();
    calls[2]!.commit();
    await Promise.all(all);
  });

  it('starts a write beside one in flight only for a group of minBatchBeside items; a smaller one waits for it', async () => {
    const { calls, write } = manualWrites<number>();
    const group = groupCommit({ write, maxInFlight: 3, minBatchBeside: 3, failure: verificationNotRecorded });
    const settled: number[] = [];
    const add = (n: number) => group.add(n).then(() => settled.push(n));
    const first = add(1); // nothing in flight: written at once, alone
    await tick();
    const small = [add(2), add(3)];
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1]]); // two items wait beside the write in flight
    const burst = add(4); // a later tick: the group reaches three, which gets a write of its own
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1], [2, 3, 4]]);
    const late = add(5);
    await tick();
    calls[0]!.commit();
    await first;
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1], [2, 3, 4]]); // a free slot, but a write in flight: 5 waits
    calls[1]!.commit();
    await Promise.all([...small, burst]);
    await tick();
    expect(calls.map((c) => c.items)).toEqual([[1], [2, 3, 4], [5]]); // nothing in flight: written at once
    calls[2]!.commit();
    await late;
    expect(settled).toEqual([1, 2, 3, 4, 5]);
  });

  it('a failed commit fails every caller of that group with a coded error, and no caller of another group', async () => {
    const { calls, write } = manualWrites<number>();
    const group = groupCommit({ write, maxInFlight: 1, failure: verificationNotRecorded });
    const first = group.add(1);
    await tick();
    const second = [2, 3].map((n) => group.add(n));
    await tick();
    calls[0]!.fail(new AppError('DB_UNAVAILABLE', 'connection lost'));
    const error = await first.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toMatchObject({
      code: 'CERT_VERIFICATION_NOT_RECORDED',
      details: { meta: { causeCode: 'DB_UNAVAILABLE', groupSize: '1' } },
    });
    await tick();
    expect(calls[1]!.items).toEqual([2, 3]); // the next group still goes
    calls[1]!.commit();
    await expect(Promise.all(second)).resolves.toEqual([undefined, undefined]);
    expect(group.stats()).toEqual({ groups: 1, items: 2, failedGroups: 1 });
  });

  it('fails the whole group together (none of it answered valid) when its transaction fails', async () => {
    const { calls, write } = manualWrites<string>();
    const group = groupCommit({ write, failure: verificationNotRecorded });
    const settled = Promise.allSettled(['a', 'b', 'c'].map((x) => group.add(x)));
    await tick();
    calls[0]!.fail(new Error('commit refused'));
    const results = await settled;
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const r of results) {
      expect((r as PromiseRejectedResult).reason).toMatchObject({
        code: 'CERT_VERIFICATION_NOT_RECORDED',
        details: { meta: { causeCode: 'UNKNOWN', groupSize: '3' } },
      });
    }
  });

  it('idle resolves once nothing waits or is in flight', async () => {
    const { calls, write } = manualWrites<number>();
    const group = groupCommit({ write, failure: verificationNotRecorded });
    await group.idle();
    const added = group.add(1);
    let idle = false;
    const waiting = group.idle().then(() => {
      idle = true;
    });
    await tick();
    expect(idle).toBe(false);
    calls[0]!.commit();
    await added;
    await waiting;
    expect(idle).toBe(true);
  });

  it('refuses a batch or concurrency below 1', () => {
    expect(() => groupCommit({ write: async () => {}, minBatchBeside: 0, failure: verificationNotRecorded })).toThrow(
      RangeError,
    );
    expect(() => groupCommit({ write: async () => {}, maxBatch: 0, failure: verificationNotRecorded })).toThrow(
      RangeError,
    );
  });

  it("resolves each caller with its own item's result from the write", async () => {
    const group = groupCommit<number, string>({
      write: async (items) => items.map((n) => `done ${n}`),
      failure: verificationNotRecorded,
    });
    expect(await Promise.all([1, 2, 3].map((n) => group.add(n)))).toEqual(['done 1', 'done 2', 'done 3']);
  });

  it('fails the group when the write returns a result count that does not match', async () => {
    const group = groupCommit<number, string>({ write: async () => ['one'], failure: issueNotCommitted });
    const settled = await Promise.allSettled([group.add(1), group.add(2)]);
    for (const s of settled)
      expect(s).toMatchObject({ status: 'rejected', reason: { code: 'CERT_ISSUE_NOT_COMMITTED' } });
  });
});
