import QRCode from 'qrcode';

/** What one QR code holds (byte mode, error correction M, the largest version): a longer text cannot be drawn. */
const QR_CAPACITY_BYTES = 2331;

/**
 * The QR code of `text` as an SVG document, or undefined when `text` is too long for one (a page address with a
 * long query, or a huge Host header when publicUrl is not set): the caller answers without a code, not with a 500.
 */
export async function qrCodeSvg(text: string): Promise<string | undefined> {
  if (Buffer.byteLength(text, 'utf8') > QR_CAPACITY_BYTES) return undefined;
  return QRCode.toString(text, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
}
