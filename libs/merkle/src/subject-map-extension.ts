import type { Checkpoint } from './checkpoint.js';
import { fromBase64, toBase64 } from './encoding.js';
import { MerkleError } from './errors.js';
import { assert32 } from './map-hash.js';

/**
 * The keyword of the checkpoint extension line that carries the subject map's root. C2SP tlog-checkpoint allows
 * extension lines after the root hash; the line is `onceonly-subject-map <standard base64 of the 32-byte root>`. It
 * is signed with the rest of the checkpoint body and cosigned with it by witnesses.
 */
export const SUBJECT_MAP_EXTENSION = 'onceonly-subject-map';

/** The extension line for a map root (put it in `Checkpoint.extensions`). Throws MAP_KEY unless 32 bytes. */
export function subjectMapExtension(root: Uint8Array): string {
  assert32(root, 'a map root');
  return `${SUBJECT_MAP_EXTENSION} ${toBase64(root)}`;
}

/**
 * The map root a checkpoint commits to, or `undefined` when it has no `onceonly-subject-map` line (a checkpoint of a
 * log without the map, which parses as before). Other extension lines are ignored. Throws MAP_EXTENSION when the line
 * is repeated or its root is not canonical base64 of 32 bytes: an ambiguous commitment must not pick one at random.
 */
export function subjectMapRoot(checkpoint: Pick<Checkpoint, 'extensions'>): Uint8Array | undefined {
  const lines = (checkpoint.extensions ?? []).filter(
    (l) => l === SUBJECT_MAP_EXTENSION || l.startsWith(`${SUBJECT_MAP_EXTENSION} `),
  );
  if (lines.length === 0) return undefined;
  if (lines.length > 1) throw new MerkleError('MAP_EXTENSION', 'a checkpoint holds one subject map root');
  const root = fromBase64(lines[0]!.slice(SUBJECT_MAP_EXTENSION.length + 1));
  if (root === undefined || root.length !== 32) {
    throw new MerkleError('MAP_EXTENSION', 'the subject map root is standard base64 of 32 bytes');
  }
  return root;
}
