/** The bytes of a bytea column. */
export function bytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new TypeError('expected bytea');
}

/** A Buffer view of bytes (what the drivers take for bytea). */
export function buf(value: Uint8Array): Buffer {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}
