import { createHash } from 'node:crypto';
import { leafHash } from '@onceonly/merkle';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeLeaf,
  encodeLeaf,
  LEAF_FORMAT,
  LeafFormatError,
  type LoggableEvent,
  leafHashOf,
  leafOf,
} from './leaf.js';

const event: LoggableEvent = {
  id: '5f0c7a7e-0000-4000-8000-000000000001',
  source: '/onceonly/certificate',
  type: 'certificate.issued',
  subject: '91310000MA1FL0000X',
  time: '2024-05-01T08:30:00.000Z',
  specversion: '1.0',
  datacontenttype: 'application/protobuf',
  dataschema: 'proto:onceonly.certificate.v1.CertificateIssued',
  sequence: '42',
  data: new Uint8Array([1, 2, 3]),
};

const bodyHash = createHash('sha256')
  .update(Buffer.from([1, 2, 3]))
  .digest('hex');

describe('the canonical leaf encoding', () => {
  it('is RFC 8785 JSON with sorted members, no whitespace and the body hash in hex', () => {
    const text = Buffer.from(leafOf(event).canonical).toString('utf8');
    expect(text).toBe(
      `{"datacontenttype":"application/protobuf","dataschema":"proto:onceonly.certificate.v1.CertificateIssued",` +
        `"datasha256":"${bodyHash}","format":"${LEAF_FORMAT}","id":"5f0c7a7e-0000-4000-8000-000000000001",` +
        `"sequence":"42","source":"/onceonly/certificate","specversion":"1.0","subject":"91310000MA1FL0000X",` +
        `"time":"2024-05-01T08:30:00.000Z","type":"certificate.issued"}`,
    );
  });

  it('hashes as an RFC 6962 leaf of those bytes', () => {
    const leaf = leafOf(event);
    expect(Buffer.from(leaf.hash)).toEqual(Buffer.from(leafHash(leaf.canonical)));
  });

  it('is the same for the same event whatever transport carried it (no topic, partition or offset)', () => {
    expect(Buffer.from(leafOf({ ...event }).canonical)).toEqual(Buffer.from(leafOf(event).canonical));
  });

  it('changes with every attribute, the sequence and the body', () => {
    const base = Buffer.from(leafOf(event).hash).toString('hex');
    const variants: Partial<LoggableEvent>[] = [
      { id: 'other' },
      { source: '/onceonly/other' },
      { type: 'certificate.revoked' },
      { subject: 'x' },
      { time: '2024-05-01T08:30:00Z' },
      { dataschema: 'proto:x' },
      { sequence: '43' },
      { data: new Uint8Array([1, 2, 4]) },
    ];
    for (const v of variants) expect(Buffer.from(leafOf({ ...event, ...v }).hash).toString('hex')).not.toBe(base);
  });

  it('escapes strings as JSON.stringify does, so quotes and non-ASCII cannot forge members', () => {
    const tricky = leafOf({ ...event, subject: 'a","id":"forged', type: 'certificate.issued' });
    const decoded = decodeLeaf(tricky.canonical);
    expect(decoded.subject).toBe('a","id":"forged');
    expect(decoded.id).toBe(event.id);
    expect(decodeLeaf(leafOf({ ...event, subject: '上海 é' }).canonical).subject).toBe('上海 é');
  });

  it('decodes back to the attributes', () => {
    const leaf = leafOf(event);
    expect(decodeLeaf(leaf.canonical)).toEqual(leaf.attributes);
  });

  it('refuses bytes that are not exactly canonical', () => {
    const text = Buffer.from(leafOf(event).canonical).toString('utf8');
    const bad = [
      text.replace('{', '{ '),
      text.replace(`"format":"${LEAF_FORMAT}"`, '"format":"other"'),
      text.replace('"sequence":"42"', '"sequence":42'),
      text.replace('"sequence":"42"', '"sequence":"042"'),
      text.replace(bodyHash, bodyHash.toUpperCase()),
      text.replace('}', ',"extra":"x"}'),
      '[]',
      'not json',
    ];
    for (const b of bad) expect(() => decodeLeaf(Buffer.from(b)), b).toThrow(LeafFormatError);
    // members out of order
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(text)).reverse()));
    expect(() => decodeLeaf(Buffer.from(reordered))).toThrow(LeafFormatError);
    // a byte-order mark before or inside, an escape where the character itself is canonical, invalid UTF-8
    expect(() => decodeLeaf(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))).toThrow(
      LeafFormatError,
    );
    expect(() => decodeLeaf(Buffer.from(text.replace('"id":"', '"id":"\\uFEFF')))).toThrow(LeafFormatError);
    expect(() => decodeLeaf(Buffer.from(text.replace('"id":"', '"id":"\\u0041')))).toThrow(LeafFormatError);
    expect(() => decodeLeaf(Buffer.concat([Buffer.from(text.slice(0, -1)), Buffer.from([0xff, 0x7d])]))).toThrow(
      LeafFormatError,
    );
  });

  it('escapes every value as JSON.stringify does (RFC 8785), quotes, backslashes, controls and surrogates included', () => {
    const tricky = fc.constantFrom(
      '"',
      '\\',
      '\u0000',
      '\u001f',
      '\u007f',
      '\ud800',
      '\udfff',
      '\ud83d\ude00',
      '\u2028',
      'é',
    );
    const value = fc
      .array(fc.oneof(tricky, fc.string({ unit: 'binary', maxLength: 8 }), fc.string({ maxLength: 8 })), {
        maxLength: 6,
      })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(
        fc.record({ id: value, source: value, subject: value, type: value, dataschema: value }),
        (changes) => {
          const changed = { ...event, ...changes };
          const { attributes, canonical } = leafOf(changed);
          // the members in their sorted order, each value written by JSON.stringify itself
          const reference = JSON.stringify({
            datacontenttype: changed.datacontenttype,
            dataschema: changed.dataschema,
            datasha256: Buffer.from(attributes.dataSha256).toString('hex'),
            format: LEAF_FORMAT,
            id: changed.id,
            sequence: changed.sequence,
            source: changed.source,
            specversion: changed.specversion,
            subject: changed.subject,
            time: changed.time,
            type: changed.type,
          });
          expect(Buffer.from(canonical)).toEqual(Buffer.from(reference, 'utf8'));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('refuses a body hash of the wrong size and a sequence that is not a positive decimal', () => {
    const { attributes } = leafOf(event);
    expect(() => encodeLeaf({ ...attributes, dataSha256: new Uint8Array(31) })).toThrow(LeafFormatError);
    expect(() => encodeLeaf({ ...attributes, sequence: '0' })).toThrow(LeafFormatError);
  });
});

describe('the leaf hash of an event read from the bus', () => {
  it('is the hash of its canonical leaf, whatever its attributes and body', () => {
    fc.assert(
      fc.property(
        fc.record({
          subject: fc.string({ unit: 'binary', maxLength: 16 }),
          type: fc.string({ maxLength: 16 }),
          sequence: fc.bigInt({ min: 1n, max: 10n ** 19n - 1n }).map(String),
          data: fc.uint8Array({ maxLength: 600 }),
        }),
        (changes) => {
          const changed = { ...event, ...changes };
          expect(Buffer.from(leafHashOf(changed))).toEqual(Buffer.from(leafOf(changed).hash));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('is refused for a sequence the leaf cannot hold, as the leaf is', () => {
    expect(() => leafHashOf({ ...event, sequence: '0' })).toThrow(LeafFormatError);
  });
});
