// Reads IDX files (the MNIST format), gzipped or not: a big-endian header of magic (0, 0, type, rank) and one
// uint32 per dimension, then the values row-major. Only unsigned bytes (type 0x08) are read, as MNIST uses.
import { crc32, deflateSync, gunzipSync } from 'node:zlib';

/** The dimensions and values of an IDX file. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Parses an IDX file's bytes (gunzipped first when they start with the gzip magic). */
export function readIdx(bytes: Uint8Array): IdxArray {
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0) throw new Error('Not an IDX file: the first two bytes must be zero.');
  if (raw[2] !== 0x08) throw new Error(`IDX element type 0x${raw[2].toString(16)} is not unsigned byte (0x08).`);
  const rank = raw[3];
  const headerBytes = 4 + 4 * rank;
  const dims = Array.from({ length: rank }, (_, i) => raw.readUInt32BE(4 + 4 * i));
  const count = dims.reduce((product, dim) => product * dim, 1);
  if (raw.length !== headerBytes + count) throw new Error(`IDX file holds ${raw.length - headerBytes} values but its header announces ${count}.`);
  return { dims, data: new Uint8Array(raw.buffer, raw.byteOffset + headerBytes, count) };
}

/**
 * Encodes 8-bit greyscale pixels as a PNG (colour type 0, no filter on every row), by the PNG specification:
 * signature, IHDR, one zlib IDAT, IEND, each chunk with its CRC-32. Thousands of 28×28 images take well under a second.
 */
export function encodeGreyPng(pixels: Uint8Array, width: number, height: number): Buffer {
  const rows = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) rows.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // greyscale
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
