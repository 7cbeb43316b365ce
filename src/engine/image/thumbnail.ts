// The near-duplicate signature of an image: a 32×32 greyscale thumbnail (area-averaged luma,
// stretched to a square), kept in the scan facts as base64 so the duplicate check can verify
// candidate pairs by correlation without decoding any image again.
import { areaResample } from './differenceHash';

/** Side of the stored thumbnail, in pixels. */
export const THUMBNAIL_SIDE = 32;
export const THUMBNAIL_PIXELS = THUMBNAIL_SIDE * THUMBNAIL_SIDE;
/** Length of the base64 text of one thumbnail (1,024 bytes). */
export const THUMBNAIL_BASE64_LENGTH = 4 * Math.ceil(THUMBNAIL_PIXELS / 3);

/** The 32×32 area-averaged luma thumbnail of a luma plane, rounded to 8 bits, as base64. */
export function lumaThumbnail(luma: ArrayLike<number>, width: number, height: number): string {
  const small = areaResample(luma, width, height, THUMBNAIL_SIDE, THUMBNAIL_SIDE);
  const bytes = Buffer.allocUnsafe(THUMBNAIL_PIXELS);
  for (let i = 0; i < THUMBNAIL_PIXELS; i++) bytes[i] = Math.max(0, Math.min(255, Math.round(small[i])));
  return bytes.toString('base64');
}

/** The thumbnail's pixels, or undefined when the text is not a base64 32×32 thumbnail. */
export function decodeThumbnail(text: unknown): Uint8Array | undefined {
  if (typeof text !== 'string' || text.length !== THUMBNAIL_BASE64_LENGTH || !/^[A-Za-z0-9+/]+=*$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === THUMBNAIL_PIXELS ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) : undefined;
}

/** True when `text` is a stored thumbnail. */
export function isThumbnailText(text: unknown): text is string {
  return decodeThumbnail(text) !== undefined;
}
