import { createRootCa, encryptPrivateKey, generateKeyPair, issueSealCertificate, sealKid } from '@onceonly/seal';
import type { Queryable } from '@onceonly/store';
import { describe, expect, it } from 'vitest';
import type { SealRecord } from '../../domain/seals/seal.js';
import type { SealDeps, SealStore } from './ports.js';
import { StoredSealKeys } from './seal-keys.js';

// Real certificates (no I/O): a root and one seal, so that the snapshot's trust bundle parses as in production.
const now = new Date('2025-06-01T00:00:00Z');
const ca = createRootCa({ commonName: 'Test Root', organisation: 'Test', validityYears: 5, clock: () => now });
const sealKeys = generateKeyPair();
const PASSPHRASE = 'unit-test passphrase';
const certificatePem = issueSealCertificate({
  ca,
  sealId: '3101070000001',
  department: { code: '11310107002429311T', name: '上海市普陀区市场监督管理局', division: '310107' },
  sealName: '上海市普陀区市场监督管理局行政许可专用章',
  sealType: '行政许可专用章',
  validFrom: now,
  validTo: new Date('2027-01-01T00:00:00Z'),
  publicKey: sealKeys.publicKey,
});
const kid = sealKid(certificatePem);

/** The store as the keys read it: a version, the roots and the seals; counts the reads; a version read may be held. */
function memoryStore() {
  let version = 1;
  let seal = {
    kid,
    certificatePem,
    status: 'active',
    compromisedAt: undefined,
    departmentCode: '11310107002429311T',
    kind: 'licensing',
    validFrom: now,
    validTo: new Date('2027-01-01T00:00:00Z'),
    encryptedKeyPem: encryptPrivateKey(sealKeys.privateKey, PASSPHRASE),
  } as unknown as SealRecord;
  const reads = { version: 0, seals: 0, current: 0 };
  let hold: Promise<void> | undefined;
  let holdSeals: Promise<void> | undefined;
  const store = {
    async bundleVersion() {
      reads.version++;
      const read = String(version); // read now, answered when the hold is released (a slow query)
      if (hold) await hold;
      return read;
    },
    async roots() {
      return [{ fingerprintSha256: 'root', certificatePem: ca.certPem }];
    },
    async currentSeal() {
      reads.current++;
      return { seal, issuerPem: ca.certPem };
    },
    async allSeals() {
      reads.seals++;
      const read = [seal]; // the rows as they are now, answered when a held read is released
      const held = holdSeals;
      holdSeals = undefined;
      if (held) await held;
      return read;
    },
  } as unknown as SealStore;
  return {
    store,
    reads,
    revoke(at: Date) {
      seal = { ...seal, status: 'revoked', compromisedAt: at };
      version++;
    },
    /** Holds the next read of the seals (taken as they are now) until released. */
    holdNextSealsRead() {
      let release = () => {};
      holdSeals = new Promise((resolve) => {
        release = resolve;
      });
      return release;
    },
    holdVersionReads() {
      let release = () => {};
      hold = new Promise((resolve) => {
        release = resolve;
      });
      return () => {
        hold = undefined;
        release();
      };
    },
  };
}

const keysOver = (store: SealStore, recheckMs: number) =>
  new StoredSealKeys({} as Queryable, { store, passphrase: PASSPHRASE } as unknown as SealDeps, { recheckMs });

describe('StoredSealKeys.verificationTrust (the verification cache, ADR 012)', () => {
  it('serves concurrent and later calls from one read while the snapshot is fresh', async () => {
    const memory = memoryStore();
    const keys = keysOver(memory.store, 60_000);
    const all = await Promise.all(Array.from({ length: 20 }, () => keys.verificationTrust()));
    await keys.verificationTrust();
    expect(memory.reads).toEqual({ version: 1, seals: 1, current: 0 });
    expect(new Set(all).size).toBe(1);
    expect(all[0]?.trustBundle.seals.has(kid)).toBe(true);
    expect(all[0]?.sealStatus(kid)).toBeUndefined();
  });

  it('past the recheck time asks for the version only, and reloads only when it changed', async () => {
    const memory = memoryStore();
    const keys = keysOver(memory.store, 0);
    await keys.verificationTrust();
    await keys.verificationTrust();
    expect(memory.reads).toEqual({ version: 2, seals: 1, current: 0 });
    const revokedAt = new Date('2025-07-01T00:00:00Z');
    memory.revoke(revokedAt); // as another replica would: this process is not told
    const trust = await keys.verificationTrust();
    expect(memory.reads).toEqual({ version: 3, seals: 2, current: 0 });
    expect(trust.sealStatus(kid)).toEqual({ revokedAt });
  });

  it('a change in this process (forget) is seen by the next call, however fresh the snapshot', async () => {
    const memory = memoryStore();
    const keys = keysOver(memory.store, 60_000);
    await keys.verificationTrust();
    const revokedAt = new Date('2025-07-01T00:00:00Z');
    memory.revoke(revokedAt);
    keys.forget(kid); // what the revoke use case calls once its transaction committed
    expect((await keys.verificationTrust()).sealStatus(kid)).toEqual({ revokedAt });
  });

  it('a check that began before a change neither serves the calls after it nor stores what it read', async () => {
    const memory = memoryStore();
    const keys = keysOver(memory.store, 60_000);
    const release = memory.holdNextSealsRead();
    const early = keys.verificationTrust(); // reads the seals before the revocation, and is held there
    await new Promise((resolve) => setImmediate(resolve));
    const revokedAt = new Date('2025-07-01T00:00:00Z');
    memory.revoke(revokedAt);
    keys.forget(kid); // the revocation returned
    const late = keys.verificationTrust(); // starts after it: must not join the early check
    release();
    expect((await early).sealStatus(kid)).toBeUndefined(); // began before: answers the old state
    expect((await late).sealStatus(kid)).toEqual({ revokedAt });
    expect((await keys.verificationTrust()).sealStatus(kid)).toEqual({ revokedAt }); // nothing stale was stored
  });

  it('a change during a check on a long recheck time leaves no stale snapshot behind', async () => {
    const memory = memoryStore();
    const keys = keysOver(memory.store, 60_000);
    const release = memory.holdVersionReads();
    const early = keys.verificationTrust();
    const revokedAt = new Date('2025-07-01T00:00:00Z');
    memory.revoke(revokedAt);
    keys.forget(kid);
    release();
    await early;
    // the early check read version 1 before the change: had it stored that, this would answer unrevoked for a minute
    expect((await keys.verificationTrust()).sealStatus(kid)).toEqual({ revokedAt });
  });
});

describe('StoredSealKeys.activeSigner (the current seal cached, ADR 014)', () => {
  const DEPARTMENT = '11310107002429311T';
  const at = new Date('2025-06-02T00:00:00Z');

  it('reads the current seal once while the bundle version is fresh, and signs with its key', async () => {
    const memory = memoryStore();
    const keys = keysOver(memory.store, 60_000);
    const signers = await Promise.all(Array.from({ length: 5 }, () => keys.activeSigner(DEPARTMENT, 'licensing', at)));
    const again = await keys.activeSigner(DEPARTMENT, 'licensing', at);
    expect(again.kid).toBe(kid);
    expect(new Set([...signers, again]).size).toBe(1);
    expect(memory.reads.version).toBe(1);
    expect(memory.reads.current).toBeLessThanOrEqual(5); // the calls of the first tick may each read; later ones not
    const before = memory.reads.current;
    await keys.activeSigner(DEPARTMENT, 'licensing', at);
    expect(memory.reads.current).toBe(before);
  });

  it('a seal revoked by another replica stops signing once the version check sees it', async () => {
    const memory = memoryStore();
    const keys = keysOver(memory.store, 0); // every call past the recheck time: asks for the version
    await keys.activeSigner(DEPARTMENT, 'licensing', at);
    memory.revoke(new Date('2025-06-01T12:00:00Z')); // as another replica would: this process is not told
    await expect(keys.activeSigner(DEPARTMENT, 'licensing', at)).rejects.toMatchObject({ code: 'SEAL_REVOKED' });
  });

  it('within the recheck time, a revocation in this process (forget) is seen by the next call', async () => {
    const memory = memoryStore();
    const keys = keysOver(memory.store, 60_000);
    await keys.activeSigner(DEPARTMENT, 'licensing', at);
    memory.revoke(new Date('2025-06-01T12:00:00Z'));
    keys.forget(kid); // what the revoke use case calls once its transaction committed
    await expect(keys.activeSigner(DEPARTMENT, 'licensing', at)).rejects.toMatchObject({ code: 'SEAL_REVOKED' });
  });

  it('checks the validity against the time of each call, from the cached seal', async () => {
    const memory = memoryStore();
    const keys = keysOver(memory.store, 60_000);
    await keys.activeSigner(DEPARTMENT, 'licensing', at);
    await expect(keys.activeSigner(DEPARTMENT, 'licensing', new Date('2027-06-01T00:00:00Z'))).rejects.toMatchObject({
      code: 'SEAL_EXPIRED',
    });
  });
});
