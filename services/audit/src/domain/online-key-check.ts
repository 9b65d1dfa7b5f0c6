import { type Checkpoint, isMerkleError, openCheckpoint, parseVerifierKey, verifyConsistency } from '@onceonly/merkle';
import { type Finding, finding } from '@onceonly/replay';
import {
  checkpointsOfRetiredKeys,
  followLogKeys,
  keyAtSize,
  type LogKeyChain,
  type SizedNote,
} from './key-rotation.js';

// The known limit of ADR 009, closed for a verifier that can reach the log: a bundle carries the key announcements up
// to its own checkpoint only, so a checkpoint signed by the pinned key alone after that key was replaced (it may have
// leaked) verifies offline. Online, the verifier asks the log itself for every announcement and its latest
// checkpoint, follows them from the pinned key, and checks that the bundle's checkpoint is signed by the key in force
// at its size and is a prefix of the log the hub serves now. Pure: the caller fetches, this decides.

/** What the verifier fetched from the log (`audit verify --online`). */
export interface OnlineLogView {
  /** The log's checkpoints that announce a new key (`onceonly-key-rotation`), with their sizes. */
  readonly announcements: readonly SizedNote[];
  /** The log's latest signed checkpoint, and the consistency proof from the bundle's size to its size. */
  readonly latest?: { readonly signedNote: string; readonly consistency: readonly Uint8Array[] };
}

/**
 * Checks the bundle's checkpoint (already opened with a trusted key) against the log as it is now: KEY_RETIRED when
 * the key in force at its size, followed from `pinned` over the log's announcements, did not sign it;
 * KEY_ANNOUNCEMENT_INVALID for an announcement the pinned chain refuses; CHECKPOINT_INCONSISTENT when the log's
 * latest checkpoint (opened with the key of its size) does not extend the bundle's (a fork).
 */
export function checkAgainstLog(
  pinned: string,
  origin: string,
  bundle: { readonly checkpoint: Checkpoint; readonly signedNote: string },
  log: OnlineLogView,
): Finding[] {
  const findings: Finding[] = [];
  const sorted = [...log.announcements].sort((a, b) => a.size - b.size);
  const chain = followLogKeys(parseVerifierKey(pinned), sorted, origin);
  for (const why of chain.refused) findings.push(finding('KEY_ANNOUNCEMENT_INVALID', `the log's rotation ${why}`));
  const size = bundle.checkpoint.size;
  if (checkpointsOfRetiredKeys(chain, [{ size, signedNote: bundle.signedNote }], origin).length > 0) {
    const from = chain.fromSizes.findLast((s) => s <= size);
    findings.push(
      finding(
        'KEY_RETIRED',
        `checkpoint ${size} is not signed by the key the log announced from size ${from}: the key that signed it had been replaced (it may have leaked)`,
        { size },
      ),
    );
  }
  if (log.latest !== undefined) findings.push(...extendsBundle(chain, origin, bundle.checkpoint, log.latest));
  return findings;
}

function extendsBundle(
  chain: LogKeyChain,
  origin: string,
  checkpoint: Checkpoint,
  latest: NonNullable<OnlineLogView['latest']>,
): Finding[] {
  let now: Checkpoint;
  try {
    now = openCheckpoint(latest.signedNote, chain.keys, origin).checkpoint;
    openCheckpoint(latest.signedNote, [keyAtSize(chain, now.size)], origin);
  } catch (err) {
    if (!isMerkleError(err)) throw err;
    return [finding('CHECKPOINT_SIGNATURE_INVALID', `the log's latest checkpoint does not verify: ${err.reason}`)];
  }
  const inconsistent = (why: string) =>
    finding('CHECKPOINT_INCONSISTENT', `the bundle's checkpoint ${checkpoint.size} and the log's ${now.size}: ${why}`, {
      size: checkpoint.size,
    });
  if (now.size < checkpoint.size) return [inconsistent('the log is now smaller than the bundle')];
  try {
    const ok = verifyConsistency(checkpoint.size, now.size, [...latest.consistency], checkpoint.root, now.root);
    return ok ? [] : [inconsistent('the log does not extend the bundle’s tree (a fork)')];
  } catch (err) {
    if (!isMerkleError(err)) throw err;
    return [inconsistent(`${err.reason}: ${err.message}`)];
  }
}
