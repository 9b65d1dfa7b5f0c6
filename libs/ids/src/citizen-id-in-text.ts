import { validateCitizenId } from './citizen-id.js';

// Eighteen characters, 17 digits then a digit or X, not inside a longer run of digits. Full-width digits are folded
// first (NFKC), so that `１１０１…` is found too.
const CANDIDATE = /(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])/g;

/**
 * True when free text holds something that is a citizen ID (GB 11643: a known province, a real birth date and a
 * matching check character). Used at the edge to keep personal data out of reasons, notes and face fields: a holder
 * is named in the holder field, where the ID is hashed and masked. A number with a wrong check character is not
 * reported (most long numbers in text are not IDs); the function never returns the ID itself.
 */
export function containsCitizenId(text: string, options: { today?: Date } = {}): boolean {
  const folded = text.normalize('NFKC');
  for (const match of folded.matchAll(CANDIDATE)) {
    if (validateCitizenId(match[0], options).ok) return true;
  }
  return false;
}
