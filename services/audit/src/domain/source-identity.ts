import { type NoteVerifier, openCheckpoint, parseCheckpoint } from '@onceonly/merkle';

// Whose log, whose bus, whose database: the replay compares sources only when they belong to one hub. A log is
// named by its origin and its key; two logs may share both (a data folder copied, a dev key reused), so a bus is
// this log's only when a checkpoint it carries is one of the log's own checkpoints (same size, same root).

/** The identity of a log: its origin and the keys its checkpoints are signed with. */
export interface LogIdentity {
  readonly origin: string;
  readonly verifierKeys: readonly string[];
}

/** Whether a source belongs to the log under replay, and why not. */
export type SourceVerdict =
  | { readonly verdict: 'same' }
  | { readonly verdict: 'unknown'; readonly why: string }
  | { readonly verdict: 'other'; readonly why: string };

/** `size/root` of a checkpoint note's text (without opening its signatures): equal for one checkpoint of one log. */
export function sizeAndRoot(signedNote: string): string | undefined {
  try {
    const text = signedNote.slice(0, signedNote.indexOf('\n\n') + 1);
    const { size, root } = parseCheckpoint(text);
    return `${size}/${Buffer.from(root).toString('hex')}`;
  } catch {
    return undefined;
  }
}

/**
 * Whether the checkpoints a bus carries name the log under replay. `other`: the bus carries checkpoints and none is
 * signed by the log's key for its origin, or none of those is one of the log's own checkpoints (another log under
 * the same key). `unknown`: the bus carries no checkpoint at all (nothing says whose it is).
 */
export function busVerdict(
  notes: readonly string[],
  log: { origin: string; keys: readonly NoteVerifier[]; checkpoints: readonly { signedNote: string }[] },
): SourceVerdict {
  if (notes.length === 0) return { verdict: 'unknown', why: 'the bus carries no signed checkpoint' };
  const ours = notes.filter((note) => {
    try {
      openCheckpoint(note, log.keys, log.origin);
      return true;
    } catch {
      return false;
    }
  });
  if (ours.length === 0) {
    const origins = [...new Set(notes.map((n) => n.slice(0, n.indexOf('\n'))))].join(', ');
    return { verdict: 'other', why: `its checkpoints are signed for ${origins} by another key than the log's` };
  }
  const logged = new Set(log.checkpoints.map((c) => sizeAndRoot(c.signedNote)));
  if (logged.size === 0 || ours.some((note) => logged.has(sizeAndRoot(note)))) return { verdict: 'same' };
  return {
    verdict: 'other',
    why: "its checkpoints are signed with the log's key but none is one of the log's checkpoints: another log under the same key",
  };
}

/** Whether two log identities can be one log: the same origin and a shared key (roots are compared apart). */
export function sameLog(a: LogIdentity, b: LogIdentity): SourceVerdict {
  if (a.origin !== b.origin) return { verdict: 'other', why: `origin ${a.origin} is not ${b.origin}` };
  if (!a.verifierKeys.some((k) => b.verifierKeys.includes(k))) {
    return { verdict: 'other', why: `key ${a.verifierKeys.join(', ')} is not ${b.verifierKeys.join(', ')}` };
  }
  return { verdict: 'same' };
}
