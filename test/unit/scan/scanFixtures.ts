// Builders for the images the scan tests need, generated at test time in a temporary folder.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import sharp from 'sharp';

/** A fresh temporary folder; remove it with `fs.rm(dir, { recursive: true, force: true })`. */
export async function tempDir(prefix = 'fairframe-scan-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Encodes interleaved 8-bit pixels as a lossless PNG. */
export function pngFromPixels(pixels: Uint8Array, width: number, height: number, channels: 1 | 3 | 4): Promise<Buffer> {
  const image = sharp(Buffer.from(pixels), { raw: { width, height, channels } });
  return (channels === 1 ? image.toColourspace('b-w') : image).png().toBuffer();
}

/** RGB pixels from a per-pixel function. */
export function rgbPixels(width: number, height: number, colour: (x: number, y: number) => [number, number, number]): Uint8Array {
  const pixels = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels.set(colour(x, y), (y * width + x) * 3);
  }
  return pixels;
}

/** Grey pixels from a per-pixel function. */
export function greyPixels(width: number, height: number, value: (x: number, y: number) => number): Uint8Array {
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels[y * width + x] = value(x, y);
  return pixels;
}

/** A smooth, photo-like test picture (gradients and soft discs), distinct per seed. */
export function smoothPicture(width: number, height: number, seed: number): Uint8Array {
  return rgbPixels(width, height, (x, y) => {
    const u = x / width;
    const v = y / height;
    const disc = Math.exp(-(((u - 0.3 - 0.1 * seed) ** 2 + (v - 0.6) ** 2) / 0.02)) * 160;
    const disc2 = Math.exp(-(((u - 0.75) ** 2 + (v - 0.25 - 0.05 * seed) ** 2) / 0.01)) * 120;
    return [
      Math.min(255, Math.round(40 + 120 * u + disc)),
      Math.min(255, Math.round(30 + 150 * v + disc2)),
      Math.min(255, Math.round(200 - 100 * u * v + disc2 / 2)),
    ];
  });
}

/** One PNG chunk: length, type, data and CRC-32 over type + data. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A PNG whose IHDR declares width × height (8-bit RGB) but which carries no pixel data. */
export function pngHeaderOnly(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', ihdr), pngChunk('IDAT', zlib.deflateSync(Buffer.alloc(0))), pngChunk('IEND', Buffer.alloc(0))]);
}

/** Inserts a chunk into a PNG just before its IEND chunk. */
export function insertPngChunkBeforeEnd(png: Buffer, chunk: Buffer): Buffer {
  const iend = png.length - 12;
  return Buffer.concat([png.subarray(0, iend), chunk, png.subarray(iend)]);
}

/** A JUMBF superbox labelled 'c2pa' (ISO/IEC 19566-5 'jumb' with a 'jumd' description box), as C2PA embeds it. */
export function c2paJumbf(): Buffer {
  const c2paUuid = Buffer.from('6332706100110010800000aa00389b71', 'hex'); // 'c2pa' + ISO suffix
  const label = Buffer.from('c2pa\0', 'latin1');
  const jumdBody = Buffer.concat([c2paUuid, Buffer.from([0x03]), label]);
  const jumd = Buffer.concat([u32(8 + jumdBody.length), Buffer.from('jumd', 'latin1'), jumdBody]);
  return Buffer.concat([u32(8 + jumd.length), Buffer.from('jumb', 'latin1'), jumd]);
}

/** Inserts an APP11 segment carrying a JUMBF box right after a JPEG's SOI marker. */
export function insertJpegApp11(jpeg: Buffer, jumbf: Buffer): Buffer {
  // APP11 payload: 'JP' common identifier, box instance number, packet sequence number, then the box.
  const payload = Buffer.concat([Buffer.from('JP', 'latin1'), Buffer.from([0x00, 0x01]), u32(1), jumbf]);
  const header = Buffer.from([0xff, 0xeb, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, payload, jpeg.subarray(2)]);
}

/** A minimal 4×4 24-bit BMP (BITMAPINFOHEADER). */
export function bmpFile(): Buffer {
  const rowBytes = 12; // 4 pixels × 3 bytes, already a multiple of 4
  const bmp = Buffer.alloc(54 + rowBytes * 4, 0x80);
  bmp.write('BM', 0, 'latin1');
  bmp.writeUInt32LE(bmp.length, 2);
  bmp.writeUInt32LE(0, 6);
  bmp.writeUInt32LE(54, 10);
  bmp.writeUInt32LE(40, 14);
  bmp.writeInt32LE(4, 18);
  bmp.writeInt32LE(4, 22);
  bmp.writeUInt16LE(1, 26);
  bmp.writeUInt16LE(24, 28);
  bmp.writeUInt32LE(0, 30);
  bmp.writeUInt32LE(rowBytes * 4, 34);
  return bmp;
}

function u32(value: number): Buffer {
  const buf = Buffer.alloc(4);
  buf.writeUInt32BE(value, 0);
  return buf;
}
