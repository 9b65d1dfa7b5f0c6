import { isMerkleError, mapKey } from '@onceonly/merkle';

/**
 * The subject map's key of an event subject (ADR 006: SHA-256(0x10 || UTF-8 subject)), or undefined for a subject
 * the map cannot hold: the empty subject (an event about nothing in particular) or one that is not well-formed
 * Unicode. Such events are still logged; they are in no subject's chain, so no subject bundle can claim them.
 */
export function subjectKeyOf(subject: string): Uint8Array | undefined {
  try {
    return mapKey(subject);
  } catch (err) {
    if (isMerkleError(err)) return undefined;
    throw err;
  }
}
