import QRCode from 'qrcode';

/**
 * QR images of a licence's QR text (`OO1:` + base45, issue 15 item 6): error correction level Q (about 25% of the
 * symbol may be lost), as the EU Digital COVID Certificates use for their base45 texts, so that a printed licence
 * scans when worn or partly covered. The base45 alphabet is QR's alphanumeric set, so the whole text is encoded in
 * alphanumeric mode (5.5 bits a character): a text of 640 characters takes version 19 (93 × 93 modules; 14 at L).
 */

/** The error correction level of every licence QR image. */
export const QR_ERROR_CORRECTION = 'Q' as const;

const OPTIONS = { errorCorrectionLevel: QR_ERROR_CORRECTION, margin: 4 } as const;

/** A PNG image of the QR code: 4 pixels a module, a quiet zone of 4 modules. */
export function qrPng(text: string, scale = 4): Promise<Buffer> {
  return QRCode.toBuffer(text, { ...OPTIONS, type: 'png', scale });
}

/** An SVG image of the QR code (scales without loss: for print). */
export function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { ...OPTIONS, type: 'svg' });
}

/** The QR version (1-40) the text takes at level Q. */
export function qrVersion(text: string, level: 'L' | 'M' | 'Q' | 'H' = QR_ERROR_CORRECTION): number {
  return QRCode.create(text, { errorCorrectionLevel: level }).version;
}
