import { AppError } from '@onceonly/errors';
import {
  decryptPrivateKey,
  LocalKeySigner,
  parseTrustBundle,
  type SealStatus,
  type Signer,
  type TrustBundle,
  trustBundlePem,
} from '@onceonly/seal';
import type { Queryable } from '@onceonly/store';
import { effectiveSealStatus, type SealRecord, type SigningSealKind } from '../../domain/seals/seal.js';
import type { SealDeps, SealWithIssuer, TrustRoot } from './ports.js';

/**
 * What the certificate core needs from seals: a signer for a department's active seal, the revocation time of a
 * seal, and the trust bundle.
 */
export interface SealKeys {
  /**
   * The active seal of a department of the given kind ('licensing' for ordinary licences, 'industry-licence' for
   * 行业综合许可证), as a Signer (kid, alg ES256, x5c [seal cert, CA]).
   * @throws AppError SEAL_NOT_FOUND (no seal of that kind), SEAL_REVOKED (its latest seal is revoked),
   *   SEAL_EXPIRED / SEAL_NOT_YET_VALID (outside the seal certificate's validity at `at`), KEY_DECRYPT_FAILED.
   */
  activeSigner(departmentCode: string, kind: SigningSealKind, at: Date): Promise<Signer>;
  /** For verification: the revocation (compromise) time of a seal by kid, if revoked; undefined otherwise. */
  sealStatus(kid: string): Promise<{ revokedAt?: Date } | undefined>;
  /** PEM: the root CA plus every seal certificate (active, rotated and revoked), for offline verification. */
  trustBundle(): Promise<string>;
  /**
   * What an online verification needs, from memory: the parsed trust bundle and the seals' revocations. A change
   * made in this process is seen by every call that starts after it returned; one made by another process within
   * {@link TRUST_RECHECK_MS} (docs/adr/012-verification-group-commit-and-caches.md).
   */
  verificationTrust(): Promise<VerificationTrust>;
}

/** The seals as a verification sees them: one consistent snapshot. */
export interface VerificationTrust {
  /** Parsed once per bundle version (`verifySealedJws` caches chains and keys per TrustBundle object). */
  readonly trustBundle: TrustBundle;
  /** The compromise time of a revoked seal by kid; undefined for any other kid. */
  sealStatus(kid: string): SealStatus | undefined;
}

/**
 * How long a verification trusts the cached seal state without asking the store whether it changed (one cheap
 * version query, shared by the calls waiting for it). Changes made in this process drop the cache at once; this
 * bounds how late a revocation made by another replica is seen.
 */
export const TRUST_RECHECK_MS = 1_000;

/** The trust bundle with what it is made of. */
export interface TrustBundleView {
  /** Every root the hub has used, oldest first; the current one is the hub's CA. */
  readonly roots: readonly TrustRoot[];
  readonly seals: readonly SealRecord[];
  /** Roots first, then seals, as one PEM text (`openssl verify -CAfile` reads it). */
  readonly pem: string;
}

/** Decrypted signers kept at most: seals are few, this only bounds a misuse. */
const SIGNER_CACHE_LIMIT = 1024;

/**
 * {@link SealKeys} over the seal store. Keys are decrypted on first use and the signer kept in memory per kid. Which
 * seal is current (and its state) is kept in memory too, checked against the store's bundle version at most every
 * {@link TRUST_RECHECK_MS}: a rotation or revocation made in this process takes effect at once ({@link forget}),
 * one made by another replica within that period plus one version query (ADR 014).
 */
export class StoredSealKeys implements SealKeys {
  readonly #db: Queryable;
  readonly #deps: SealDeps;
  readonly #signers = new Map<string, Signer>();
  readonly #recheckMs: number;
  #bundle: { version: string; view: TrustBundleView } | undefined;
  /** The verification snapshot, its version, and when (monotonic ms) the store last confirmed it. */
  #trust: { version: string; checkedAt: number; trust: VerificationTrust } | undefined;
  /** The check in flight, shared by the calls that need it. */
  #checking: Promise<VerificationTrust> | undefined;
  /** Bumped by {@link forget}: a check that began before a change never stores what it read. */
  #generation = 0;
  /** The current seal of each department and kind (`code kind`), as read from the store. */
  readonly #current = new Map<string, SealWithIssuer>();
  /** The bundle version the current seals were read at, and when (monotonic ms) the store last confirmed it. */
  #currentConfirmed: { version: string; checkedAt: number } | undefined;
  #confirming: Promise<void> | undefined;

  /** @param options.recheckMs how long the verification snapshot is trusted unchecked; {@link TRUST_RECHECK_MS}. */
  constructor(db: Queryable, deps: SealDeps, options: { recheckMs?: number } = {}) {
    this.#db = db;
    this.#deps = deps;
    this.#recheckMs = options.recheckMs ?? TRUST_RECHECK_MS;
  }

  verificationTrust(): Promise<VerificationTrust> {
    const cached = this.#trust;
    if (cached !== undefined && performance.now() - cached.checkedAt < this.#recheckMs) {
      return Promise.resolve(cached.trust);
    }
    if (this.#checking === undefined) {
      const checking = this.#checkTrust();
      this.#checking = checking;
      const done = () => {
        if (this.#checking === checking) this.#checking = undefined;
      };
      checking.then(done, done);
    }
    return this.#checking;
  }

  /** Asks the store for the version; reloads the bundle and revocations only when it changed. */
  async #checkTrust(): Promise<VerificationTrust> {
    const generation = this.#generation;
    const startedAt = performance.now(); // the snapshot is as old as the start of the read that confirms it
    const version = await this.#deps.store.bundleVersion(this.#db);
    const cached = this.#trust;
    let trust: VerificationTrust;
    if (cached?.version === version) {
      trust = cached.trust;
    } else {
      const view = await this.#viewOf(version);
      trust = verificationTrustOf(view);
    }
    if (generation === this.#generation) this.#trust = { version, checkedAt: startedAt, trust };
    return trust;
  }

  async activeSigner(departmentCode: string, kind: SigningSealKind, at: Date): Promise<Signer> {
    const current = await this.#currentSeal(departmentCode, kind);
    if (!current) {
      throw new AppError('SEAL_NOT_FOUND', `the department has no ${kind} seal`, {
        details: { meta: { departmentCode, kind } },
      });
    }
    assertSigns(current.seal, at);
    return this.#signer(current);
  }

  /**
   * The current seal of a department and kind, from memory while the store's bundle version is unchanged: a change
   * made in this process drops it at once ({@link forget}); one made by another replica is seen once the version
   * check (every {@link TRUST_RECHECK_MS}, one statement shared by the calls that wait for it) finds it (ADR 014).
   */
  async #currentSeal(departmentCode: string, kind: SigningSealKind): Promise<SealWithIssuer | undefined> {
    await this.#confirmCurrent();
    const key = `${departmentCode} ${kind}`;
    const cached = this.#current.get(key);
    if (cached !== undefined) return cached;
    const generation = this.#generation;
    const current = await this.#deps.store.currentSeal(this.#db, departmentCode, kind);
    if (current !== undefined && generation === this.#generation && this.#currentConfirmed !== undefined) {
      if (this.#current.size >= SIGNER_CACHE_LIMIT) this.#current.clear();
      this.#current.set(key, current);
    }
    return current;
  }

  /** Drops the current seals when the store's bundle version moved; asks at most every recheck period. */
  #confirmCurrent(): Promise<void> {
    const confirmed = this.#currentConfirmed;
    if (confirmed !== undefined && performance.now() - confirmed.checkedAt < this.#recheckMs) return Promise.resolve();
    if (this.#confirming === undefined) {
      const generation = this.#generation;
      const startedAt = performance.now();
      const confirming = this.#deps.store.bundleVersion(this.#db).then((version) => {
        if (generation !== this.#generation) return;
        if (this.#currentConfirmed?.version !== version) this.#current.clear();
        this.#currentConfirmed = { version, checkedAt: startedAt };
      });
      this.#confirming = confirming;
      const done = () => {
        if (this.#confirming === confirming) this.#confirming = undefined;
      };
      confirming.then(done, done);
    }
    return this.#confirming;
  }

  async sealStatus(kid: string): Promise<{ revokedAt?: Date } | undefined> {
    const compromisedAt = await this.#deps.store.compromiseTime(this.#db, kid);
    return compromisedAt === undefined ? undefined : { revokedAt: compromisedAt };
  }

  async trustBundle(): Promise<string> {
    return (await this.bundle()).pem;
  }

  /** The bundle and its parts; rebuilt only when a seal or a root changed since the last call. */
  async bundle(): Promise<TrustBundleView> {
    return this.#viewOf(await this.#deps.store.bundleVersion(this.#db));
  }

  /** The bundle of `version` (read after it: its contents are at least that new). */
  async #viewOf(version: string): Promise<TrustBundleView> {
    if (this.#bundle?.version === version) return this.#bundle.view;
    const roots = await this.#deps.store.roots(this.#db);
    const seals = await this.#deps.store.allSeals(this.#db);
    const pem = trustBundlePem([...roots.map((r) => r.certificatePem), ...seals.map((s) => s.certificatePem)]);
    const view = { roots, seals, pem };
    this.#bundle = { version, view };
    return view;
  }

  /**
   * Drops what is cached about a seal, after it changed state (called when the change has committed, before the use
   * case returns): the next verification asks the store again, and a check already in flight stores nothing.
   */
  forget(kid: string): void {
    this.#signers.delete(kid);
    this.#bundle = undefined;
    this.#generation++;
    this.#trust = undefined;
    this.#checking = undefined;
    this.#current.clear();
    this.#currentConfirmed = undefined;
    this.#confirming = undefined;
  }

  #signer({ seal, issuerPem }: SealWithIssuer): Signer {
    const cached = this.#signers.get(seal.kid);
    if (cached) return cached;
    const signer = new LocalKeySigner({
      privateKey: decryptPrivateKey(seal.encryptedKeyPem, this.#deps.passphrase),
      certificatePem: seal.certificatePem,
      caCertificatePem: issuerPem,
    });
    if (this.#signers.size >= SIGNER_CACHE_LIMIT) this.#signers.clear();
    this.#signers.set(seal.kid, signer);
    return signer;
  }
}

/** The verification snapshot of a bundle: parsed once, revocations by kid from the same rows. */
function verificationTrustOf(view: TrustBundleView): VerificationTrust {
  const trustBundle = parseTrustBundle(view.pem);
  const revoked = new Map<string, SealStatus>();
  for (const seal of view.seals) {
    if (seal.status === 'revoked' && seal.compromisedAt !== undefined) {
      revoked.set(seal.kid, { revokedAt: seal.compromisedAt });
    }
  }
  return { trustBundle, sealStatus: (kid) => revoked.get(kid) };
}

/** Throws unless the seal may sign at `at`: active, and within its certificate's validity. */
function assertSigns(seal: SealRecord, at: Date): void {
  const meta = { kid: seal.kid, departmentCode: seal.departmentCode, kind: seal.kind };
  const status = effectiveSealStatus(seal, at);
  if (status === 'revoked') {
    throw new AppError('SEAL_REVOKED', 'the seal is revoked: create a new seal', { details: { meta } });
  }
  if (status === 'expired') {
    throw new AppError('SEAL_EXPIRED', 'the seal has expired: rotate it', { details: { meta } });
  }
  if (status === 'rotated') {
    // currentSeal returns a rotated seal only when its successor is gone, which the store does not allow
    throw new AppError('SEAL_NOT_FOUND', 'the department has no active seal of this kind', { details: { meta } });
  }
  if (at.getTime() < seal.validFrom.getTime()) {
    throw new AppError('SEAL_NOT_YET_VALID', 'the seal is not yet valid', { details: { meta } });
  }
}
