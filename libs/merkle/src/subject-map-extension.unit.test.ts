import { describe, expect, it } from 'vitest';
import { type Checkpoint, formatCheckpoint, parseCheckpoint } from './checkpoint.js';
import { emptyMapRoot } from './map-hash.js';
import { SUBJECT_MAP_EXTENSION, subjectMapExtension, subjectMapRoot } from './subject-map-extension.js';

const reason = (r: string) => expect.objectContaining({ reason: r });
const LOG_ROOT = new Uint8Array(32).fill(0xab);
const plain: Checkpoint = { origin: 'onceonly.example/audit', size: 8, root: LOG_ROOT };

describe('the onceonly-subject-map checkpoint line', () => {
  it('round-trips through formatCheckpoint and parseCheckpoint after the root line', () => {
    const mapRoot = emptyMapRoot();
    const text = formatCheckpoint({ ...plain, extensions: [subjectMapExtension(mapRoot)] });
    expect(text.split('\n')[3]).toBe(`${SUBJECT_MAP_EXTENSION} ${Buffer.from(mapRoot).toString('base64')}`);
    expect(subjectMapRoot(parseCheckpoint(text))).toEqual(mapRoot);
  });

  it('is absent from a checkpoint without it, which parses as before', () => {
    const parsed = parseCheckpoint(formatCheckpoint(plain));
    expect(parsed).toEqual({ ...plain, extensions: [] });
    expect(subjectMapRoot(parsed)).toBeUndefined();
    expect(subjectMapRoot({ extensions: ['other-extension 1'] })).toBeUndefined();
  });

  it.each([
    ['repeated', [subjectMapExtension(emptyMapRoot()), subjectMapExtension(LOG_ROOT)]],
    ['without a root', [SUBJECT_MAP_EXTENSION]],
    ['with a short root', [`${SUBJECT_MAP_EXTENSION} ${Buffer.alloc(31).toString('base64')}`]],
    ['with URL-safe base64', [`${SUBJECT_MAP_EXTENSION} ${Buffer.alloc(32, 0xfb).toString('base64url')}`]],
  ])('throws MAP_EXTENSION when the line is %s', (_, extensions) => {
    expect(() => subjectMapRoot({ extensions })).toThrow(reason('MAP_EXTENSION'));
  });
});
