import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { decodeLeaf, decodeLeafText, encodeLeaf, type LeafAttributes, LeafFormatError } from './leaf.js';

// decodeLeaf reads plain leaves in one pass (ADR 050) and leaves the rest to the parsing decoder it had before
// (decodeLeafText). The shortcut must refuse whatever that decoder refuses and read the same attributes from whatever
// it accepts: both are run on canonical leaves and on leaves mutated in the ways a tamperer or a bug would.

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The reference: the decoder before the shortcut, on the same bytes (UTF-8 refused the same way). */
function reference(bytes: Uint8Array): LeafAttributes {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (cause) {
    throw new LeafFormatError('the leaf is not UTF-8 JSON', { cause });
  }
  return decodeLeafText(text);
}

type Outcome = { ok: true; attributes: LeafAttributes } | { ok: false; error: unknown };

function outcome(decode: (bytes: Uint8Array) => LeafAttributes, bytes: Uint8Array): Outcome {
  try {
    return { ok: true, attributes: decode(bytes) };
  } catch (error) {
    return { ok: false, error };
  }
}

function expectSameAsReference(bytes: Uint8Array): void {
  const fast = outcome(decodeLeaf, bytes);
  const slow = outcome(reference, bytes);
  if (slow.ok) {
    expect(fast).toEqual({ ok: true, attributes: slow.attributes });
    return;
  }
  expect(fast.ok).toBe(false);
  if (!fast.ok) {
    expect(fast.error).toBeInstanceOf(LeafFormatError);
    expect((fast.error as Error).message).toBe((slow.error as Error).message);
  }
}

const text = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('', '"', '\\', '\u0000', '\u001f', '\u2028', '\ufeff', 'é', '😀', '</script>', 'a"b', 'a\\u0041'),
);

const attributes: fc.Arbitrary<LeafAttributes> = fc.record({
  datacontenttype: text,
  dataschema: text,
  id: text,
  sequence: fc.oneof(
    fc.bigInt({ min: 1n, max: 10n ** 19n - 1n }).map(String),
    fc.constantFrom('0', '01', '-1', '1e3', ''),
  ),
  source: text,
  specversion: fc.oneof(fc.constant('1.0'), text),
  subject: text,
  time: fc.oneof(fc.constant('2026-12-06T08:00:00.000Z'), text),
  type: text,
  dataSha256: fc.uint8Array({ minLength: 32, maxLength: 32 }),
});

/** Canonical bytes of attributes the encoder takes (a sequence it refuses: a leaf written by hand). */
function bytesOf(a: LeafAttributes): Uint8Array {
  try {
    return encodeLeaf(a);
  } catch {
    const hex = Buffer.from(a.dataSha256).toString('hex');
    const { dataSha256: _h, ...rest } = a;
    return new TextEncoder().encode(JSON.stringify({ ...rest, datasha256: hex, format: 'onceonly.audit.leaf/v1' }));
  }
}

/** A mutation of leaf bytes: one of the edits below at a position drawn from the bytes' length. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }),
  }),
  fc.record({
    kind: fc.constant('insert-text' as const),
    at: fc.nat(),
    text: fc.constantFrom(' ', '\\', '"', '\\u0041', '\\/', ',', '}', '{', '\ufeff', '\n', 'A'),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({
    kind: fc.constant('replace-text' as const),
    from: fc.constantFrom('"', '0', 'a', 'f', ':', ',', '"format"', '"id"', 'onceonly', '1'),
    to: fc.constantFrom('\\"', '\\u0030', 'A', 'F', ' :', ', ', '"Format"', '"ID"', '\\u006fnceonly', '01', ''),
  }),
);

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const at = 'at' in m ? m.at % (bytes.length + 1) : 0;
  switch (m.kind) {
    case 'flip': {
      const out = bytes.slice();
      if (out.length > 0) out[at % out.length] = out[at % out.length]! ^ (1 << m.bit);
      return out;
    }
    case 'insert':
      return Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
    case 'insert-text':
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(m.text), bytes.subarray(at)]);
    case 'delete':
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.length)]);
    case 'replace-text':
      return Buffer.from(Buffer.from(bytes).toString('utf8').replace(m.from, m.to), 'utf8');
  }
}

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

describe('decoding a leaf with the shortcut for plain leaves', () => {
  it('reads canonical leaves as the parsing decoder does', () => {
    fc.assert(
      fc.property(attributes, (a) => expectSameAsReference(bytesOf(a))),
      { numRuns: 2_000 },
    );
  });

  it('refuses every mutated leaf the parsing decoder refuses, and reads the rest alike', () => {
    fc.assert(
      fc.property(attributes, fc.array(mutation, { minLength: 1, maxLength: 3 }), (a, edits) => {
        let bytes = bytesOf(a);
        for (const m of edits) bytes = mutate(bytes, m);
        expectSameAsReference(bytes);
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads a plain leaf without parsing it as JSON, and a leaf with escapes by parsing it', () => {
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const plain = { ...fc.sample(attributes, { numRuns: 1, seed: 7 })[0]!, sequence: '7' };
      const simple = { ...plain, id: 'e-1', subject: '91310000MA1FL0000X', source: '/onceonly/certificate', type: 't' };
      const withSimple = { ...simple, datacontenttype: 'a', dataschema: 'b', specversion: '1.0', time: 'now' };
      expect(decodeLeaf(encodeLeaf(withSimple))).toEqual(withSimple);
      expect(parse).not.toHaveBeenCalled();
      const escaped = { ...withSimple, subject: 'a"b\\c\u0001' };
      expect(decodeLeaf(encodeLeaf(escaped))).toEqual(escaped);
      expect(parse).toHaveBeenCalledTimes(1);
    } finally {
      parse.mockRestore();
    }
  });

  it('refuses a leaf whose members are reordered, doubled or missing, with the parsing decoder’s reasons', () => {
    const a = fc.sample(attributes, { numRuns: 1, seed: 50 })[0]!;
    const plain = { ...a, sequence: '7', id: 'e-1', subject: 's' };
    const canonical = Buffer.from(encodeLeaf(plain)).toString('utf8');
    const reordered = canonical
      .replace('{"datacontenttype"', '{"dataschema":"x","datacontenttype"')
      .replace(/,"dataschema":"[^"]*"/, '');
    for (const text of [
      reordered,
      canonical.replace(',"id":"e-1"', ''),
      canonical.replace(',"id":"e-1"', ',"id":"e-1","id":"e-1"'),
      canonical.replace('"}', '", "extra":"1"}'),
      `${canonical} `,
      ` ${canonical}`,
      `\ufeff${canonical}`,
    ]) {
      expectSameAsReference(Buffer.from(text, 'utf8'));
      expect(() => decodeLeaf(Buffer.from(text, 'utf8'))).toThrow(LeafFormatError);
    }
  });
});
