// Privacy- and provenance-relevant metadata from the EXIF, XMP and IPTC-IIM blocks sharp extracts.
import exifReader from 'exif-reader';
import type { ImageFacts } from '../types';

/**
 * IPTC DigitalSourceType codes that mark media made or composited by an algorithm or a trained model
 * (IPTC NewsCodes "digitalsourcetype", 2023 revision). Capture, film, scan, screen capture, human edits
 * and algorithmic enhancement of a capture are not in this list.
 */
export const AI_DIGITAL_SOURCE_TYPES: readonly string[] = [
  'trainedAlgorithmicMedia', // created by a model trained on sampled content (e.g. text-to-image)
  'compositeWithTrainedAlgorithmicMedia', // a composite that includes generated elements (e.g. inpainting)
  'algorithmicMedia', // created purely by an algorithm not based on sampled training data
  'compositeSynthetic', // a composite that includes synthetic elements
];

const DIGITAL_SOURCE_TYPE_URI = /digitalsourcetype\/([A-Za-z]+)/;
const DIGITAL_SOURCE_TYPE_ATTRIBUTE = /DigitalSourceType\s*=\s*["']([^"']*)["']/;
const DIGITAL_SOURCE_TYPE_ELEMENT = /<(?:[\w.-]+:)?DigitalSourceType\b[^>]*>\s*([^<\s]+)\s*</;
const DIGITAL_SOURCE_TYPE_RESOURCE = /<(?:[\w.-]+:)?DigitalSourceType\b[^>]*\brdf:resource\s*=\s*["']([^"']*)["']/;

/** Reads GPS, device serials, make and model from EXIF. A malformed block yields what could be read, never an error. */
export function readExif(exif: Buffer | undefined): ImageFacts['exif'] {
  if (!exif || exif.length === 0) return {};
  let tags: ReturnType<typeof exifReader>;
  try {
    tags = exifReader(exif);
  } catch {
    return {};
  }
  const result: ImageFacts['exif'] = {};
  const gps = tags.GPSInfo;
  if (gps) {
    const latitude = toDegrees(gps.GPSLatitude, gps.GPSLatitudeRef, 'S');
    const longitude = toDegrees(gps.GPSLongitude, gps.GPSLongitudeRef, 'W');
    // (0, 0) is what devices without a fix commonly write; it is not a location.
    if (latitude !== undefined && longitude !== undefined && Math.abs(latitude) <= 90 && Math.abs(longitude) <= 180 && (latitude !== 0 || longitude !== 0)) {
      result.gps = { latitude, longitude };
    }
  }
  const serials: Record<string, string> = {};
  for (const group of [tags.Image, tags.Photo]) {
    if (!group) continue;
    for (const [key, value] of Object.entries(group)) {
      if (!/SerialNumber$/.test(key)) continue;
      const text = cleanText(value);
      if (text) serials[key] = text;
    }
  }
  if (Object.keys(serials).length > 0) result.serials = serials;
  const make = cleanText(tags.Image?.Make);
  const model = cleanText(tags.Image?.Model);
  if (make) result.make = make;
  if (model) result.model = model;
  return result;
}

/** Reads the IPTC DigitalSourceType from XMP (attribute, element or resource form) or IPTC-IIM text. */
export function readProvenance(xmp: Buffer | undefined, iptc: Buffer | undefined): ImageFacts['provenance'] {
  const code = (xmp && digitalSourceTypeFromXmp(xmp.toString('utf8'))) || (iptc && digitalSourceTypeFromText(iptc.toString('latin1')));
  if (!code) return {};
  return { digitalSourceType: code, aiGenerated: AI_DIGITAL_SOURCE_TYPES.includes(code) };
}

/** The bare DigitalSourceType code in an XMP packet, e.g. 'trainedAlgorithmicMedia'. */
export function digitalSourceTypeFromXmp(xmp: string): string | undefined {
  if (!/DigitalSourceType/i.test(xmp)) return undefined;
  for (const pattern of [DIGITAL_SOURCE_TYPE_RESOURCE, DIGITAL_SOURCE_TYPE_ATTRIBUTE, DIGITAL_SOURCE_TYPE_ELEMENT]) {
    const match = pattern.exec(xmp);
    if (match) return bareCode(match[1]);
  }
  return digitalSourceTypeFromText(xmp);
}

/** Finds a DigitalSourceType NewsCode URI anywhere in text (used for IPTC-IIM, which has no dedicated field). */
function digitalSourceTypeFromText(text: string): string | undefined {
  return DIGITAL_SOURCE_TYPE_URI.exec(text)?.[1];
}

/** 'http://cv.iptc.org/newscodes/digitalsourcetype/x' → 'x'; a bare code is returned as is. */
function bareCode(value: string): string | undefined {
  const code = value.trim().replace(/\/+$/, '').split('/').pop()?.trim();
  return code || undefined;
}

/** EXIF degrees/minutes/seconds (rationals) with a hemisphere reference → signed decimal degrees. */
function toDegrees(parts: unknown, reference: unknown, negative: 'S' | 'W'): number | undefined {
  if (!Array.isArray(parts) || parts.length === 0) return undefined;
  const [degrees, minutes = 0, seconds = 0] = parts as unknown[];
  if (typeof degrees !== 'number' || typeof minutes !== 'number' || typeof seconds !== 'number') return undefined;
  const value = degrees + minutes / 60 + seconds / 3600;
  if (!Number.isFinite(value)) return undefined;
  const sign = typeof reference === 'string' && reference.trim().toUpperCase().startsWith(negative) ? -1 : 1;
  return sign * value;
}

/** A printable string with NULs and surrounding space removed, or undefined. */
function cleanText(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex
  const text = value.replace(/\u0000/g, '').trim();
  return text.length > 0 ? text : undefined;
}
