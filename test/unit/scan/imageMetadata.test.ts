// Metadata parsing on hand-written XMP text and EXIF blocks, and container inspection on hand-built bytes.
import * as assert from 'node:assert/strict';
import { detectFormat, inspectContainer } from '../../../src/engine/image/imageContainer';
import { AI_DIGITAL_SOURCE_TYPES, digitalSourceTypeFromXmp, readExif, readProvenance } from '../../../src/engine/image/imageMetadata';
import { bmpFile, c2paJumbf, pngHeaderOnly } from './scanFixtures';

describe('imageMetadata', () => {
  it('reads DigitalSourceType in element, attribute and rdf:resource forms, bare or as a NewsCode URI', () => {
    const uri = 'http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia';
    assert.equal(digitalSourceTypeFromXmp(`<Iptc4xmpExt:DigitalSourceType>${uri}</Iptc4xmpExt:DigitalSourceType>`), 'compositeWithTrainedAlgorithmicMedia');
    assert.equal(digitalSourceTypeFromXmp(`<rdf:Description Iptc4xmpExt:DigitalSourceType='algorithmicMedia'/>`), 'algorithmicMedia');
    assert.equal(digitalSourceTypeFromXmp(`<Iptc4xmpExt:DigitalSourceType rdf:resource="${uri}/"/>`), 'compositeWithTrainedAlgorithmicMedia');
    assert.equal(digitalSourceTypeFromXmp('<dc:title>no source type here</dc:title>'), undefined);
  });

  it('marks only generated or synthetic-composite kinds as AI', () => {
    assert.deepEqual([...AI_DIGITAL_SOURCE_TYPES].sort(), ['algorithmicMedia', 'compositeSynthetic', 'compositeWithTrainedAlgorithmicMedia', 'trainedAlgorithmicMedia']);
    const xmp = (code: string): Buffer => Buffer.from(`<x Iptc4xmpExt:DigitalSourceType="${code}"/>`);
    assert.equal(readProvenance(xmp('trainedAlgorithmicMedia'), undefined).aiGenerated, true);
    assert.equal(readProvenance(xmp('algorithmicallyEnhanced'), undefined).aiGenerated, false);
    assert.equal(readProvenance(xmp('minorHumanEdits'), undefined).aiGenerated, false);
  });

  it('finds the NewsCode URI in IPTC-IIM bytes when there is no XMP', () => {
    const iim = Buffer.concat([Buffer.from([0x1c, 0x02, 0x00]), Buffer.from('\x00\x02\x00\x04http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia', 'latin1')]);
    assert.deepEqual(readProvenance(undefined, iim), { digitalSourceType: 'trainedAlgorithmicMedia', aiGenerated: true });
  });

  it('a malformed EXIF block is marked unreadable (not "no GPS"), and no block at all is no facts', () => {
    const malformed = readExif(Buffer.from('Exif\0\0garbage'));
    assert.deepEqual(Object.keys(malformed), ['unreadable']);
    assert.ok((malformed.unreadable ?? '').length > 0);
    assert.deepEqual(readExif(Buffer.alloc(0)), {});
  });
});

describe('imageContainer', () => {
  it('names formats from magic bytes', () => {
    assert.equal(detectFormat(bmpFile()), 'bmp');
    assert.equal(detectFormat(pngHeaderOnly(1, 1)), 'png');
    assert.equal(detectFormat(Buffer.from([0xff, 0xd8, 0xff, 0xe0])), 'jpeg');
    assert.equal(detectFormat(Buffer.from('GIF89a', 'latin1')), 'gif');
    assert.equal(detectFormat(Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', 'latin1')), 'svg');
    assert.equal(detectFormat(Buffer.from('BM not really a bitmap', 'latin1')), undefined);
    assert.equal(detectFormat(Buffer.from('hello world', 'latin1')), undefined);
  });

  it('a complete PNG is not truncated; one cut inside a chunk is', () => {
    const png = pngHeaderOnly(10, 10);
    assert.equal(inspectContainer(png).truncated, false);
    assert.equal(inspectContainer(png.subarray(0, 20)).truncated, true);
  });

  it('a JPEG whose header segments run past the end is truncated', () => {
    // SOI, then an APP0 segment declaring 100 bytes with only 4 present.
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x64, 0x4a, 0x46]);
    assert.equal(inspectContainer(jpeg).truncated, true);
  });

  it('finds a JUMBF c2pa box in a WebP C2PA chunk', () => {
    const box = c2paJumbf();
    const chunk = Buffer.concat([Buffer.from('C2PA', 'latin1'), Buffer.from([box.length & 0xff, box.length >> 8, 0, 0]), box]);
    const webp = Buffer.concat([Buffer.from('RIFF\0\0\0\0WEBP', 'latin1'), chunk]);
    assert.equal(inspectContainer(webp).c2pa, true);
    assert.equal(inspectContainer(Buffer.from('RIFF\0\0\0\0WEBPVP8 \0\0\0\0', 'latin1')).c2pa, false);
  });
});
