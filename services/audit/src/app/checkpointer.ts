import type { Logger } from '@onceonly/kit';
import { formatCheckpoint, type NoteSigner, signNote, subjectMapExtension } from '@onceonly/merkle';
import { type CheckpointPolicy, checkpointDue, type LastCheckpoint } from '../domain/checkpoint-policy.js';
import { keyRotationExtension } from '../domain/key-rotation.js';
import type { SubjectMapPort } from './ports.js';
import { updateSubjectMap } from './update-subject-map.js';

/** A checkpoint the log signed. */
export interface SignedCheckpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
  /** The C2SP signed note (text, blank line, the log's signature line). */
  readonly note: string;
  readonly createdAt: Date;
}

/** What the checkpointer reads and writes in one transaction. */
export interface CheckpointTx {
  head(): Promise<{ size: number; root: Uint8Array }>;
  /** Locks the tree head until the transaction ends (appends wait) and reads it: the size the checkpoint signs. */
  lockHead(): Promise<{ size: number; root: Uint8Array }>;
  /** The subject map's storage, in this transaction. */
  readonly subjectMap: SubjectMapPort;
  latest(): Promise<LastCheckpoint | undefined>;
  /** Stores the checkpoint and its event (in the outbox); false if another instance stored that size first. */
  save(checkpoint: SignedCheckpoint): Promise<boolean>;
  /** Records that `verifierKey` signs the log's checkpoints from `fromSize` on (audit.log_keys). */
  keySigns?(verifierKey: string, fromSize: number): Promise<void>;
}

/** A key rotation to announce: the log's previous key and the vkey of the new one (the checkpointer's signer). */
export interface KeyRotation {
  readonly previous: NoteSigner & { readonly verifierKey: string };
  readonly verifierKey: string;
}

/** Options of {@link Checkpointer}. */
export interface CheckpointerOptions {
  readonly origin: string;
  readonly signer: NoteSigner;
  /**
   * Announce a new key: the next checkpoint is signed by `previous` and `signer` and carries the
   * `onceonly-key-rotation <vkey>` line, so a verifier that holds the previous key can follow; then `signer` alone.
   */
  readonly rotation?: KeyRotation;
  readonly policy: CheckpointPolicy;
  readonly transaction: <T>(fn: (tx: CheckpointTx) => Promise<T>) => Promise<T>;
  readonly clock: () => Date;
  readonly log: Logger;
  /** Called after a checkpoint committed (the module kicks its outbox relay). */
  readonly onSigned?: (checkpoint: SignedCheckpoint) => void;
  /** Extra upkeep on every tick (the module warns about sequence gaps that stay open). */
  readonly onTick?: () => Promise<void>;
  /** How often the time rule is checked (default: min(everyMs, 1 s)). */
  readonly tickMs?: number;
}

/**
 * Signs a checkpoint of the current tree: the C2SP `tlog-checkpoint` body as a signed note, with its extension
 * lines (the `onceonly-subject-map` line) signed with the rest.
 */
export async function signCheckpoint(
  origin: string,
  signer: NoteSigner | readonly NoteSigner[],
  head: { size: number; root: Uint8Array },
  at: Date,
  extensions: readonly string[] = [],
): Promise<SignedCheckpoint> {
  const body = formatCheckpoint({ origin, size: head.size, root: head.root, extensions: [...extensions] });
  return { origin, size: head.size, root: head.root, note: await signNote(body, signer), createdAt: at };
}

/**
 * Signs checkpoints when they are due (see {@link checkpointDue}): on a timer for the time rule, and when kicked
 * after appends for the entry-count rule. One tick at a time; a kick during a tick runs one more after it.
 */
export class Checkpointer {
  readonly #o: CheckpointerOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = true;
  #lastSize = -1;
  #rotation: KeyRotation | undefined;

  constructor(options: CheckpointerOptions) {
    this.#o = options;
    this.#rotation = options.rotation;
  }

  /** True until the key rotation given in the options is announced in a stored checkpoint. */
  get rotationPending(): boolean {
    return this.#rotation !== undefined;
  }

  /** Starts the timer and ticks once at once (a fresh log gets its first checkpoint). */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.tick();
    this.#schedule();
  }

  /** Tells the checkpointer the tree reached `size`; kicks a tick when the entry-count rule may be met. */
  appended(size: number): void {
    if (this.#lastSize >= 0 && size - this.#lastSize >= this.#o.policy.everyEntries) this.kick();
  }

  /** Runs a tick soon. */
  kick(): void {
    if (this.#stopped) return;
    setImmediate(() => void this.tick().catch(() => undefined));
  }

  /** Signs and stores a checkpoint if one is due; returns it (or undefined). Errors are logged, not thrown. */
  async tick(force = false): Promise<SignedCheckpoint | undefined> {
    if (this.#running) {
      this.#again = true;
      await this.#running;
      return undefined;
    }
    let signed: SignedCheckpoint | undefined;
    this.#running = (async () => {
      try {
        signed = await this.#signIfDue(force);
        await this.#o.onTick?.();
      } catch (err) {
        this.#o.log.warn({ err }, 'checkpoint not signed; will retry');
      }
    })();
    await this.#running;
    this.#running = undefined;
    if (signed) this.#o.onSigned?.(signed);
    if (this.#again) {
      this.#again = false;
      this.kick();
    }
    return signed;
  }

  /** Stops the timer, waits for a tick in progress and signs a last checkpoint if the tree grew since. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
    await this.tick(true);
  }

  #schedule(): void {
    if (this.#stopped) return;
    const every = this.#o.tickMs ?? Math.min(this.#o.policy.everyMs, 1_000);
    this.#timer = setTimeout(() => {
      void this.tick().finally(() => this.#schedule());
    }, every);
    this.#timer.unref();
  }

  async #signIfDue(force: boolean): Promise<SignedCheckpoint | undefined> {
    return this.#o.transaction(async (tx) => {
      const head = await tx.head();
      const last = await tx.latest();
      const now = this.#o.clock();
      this.#lastSize = last?.size ?? 0;
      const due = force
        ? last === undefined || head.size > last.size
        : checkpointDue(this.#o.policy, head.size, last, now);
      if (!due) return undefined;
      // from here appends wait: the subject chains must be those of exactly the leaves this checkpoint signs
      const locked = await tx.lockHead();
      const mapRoot = await updateSubjectMap(tx.subjectMap, locked.size);
      const rotation = this.#rotation;
      const extensions = [subjectMapExtension(mapRoot)];
      if (rotation) extensions.push(keyRotationExtension(rotation.verifierKey));
      const signers = rotation ? [rotation.previous, this.#o.signer] : this.#o.signer;
      const checkpoint = await signCheckpoint(this.#o.origin, signers, locked, now, extensions);
      if (!(await tx.save(checkpoint))) return undefined;
      if (rotation) await this.#announced(tx, rotation, checkpoint.size);
      this.#lastSize = checkpoint.size;
      this.#o.log.info({ size: checkpoint.size }, 'checkpoint signed');
      return checkpoint;
    });
  }

  async #announced(tx: CheckpointTx, rotation: KeyRotation, size: number): Promise<void> {
    await tx.keySigns?.(rotation.verifierKey, size);
    this.#rotation = undefined;
    this.#o.log.info({ size, verifierKey: rotation.verifierKey }, 'new log key announced');
  }
}
