// scanImage on files generated at test time: facts with hand-computed values, metadata, provenance and failures.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { hammingDistance } from '../../../src/engine/hash/hammingDistance';
import { scanImage } from '../../../src/engine/image/scanImage';
import type { ImageFacts, ScanOutcome } from '../../../src/engine/types';
import {
  bmpFile,
  c2paJumbf,
  greyPixels,
  insertJpegApp11,
  insertPngChunkBeforeEnd,
  pngChunk,
  pngFromPixels,
  pngHeaderOnly,
  rgbPixels,
  smoothPicture,
  tempDir,
} from './scanFixtures';

const MAX_PIXELS = 100_000_000;

function facts(outcome: ScanOutcome): ImageFacts {
  if (!outcome.ok) assert.fail(`expected facts, got ${outcome.code}: ${outcome.message}`);
  return outcome.facts;
}

function failure(outcome: ScanOutcome): Extract<ScanOutcome, { ok: false }> {
  if (outcome.ok) assert.fail('expected a failed outcome');
  return outcome;
}

describe('scanImage', () => {
  let dir: string;
  const write = async (name: string, data: Buffer): Promise<string> => {
    const file = path.join(dir, name);
    await fs.writeFile(file, data);
    return file;
  };
  const scan = (file: string, maxPixels = MAX_PIXELS): Promise<ScanOutcome> => scanImage(file, { maxPixels });

  before(async () => {
    dir = await tempDir();
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  describe('facts', () => {
    it('uniform (100,150,200) PNG: brightness 140.75, contrast 0, saturation 0.5, sharpness 0, size, format, sha256', async () => {
      const data = await pngFromPixels(rgbPixels(40, 30, () => [100, 150, 200]), 40, 30, 3);
      const result = facts(await scan(await write('uniform.png', data)));
      assert.equal(result.width, 40);
      assert.equal(result.height, 30);
      assert.equal(result.channels, 3);
      assert.equal(result.format, 'png');
      assert.equal(result.bytes, data.length);
      assert.equal(result.sha256, createHash('sha256').update(data).digest('hex'));
      assert.ok(Math.abs(result.brightness - 140.75) < 1e-6);
      assert.ok(Math.abs(result.contrast) < 1e-6);
      assert.ok(Math.abs(result.saturation - 0.5) < 1e-9);
      assert.ok(Math.abs(result.sharpness) < 1e-6);
      assert.equal(result.greyscale, false);
      assert.equal(result.dhash, '0000000000000000');
      assert.deepEqual(result.exif, {});
      assert.deepEqual(result.provenance, {});
    });

    it('white left half, black right half, 100×100 PNG: 127.5 / 127.5, sharpness 1327.04, grey, dHash 0x18 per row', async () => {
      const data = await pngFromPixels(rgbPixels(100, 100, (x) => (x < 50 ? [255, 255, 255] : [0, 0, 0])), 100, 100, 3);
      const result = facts(await scan(await write('halves.png', data)));
      assert.ok(Math.abs(result.brightness - 127.5) < 1e-6);
      assert.ok(Math.abs(result.contrast - 127.5) < 1e-6);
      assert.equal(result.saturation, 0);
      assert.equal(result.greyscale, true);
      assert.ok(Math.abs(result.sharpness - 1327.0408163265306) < 1e-4);
      assert.equal(result.dhash, '1818181818181818');
    });

    it('a one-channel PNG is greyscale with 1 channel', async () => {
      const data = await pngFromPixels(greyPixels(32, 32, (x) => x * 8), 32, 32, 1);
      const result = facts(await scan(await write('grey.png', data)));
      assert.equal(result.channels, 1);
      assert.equal(result.greyscale, true);
      assert.ok(Math.abs(result.brightness - 124) < 1e-9); // mean of 0, 8, …, 248
    });

    it('a checkerboard is far sharper than the same checkerboard blurred', async () => {
      const board = greyPixels(64, 64, (x, y) => ((x + y) % 2 === 0 ? 0 : 255));
      const sharpData = await pngFromPixels(board, 64, 64, 1);
      const blurredData = await sharp(sharpData).blur(2).png().toBuffer();
      const crisp = facts(await scan(await write('board.png', sharpData)));
      const blurred = facts(await scan(await write('board-blurred.png', blurredData)));
      assert.ok(Math.abs(crisp.sharpness - 1_040_400) < 1e-3);
      assert.ok(blurred.sharpness < crisp.sharpness / 100, `blurred ${blurred.sharpness} vs ${crisp.sharpness}`);
    });

    it('statistics come from a copy at most 256 px on its longer side, with the original size reported', async () => {
      const data = await pngFromPixels(rgbPixels(600, 300, () => [100, 150, 200]), 600, 300, 3);
      const result = facts(await scan(await write('wide.png', data)));
      assert.equal(result.width, 600);
      assert.equal(result.height, 300);
      assert.ok(Math.abs(result.brightness - 140.75) < 0.5);
    });

    it('dHash survives re-encoding and resizing, and differs for another picture', async () => {
      const original = await sharp(Buffer.from(smoothPicture(400, 300, 0)), { raw: { width: 400, height: 300, channels: 3 } }).png().toBuffer();
      const copy = await sharp(original).resize(200, 150).jpeg({ quality: 60 }).toBuffer();
      const other = await sharp(Buffer.from(smoothPicture(400, 300, 3)), { raw: { width: 400, height: 300, channels: 3 } }).rotate(180).png().toBuffer();
      const a = facts(await scan(await write('picture.png', original)));
      const b = facts(await scan(await write('picture-copy.jpg', copy)));
      const c = facts(await scan(await write('picture-other.png', other)));
      assert.ok(hammingDistance(a.dhash, b.dhash) <= 4, `${a.dhash} vs ${b.dhash}`);
      assert.ok(hammingDistance(a.dhash, c.dhash) >= 16, `${a.dhash} vs ${c.dhash}`);
      assert.notEqual(a.sha256, b.sha256);
    });

    it('a file above the large-file size is hashed in chunks and decoded from disk, with the same facts', async () => {
      const jpeg = insertJpegApp11(await sharp(Buffer.from(smoothPicture(300, 200, 1)), { raw: { width: 300, height: 200, channels: 3 } }).jpeg().toBuffer(), c2paJumbf());
      const file = await write('large.jpg', jpeg);
      const inMemory = facts(await scanImage(file, { maxPixels: MAX_PIXELS }));
      const streamed = facts(await scanImage(file, { maxPixels: MAX_PIXELS, largeFileBytes: 100 }));
      assert.deepEqual(streamed, inMemory);
      assert.equal(streamed.sha256, createHash('sha256').update(jpeg).digest('hex'));
      assert.equal(streamed.provenance.c2pa, true);
    });

    it('reads JPEG, WebP, GIF and TIFF', async () => {
      const base = sharp(Buffer.from(smoothPicture(64, 48, 1)), { raw: { width: 64, height: 48, channels: 3 } });
      for (const [name, data] of [
        ['a.jpg', await base.clone().jpeg().toBuffer()],
        ['a.webp', await base.clone().webp().toBuffer()],
        ['a.gif', await base.clone().gif().toBuffer()],
        ['a.tiff', await base.clone().tiff().toBuffer()],
      ] as const) {
        const result = facts(await scan(await write(name, data)));
        assert.equal(result.width, 64, name);
        assert.equal(result.height, 48, name);
        assert.equal(result.format, { 'a.jpg': 'jpeg', 'a.webp': 'webp', 'a.gif': 'gif', 'a.tiff': 'tiff' }[name]);
      }
    });
  });

  describe('metadata', () => {
    const picture = (): Sharp => sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } });

    it('EXIF GPS with S and W references becomes negative decimal degrees', async () => {
      const data = await picture()
        .withExif({ IFD3: { GPSLatitudeRef: 'S', GPSLatitude: '33/1 51/1 3600/100', GPSLongitudeRef: 'W', GPSLongitude: '151/1 12/1 3000/100' } })
        .jpeg()
        .toBuffer();
      const { exif } = facts(await scan(await write('gps-sw.jpg', data)));
      // 33° 51′ 36″ = 33.86; 151° 12′ 30″ = 151.208333…
      assert.ok(Math.abs((exif.gps?.latitude ?? NaN) - -33.86) < 1e-9);
      assert.ok(Math.abs((exif.gps?.longitude ?? NaN) - -151.20833333333334) < 1e-9);
    });

    it('EXIF GPS with N and E references stays positive', async () => {
      const data = await picture()
        .withExif({ IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 3/1' } })
        .jpeg()
        .toBuffer();
      const { exif } = facts(await scan(await write('gps-ne.jpg', data)));
      assert.ok(Math.abs((exif.gps?.latitude ?? NaN) - (48 + 51 / 60 + 24 / 3600)) < 1e-9);
      assert.ok(Math.abs((exif.gps?.longitude ?? NaN) - (2 + 21 / 60 + 3 / 3600)) < 1e-9);
    });

    it('EXIF device serials, make and model', async () => {
      const data = await picture()
        .withExif({ IFD0: { Make: 'Canon', Model: 'EOS R5' }, IFD2: { BodySerialNumber: 'SN-0042', LensSerialNumber: 'L-77' } })
        .jpeg()
        .toBuffer();
      const { exif } = facts(await scan(await write('serial.jpg', data)));
      assert.deepEqual(exif.serials, { BodySerialNumber: 'SN-0042', LensSerialNumber: 'L-77' });
      assert.equal(exif.make, 'Canon');
      assert.equal(exif.model, 'EOS R5');
      assert.equal(exif.gps, undefined);
    });

    const xmpPacket = (description: string): string =>
      '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">' +
      '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
      description +
      '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>';

    it('XMP DigitalSourceType trainedAlgorithmicMedia (element, full URI) marks a JPEG as AI-generated', async () => {
      const xmp = xmpPacket(
        '<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/">' +
          '<Iptc4xmpExt:DigitalSourceType>http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia</Iptc4xmpExt:DigitalSourceType>' +
          '</rdf:Description>',
      );
      const data = await picture().withXmp(xmp).jpeg().toBuffer();
      const { provenance } = facts(await scan(await write('ai.jpg', data)));
      assert.deepEqual(provenance, { digitalSourceType: 'trainedAlgorithmicMedia', aiGenerated: true });
    });

    it('XMP DigitalSourceType compositeSynthetic (attribute, bare code) in a PNG is AI; digitalCapture is not', async () => {
      const synthetic = xmpPacket(
        '<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" Iptc4xmpExt:DigitalSourceType="compositeSynthetic"/>',
      );
      const capture = xmpPacket(
        '<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"/>',
      );
      const a = facts(await scan(await write('synthetic.png', await picture().withXmp(synthetic).png().toBuffer())));
      const b = facts(await scan(await write('capture.png', await picture().withXmp(capture).png().toBuffer())));
      assert.deepEqual(a.provenance, { digitalSourceType: 'compositeSynthetic', aiGenerated: true });
      assert.deepEqual(b.provenance, { digitalSourceType: 'digitalCapture', aiGenerated: false });
    });

    it('a JPEG with an APP11 JUMBF segment labelled c2pa carries C2PA, and still decodes', async () => {
      const plain = await picture().jpeg().toBuffer();
      const signed = insertJpegApp11(plain, c2paJumbf());
      const withManifest = facts(await scan(await write('c2pa.jpg', signed)));
      const without = facts(await scan(await write('no-c2pa.jpg', plain)));
      assert.equal(withManifest.provenance.c2pa, true);
      assert.equal(withManifest.width, 16);
      assert.equal(without.provenance.c2pa, undefined);
    });

    it('a PNG with a caBX chunk carries C2PA', async () => {
      const plain = await picture().png().toBuffer();
      const signed = insertPngChunkBeforeEnd(plain, pngChunk('caBX', c2paJumbf()));
      assert.equal(facts(await scan(await write('c2pa.png', signed))).provenance.c2pa, true);
    });
  });

  describe('failures', () => {
    it('zero-byte', async () => {
      const outcome = failure(await scan(await write('empty.jpg', Buffer.alloc(0))));
      assert.equal(outcome.code, 'zero-byte');
      assert.equal(outcome.bytes, 0);
    });

    it('a JPEG cut in half is truncated, with its header size kept', async () => {
      const whole = await sharp(Buffer.from(smoothPicture(200, 150, 2)), { raw: { width: 200, height: 150, channels: 3 } }).jpeg().toBuffer();
      const cut = whole.subarray(0, Math.floor(whole.length / 2));
      const outcome = failure(await scan(await write('cut.jpg', cut)));
      assert.equal(outcome.code, 'truncated');
      assert.equal(outcome.width, 200);
      assert.equal(outcome.format, 'jpeg');
      assert.equal(outcome.sha256, createHash('sha256').update(cut).digest('hex'));
    });

    it('a PNG cut in half, and a PNG missing only its IEND chunk, are truncated', async () => {
      const whole = await pngFromPixels(smoothPicture(200, 150, 2), 200, 150, 3);
      assert.equal(failure(await scan(await write('cut.png', whole.subarray(0, Math.floor(whole.length / 2))))).code, 'truncated');
      assert.equal(failure(await scan(await write('no-iend.png', whole.subarray(0, whole.length - 12)))).code, 'truncated');
    });

    it('random bytes named .jpg are unreadable', async () => {
      const bytes = Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 131 + 17) % 251));
      assert.equal(failure(await scan(await write('noise.jpg', bytes))).code, 'unreadable');
    });

    it('a BMP is an unsupported format, named as such', async () => {
      const outcome = failure(await scan(await write('image.bmp', bmpFile())));
      assert.equal(outcome.code, 'unsupported-format');
      assert.equal(outcome.format, 'bmp');
    });

    it('a PNG header declaring 40000×40000 is oversized, reported from the header alone', async () => {
      const header = pngHeaderOnly(40_000, 40_000);
      const outcome = failure(await scan(await write('huge.png', header)));
      assert.equal(outcome.code, 'oversized');
      assert.equal(outcome.width, 40_000);
      assert.equal(outcome.height, 40_000);
      assert.equal(outcome.format, 'png');
      assert.equal(outcome.bytes, header.length);
      assert.match(outcome.message, /1,600,000,000 pixels/);
    });

    it('the pixel limit is the configured one', async () => {
      const data = await pngFromPixels(rgbPixels(40, 30, () => [1, 2, 3]), 40, 30, 3);
      const file = await write('limit.png', data);
      assert.equal(failure(await scan(file, 1199)).code, 'oversized');
      assert.equal((await scan(file, 1200)).ok, true);
    });

    it('a folder is not a file', async () => {
      assert.equal(failure(await scan(dir)).code, 'not-a-file');
    });

    it('a signal that has fired rejects with cancelled', async () => {
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(scanImage(path.join(dir, 'uniform.png'), { maxPixels: MAX_PIXELS, signal: controller.signal }), { code: 'cancelled' });
    });
  });
});
