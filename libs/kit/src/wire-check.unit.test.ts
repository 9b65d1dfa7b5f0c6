import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkedDeserializer, MAX_WIRE_DEPTH, MalformedRequest, type WireSchema, wireFault } from './wire-check.js';

const bytes = (...b: number[]) => Buffer.from(b);

describe('the wire-format check of a request', () => {
  it.each([
    ['an empty message', bytes()],
    ['a varint field', bytes(0x08, 0x96, 0x01)],
    ['a string field', bytes(0x0a, 0x02, 0x68, 0x69)],
    ['fixed32 and fixed64 fields', bytes(0x15, 1, 2, 3, 4, 0x19, 1, 2, 3, 4, 5, 6, 7, 8)],
    ['an unknown field number', bytes(0xf8, 0x01, 0x01)],
  ])('accepts %s', (_case, message) => {
    expect(wireFault(message)).toBeUndefined();
  });

  it.each([
    ['field number 0 as a varint', bytes(0x00, 0x01), 'FIELD_NUMBER_ZERO'],
    ['field number 0 as a string', bytes(0x0a, 0x01, 0x61, 0x02, 0x01, 0x61), 'FIELD_NUMBER_ZERO'],
    ['a group', bytes(0x0b, 0x0c), 'WIRE_TYPE'],
    ['wire type 7', bytes(0x0f), 'WIRE_TYPE'],
    ['a length past the end', bytes(0x0a, 0x10, 0x61), 'TRUNCATED'],
    ['a varint cut short', bytes(0x08, 0x96), 'TRUNCATED'],
    ['a fixed64 cut short', bytes(0x09, 1, 2), 'TRUNCATED'],
  ])('refuses %s', (_case, message, fault) => {
    expect(wireFault(message)).toBe(fault);
  });

  it('turns a refused or undecodable message into a coded marker instead of an exception', () => {
    const decode = checkedDeserializer((b) => {
      if (b.length === 1) throw new Error('bad');
      return b.length;
    });
    expect(decode(bytes(0x08, 0x01))).toBe(2);
    const zero = decode(bytes(0x00, 0x01));
    expect(zero).toBeInstanceOf(MalformedRequest);
    expect((zero as MalformedRequest).error).toMatchObject({ code: 'REQUEST_MALFORMED' });
    expect((zero as MalformedRequest).error.fields[0]).toMatchObject({ field: 'request', reason: 'FIELD_NUMBER_ZERO' });
    expect((decode(bytes(0x00)) as MalformedRequest).error.fields[0]?.reason).toBe('FIELD_NUMBER_ZERO');
  });

  describe('with a schema, nested messages too', () => {
    // message Outer { Inner inner = 1; string note = 2; map<string, Inner> byKey = 3; } message Inner { string a = 1; }
    const inner: WireSchema = { nested: () => undefined };
    const entry: WireSchema = { nested: (n) => (n === 2 ? inner : undefined) };
    const outer: WireSchema = { nested: (n) => ({ 1: inner, 3: entry })[n] };
    const zeroInside = bytes(0x02, 0x01, 0x61); // field 0, length 1, "a"

    it('refuses field number 0 inside a nested message, which the top-level walk alone accepts', () => {
      const message = Buffer.concat([bytes(0x0a, zeroInside.length), zeroInside]);
      expect(wireFault(message)).toBeUndefined();
      expect(wireFault(message, outer)).toBe('FIELD_NUMBER_ZERO');
    });

    it('refuses field number 0 inside a map entry and inside a map value', () => {
      const badEntry = Buffer.concat([bytes(0x1a, zeroInside.length), zeroInside]);
      expect(wireFault(badEntry, outer)).toBe('FIELD_NUMBER_ZERO');
      const value = Buffer.concat([bytes(0x12, zeroInside.length), zeroInside]);
      const badValue = Buffer.concat([bytes(0x1a, value.length + 3), bytes(0x0a, 0x01, 0x6b), value]);
      expect(wireFault(badValue, outer)).toBe('FIELD_NUMBER_ZERO');
    });

    it('leaves strings alone even when their bytes look like a bad message', () => {
      expect(wireFault(Buffer.concat([bytes(0x12, zeroInside.length), zeroInside]), outer)).toBeUndefined();
    });

    it(`refuses messages nested deeper than ${MAX_WIRE_DEPTH} levels`, () => {
      const self: WireSchema = { nested: () => self };
      let message: Buffer = bytes(0x08, 0x01);
      for (let i = 0; i <= MAX_WIRE_DEPTH; i++) message = Buffer.concat([bytes(0x0a, message.length), message]);
      expect(wireFault(message, self)).toBe('TOO_DEEP');
    });
  });
});

describe('the wire walk without allocations', () => {
  // the walk before it read varints into objects; kept here as the reference the faster walk must agree with
  const varint = (b: Uint8Array, at: number) => {
    let value = 0;
    for (let i = 0; i < 10 && at + i < b.length; i++) {
      const byte = b[at + i]!;
      value += (byte & 0x7f) * 2 ** (7 * i);
      if ((byte & 0x80) === 0) return { value, next: at + i + 1 };
    }
    return undefined;
  };
  const reference = (b: Uint8Array, schema?: WireSchema, depth = 0): string | undefined => {
    if (depth > MAX_WIRE_DEPTH) return 'TOO_DEEP';
    let at = 0;
    while (at < b.length) {
      const tag = varint(b, at);
      if (tag === undefined) return 'TRUNCATED';
      const fieldNumber = Math.floor(tag.value / 8);
      if (fieldNumber === 0) return 'FIELD_NUMBER_ZERO';
      const wireType = tag.value % 8;
      if (![0, 1, 2, 5].includes(wireType)) return 'WIRE_TYPE';
      const length = wireType === 2 ? varint(b, tag.next) : undefined;
      const next =
        wireType === 0
          ? varint(b, tag.next)?.next
          : wireType === 1
            ? tag.next + 8
            : wireType === 5
              ? tag.next + 4
              : length === undefined
                ? undefined
                : length.next + length.value;
      if (next === undefined || next > b.length) return 'TRUNCATED';
      const inner = wireType === 2 ? schema?.nested(fieldNumber) : undefined;
      if (inner !== undefined && length !== undefined) {
        const fault = reference(b.subarray(length.next, next), inner, depth + 1);
        if (fault !== undefined) return fault;
      }
      at = next;
    }
    return undefined;
  };
  // every length-delimited field is a message, down to any depth
  const everything: WireSchema = { nested: () => everything };

  it('finds the same fault as the reference walk in any bytes, with and without a schema', () => {
    // small bytes often form tags, lengths and nested messages
    const arbitraryBytes = fc.uint8Array({ maxLength: 48 }).map((b) => Buffer.from(b));
    const small = fc
      .array(fc.oneof(fc.constantFrom(0x00, 0x08, 0x0a, 0x10, 0x12, 0x15, 0x19, 0x80, 0xff, 0x01, 0x02, 0x03)), {
        maxLength: 48,
      })
      .map((b) => Buffer.from(b));
    fc.assert(
      fc.property(fc.oneof(arbitraryBytes, small), (b) => {
        expect(wireFault(b)).toBe(reference(b));
        expect(wireFault(b, everything)).toBe(reference(b, everything));
      }),
      { numRuns: 2000 },
    );
  });
});
