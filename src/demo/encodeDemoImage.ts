// Encoding demo images (with the metadata some of them carry) and measuring them as the audit will.
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { computePixelStats } from '../engine/image/pixelStats';
import type { DemoProperty } from './demoStatistics';

/** The IPTC digital source type that marks media made by a trained model. */
export const AI_DIGITAL_SOURCE_TYPE = 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia';

/** GPS position as written to EXIF: degrees, minutes and seconds (to 1/100 s) with N/S and E/W references. */
export interface GpsTag {
  latitude: number;
  longitude: number;
  latitudeDms: [number, number, number];
  longitudeDms: [number, number, number];
  latitudeRef: 'N' | 'S';
  longitudeRef: 'E' | 'W';
}

/** Metadata to embed in one JPEG. */
export interface EmbeddedMetadata {
  gps?: GpsTag;
  bodySerialNumber?: string;
  digitalSourceType?: string;
}

/** Encodes interleaved RGB pixels as a baseline JPEG, embedding EXIF/XMP when asked. */
export async function encodeJpeg(rgb: Buffer, size: number, quality: number, metadata: EmbeddedMetadata = {}): Promise<Buffer> {
  let pipeline = sharp(rgb, { raw: { width: size, height: size, channels: 3 } }).jpeg({ quality });
  if (metadata.gps || metadata.bodySerialNumber) {
    const { gps } = metadata;
    pipeline = pipeline.withExif({
      ...(metadata.bodySerialNumber ? { IFD2: { BodySerialNumber: metadata.bodySerialNumber } } : {}),
      ...(gps
        ? {
          IFD3: {
            GPSLatitudeRef: gps.latitudeRef,
            GPSLatitude: dmsRational(gps.latitudeDms),
            GPSLongitudeRef: gps.longitudeRef,
            GPSLongitude: dmsRational(gps.longitudeDms),
          },
        }
        : {}),
    });
  }
  if (metadata.digitalSourceType) pipeline = pipeline.withXmp(digitalSourceTypeXmp(metadata.digitalSourceType));
  return pipeline.toBuffer();
}

/** A GPS tag for a decimal position, rounded to 1/100 of an arc second. */
export function gpsTag(latitude: number, longitude: number): GpsTag {
  const latitudeDms = toDms(Math.abs(latitude));
  const longitudeDms = toDms(Math.abs(longitude));
  const decimal = ([d, m, s]: [number, number, number]): number => d + m / 60 + s / 3600;
  return {
    latitude: Math.sign(latitude) * decimal(latitudeDms),
    longitude: Math.sign(longitude) * decimal(longitudeDms),
    latitudeDms,
    longitudeDms,
    latitudeRef: latitude < 0 ? 'S' : 'N',
    longitudeRef: longitude < 0 ? 'W' : 'E',
  };
}

function toDms(value: number): [number, number, number] {
  const hundredths = Math.round(value * 360000);
  const degrees = Math.floor(hundredths / 360000);
  const minutes = Math.floor((hundredths - degrees * 360000) / 6000);
  return [degrees, minutes, (hundredths - degrees * 360000 - minutes * 6000) / 100];
}

function dmsRational([d, m, s]: [number, number, number]): string {
  return `${d}/1 ${m}/1 ${Math.round(s * 100)}/100`;
}

function digitalSourceTypeXmp(value: string): string {
  return (
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>' +
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
    '<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/">' +
    `<Iptc4xmpExt:DigitalSourceType>${value}</Iptc4xmpExt:DigitalSourceType>` +
    '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
  );
}

/** What the generator measures on an encoded image. */
export interface MeasuredImage {
  properties: Record<DemoProperty, number>;
  /** dHash as the engine computes it (luma, area-averaged to 9×8). */
  dhash: string;
  /** dHash from sharp's own greyscale 9×8 resize (a second, independent reading). */
  sharpDhash: string;
  sha256: string;
}

/** Decodes a JPEG and measures it: pixel statistics, both dHashes, the file hash. */
export async function measureJpeg(jpeg: Buffer): Promise<MeasuredImage> {
  const [{ data, info }, sharpDhash] = await Promise.all([
    sharp(jpeg).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true }),
    sharpDifferenceHash(jpeg),
  ]);
  const stats = computePixelStats(data, info.width, info.height, info.channels === 1 ? 1 : 3);
  return {
    properties: { brightness: stats.brightness, contrast: stats.contrast, saturation: stats.saturation, sharpness: stats.sharpness, bytes: jpeg.length },
    dhash: stats.dhash,
    sharpDhash,
    sha256: createHash('sha256').update(jpeg).digest('hex'),
  };
}

/** dHash (Krawetz 2013) with sharp: greyscale, resize to 9×8, bit = left > right, row-major, as 16 hex digits. */
export async function sharpDifferenceHash(image: Buffer): Promise<string> {
  const pixels = await sharp(image).greyscale().resize(9, 8, { fit: 'fill' }).raw().toBuffer();
  let hex = '';
  for (let y = 0; y < 8; y++) {
    let byte = 0;
    for (let x = 0; x < 8; x++) byte = (byte << 1) | (pixels[y * 9 + x] > pixels[y * 9 + x + 1] ? 1 : 0);
    hex += byte.toString(16).padStart(2, '0');
  }
  return hex;
}

/** Decodes a JPEG to interleaved RGB. */
export async function decodeRgb(jpeg: Buffer): Promise<Buffer> {
  return sharp(jpeg).removeAlpha().toColourspace('srgb').raw().toBuffer();
}

/** Encodes a mask as a one-channel (greyscale) PNG. */
export async function encodeMask(mask: Buffer, size: number): Promise<Buffer> {
  return sharp(mask, { raw: { width: size, height: size, channels: 1 } }).toColourspace('b-w').png({ compressionLevel: 9 }).toBuffer();
}

/** Decodes a one-channel PNG mask to its raw bytes. */
export async function decodeMask(png: Buffer): Promise<Buffer> {
  return sharp(png).extractChannel(0).raw().toBuffer();
}
