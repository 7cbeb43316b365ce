// Byte-level look at an image file's container: what format the magic bytes name, whether the
// structure ends early, and whether a C2PA manifest store is embedded. Reads only headers and
// chunk/segment framing, never pixel data, and is bounded by the file size.

/** What the container framing says about a file. */
export interface ContainerInfo {
  /** Format named by the magic bytes (lower case), when recognised. */
  format?: string;
  /** True when the framing shows the file ends inside a chunk or segment, or before its closing chunk (PNG IEND). */
  truncated: boolean;
  /** JPEG only: whether an end-of-image marker (FF D9) is among the last 64 KiB. Its absence hints at truncation. */
  endMarker?: boolean;
  /** True when a C2PA manifest store (JUMBF box labelled 'c2pa') is embedded. */
  c2pa: boolean;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Formats without a dedicated walker are searched for a JUMBF 'c2pa' box in this many leading bytes. */
const GENERIC_C2PA_SEARCH_BYTES = 1 << 20;

/** Inspects the container framing of a whole-file buffer. */
export function inspectContainer(buf: Buffer): ContainerInfo {
  const format = detectFormat(buf);
  switch (format) {
    case 'jpeg':
      return { format, ...walkJpeg(buf) };
    case 'png':
      return { format, ...walkPng(buf) };
    case 'webp':
      return { format, truncated: false, c2pa: walkRiffForC2pa(buf) };
    default:
      return { format, truncated: false, c2pa: format !== undefined && hasJumbfC2pa(buf.subarray(0, GENERIC_C2PA_SEARCH_BYTES)) };
  }
}

/** Names the format from magic bytes; undefined when nothing is recognised. */
export function detectFormat(buf: Buffer): string | undefined {
  const ascii = (start: number, text: string): boolean => buf.length >= start + text.length && buf.toString('latin1', start, start + text.length) === text;
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpeg';
  if (buf.length >= 8 && buf.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  if (ascii(0, 'GIF87a') || ascii(0, 'GIF89a')) return 'gif';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'webp';
  if (ascii(0, 'II*\0') || ascii(0, 'MM\0*')) return 'tiff';
  if (ascii(4, 'ftyp')) {
    const brand = buf.toString('latin1', 8, 12);
    if (brand === 'avif' || brand === 'avis') return 'avif';
    if (['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'].includes(brand)) return 'heif';
    if (brand === 'jp2 ' || brand === 'jpx ') return 'jp2';
    if (brand === 'jxl ') return 'jxl';
  }
  if (buf.length >= 12 && buf.readUInt32BE(0) === 0x0c && ascii(4, 'jP  ')) return 'jp2';
  if (buf.length >= 4 && buf[0] === 0xff && buf[1] === 0x4f && buf[2] === 0xff && buf[3] === 0x51) return 'jp2';
  if (buf.length >= 12 && buf.readUInt32BE(0) === 0x0c && ascii(4, 'JXL ')) return 'jxl';
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0x0a) return 'jxl';
  if (ascii(0, 'BM') && buf.length >= 18 && [12, 40, 52, 56, 64, 108, 124].includes(buf.readUInt32LE(14))) return 'bmp';
  if (buf.length >= 6 && buf.readUInt16LE(0) === 0 && (buf.readUInt16LE(2) === 1 || buf.readUInt16LE(2) === 2) && buf.readUInt16LE(4) > 0) return 'ico';
  if (ascii(0, '8BPS')) return 'psd';
  if (ascii(128, 'DICM')) return 'dicom';
  if (ascii(0, 'qoif')) return 'qoi';
  if (ascii(0, 'DDS ')) return 'dds';
  if (buf.length >= 4 && buf.readUInt32LE(0) === 0x01312f76) return 'exr';
  if (ascii(0, '%PDF')) return 'pdf';
  if (buf.length >= 2 && buf[0] === 0x50 && buf[1] >= 0x31 && buf[1] <= 0x37 && buf.length >= 3 && /\s/.test(String.fromCharCode(buf[2]))) return 'ppm';
  const head = buf.toString('latin1', 0, Math.min(buf.length, 512)).trimStart();
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]/i.test(head)) return 'svg';
  return undefined;
}

/** Walks JPEG marker segments up to the first scan: APP11 JUMBF 'c2pa' boxes, and framing that runs off the end. */
function walkJpeg(buf: Buffer): { truncated: boolean; endMarker?: boolean; c2pa: boolean } {
  let c2pa = false;
  let offset = 2;
  while (offset < buf.length) {
    if (buf[offset] !== 0xff) return { truncated: false, endMarker: hasJpegEndMarker(buf), c2pa }; // not a marker: leave the verdict to the decoder
    while (offset < buf.length && buf[offset] === 0xff) offset++; // fill bytes
    if (offset >= buf.length) break;
    const marker = buf[offset++];
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // stand-alone markers
    if (marker === 0xd9) return { truncated: false, endMarker: true, c2pa }; // EOI before any scan
    if (offset + 2 > buf.length) break;
    const length = buf.readUInt16BE(offset);
    if (length < 2) return { truncated: false, endMarker: hasJpegEndMarker(buf), c2pa };
    if (offset + length > buf.length) break;
    if (marker === 0xda) return { truncated: false, endMarker: hasJpegEndMarker(buf), c2pa }; // start of scan: the header is over
    // APP11 carries JUMBF (ISO/IEC 19566-5): 'JP' common identifier, then boxes; C2PA labels its store 'c2pa'.
    if (marker === 0xeb && !c2pa) c2pa = hasJumbfC2pa(buf.subarray(offset + 2, offset + length));
    offset += length;
  }
  return { truncated: true, endMarker: false, c2pa };
}

/** Bytes after the end-of-image marker that are still accepted as trailing data (e.g. maker trailers). */
const JPEG_EOI_SEARCH_BYTES = 1 << 16;

/** True when an end-of-image marker (FF D9) appears among the file's last bytes. */
function hasJpegEndMarker(buf: Buffer): boolean {
  const tail = buf.subarray(Math.max(0, buf.length - JPEG_EOI_SEARCH_BYTES));
  return tail.lastIndexOf(Buffer.from([0xff, 0xd9])) >= 0;
}

/** Walks PNG chunks: a 'caBX' chunk holds C2PA; a chunk running past the end or a missing IEND means truncation. */
function walkPng(buf: Buffer): { truncated: boolean; c2pa: boolean } {
  let c2pa = false;
  let offset = 8;
  while (offset + 8 <= buf.length) {
    const length = buf.readUInt32BE(offset);
    const type = buf.toString('latin1', offset + 4, offset + 8);
    if (offset + 12 + length > buf.length) return { truncated: true, c2pa };
    if (type === 'caBX') c2pa = true;
    if (type === 'IEND') return { truncated: false, c2pa };
    offset += 12 + length;
  }
  return { truncated: true, c2pa };
}

/** Walks RIFF chunks of a WebP file for a 'C2PA' chunk. */
function walkRiffForC2pa(buf: Buffer): boolean {
  let offset = 12;
  while (offset + 8 <= buf.length) {
    if (buf.toString('latin1', offset, offset + 4) === 'C2PA') return true;
    const size = buf.readUInt32LE(offset + 4);
    offset += 8 + size + (size & 1);
  }
  return false;
}

const JUMB = Buffer.from('jumb', 'latin1');
const C2PA = Buffer.from('c2pa', 'latin1');

/** True when the bytes hold a JUMBF superbox ('jumb') whose description carries the 'c2pa' label. */
function hasJumbfC2pa(bytes: Buffer): boolean {
  const at = bytes.indexOf(JUMB);
  return at >= 0 && bytes.indexOf(C2PA, at) >= 0;
}
