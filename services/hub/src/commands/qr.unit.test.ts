import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { QR_ERROR_CORRECTION, qrPng, qrSvg, qrVersion } from './qr.js';

// jsqr is CommonJS: under NodeNext its default export is module.exports, whose `default` is the decoder
const jsQR = jsQRModule.default;

/** A QR text of a licence's shape: `OO1:` and base45 (QR's alphanumeric alphabet), about a food licence's length. */
function licenceQrText(length = 640): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
  let text = 'OO1:';
  let seed = 7;
  while (text.length < length) {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    text += alphabet[seed % alphabet.length];
  }
  return text;
}

/** Decodes a PNG with jsQR (a decoder the project did not write). */
function decodePng(png: Buffer) {
  const image = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
}

describe('QR images of a licence (error correction level Q)', () => {
  const text = licenceQrText();

  it('the PNG decodes back to the QR text', async () => {
    const decoded = decodePng(await qrPng(text));
    expect(decoded?.data).toBe(text);
  });

  it('is encoded at level Q: the symbol has the version level Q needs, larger than level L’s', async () => {
    const decoded = decodePng(await qrPng(text));
    expect(QR_ERROR_CORRECTION).toBe('Q');
    expect(decoded?.version).toBe(qrVersion(text, 'Q'));
    expect(qrVersion(text, 'Q')).toBeGreaterThan(qrVersion(text, 'L'));
  });

  it('the SVG has one module per unit and a quiet zone of 4', async () => {
    const svg = await qrSvg(text);
    const modules = 4 * qrVersion(text) + 17;
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain(`viewBox="0 0 ${modules + 8} ${modules + 8}"`);
  });
});
