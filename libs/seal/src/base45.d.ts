/** base45 3.0.0 (RFC 9285 alphabet) ships no types. It is lenient on decode: {@link fromQrPayload} checks first. */
declare module 'base45' {
  /** Base45 text of the bytes (a string is taken as UTF-8). */
  export function encode(input: Uint8Array | string): string;
  /** The bytes of base45 text. Characters outside the alphabet are not rejected. */
  export function decode(input: string): Buffer;
  const base45: { encode: typeof encode; decode: typeof decode };
  export default base45;
}
