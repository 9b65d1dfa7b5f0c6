/**
 * The `Buffer` global that the shared packages' readers use (DER, PEM, base64url), in the pages' bundle: the
 * `buffer` package, taught the `base64url` encoding it lacks (Node has it; RFC 4648 §5).
 */
import { Buffer as Polyfill } from 'buffer';

type From = (...args: unknown[]) => Polyfill;
const from = Polyfill.from.bind(Polyfill) as From;
const toBase64 = (text: string) => text.replace(/-/g, '+').replace(/_/g, '/');
(Polyfill as unknown as { from: From }).from = (value: unknown, encoding?: unknown, length?: unknown) =>
  encoding === 'base64url' && typeof value === 'string'
    ? from(toBase64(value), 'base64')
    : from(value, encoding, length);
const toText = Polyfill.prototype.toString as (this: Polyfill, ...args: unknown[]) => string;
Polyfill.prototype.toString = function (this: Polyfill, encoding?: string, start?: number, end?: number): string {
  if (encoding !== 'base64url') return toText.call(this, encoding, start, end);
  return toText.call(this, 'base64', start, end).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

export { Polyfill as Buffer };
