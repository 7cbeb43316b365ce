import * as assert from 'node:assert/strict';
import { privacyCheck, sourceTypeName } from '../../../src/engine/checks/privacyCheck';
import type { ScanOutcome } from '../../../src/engine/types';
import { MANIFEST, config, context, dataset, ok, record, scansOf } from './scanFixtures';

const outcomes: ScanOutcome[] = [
  ok(),
  ok({ exif: { gps: { latitude: 51.500729, longitude: -0.124625 } } }),
  ok({ exif: { serials: { BodySerialNumber: '0123456', LensSerialNumber: '99' }, make: 'Canon', model: 'EOS R5' } }),
  ok({ provenance: { digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia', aiGenerated: true, c2pa: true } }),
  ok({ provenance: { digitalSourceType: 'compositeSynthetic' } }),
  ok({ provenance: { digitalSourceType: 'digitalCapture' } }),
  ok({ exif: { serials: { BodySerialNumber: '  ' } } }),
  { ok: false, code: 'unreadable', message: 'corrupt' },
  ok({ exif: { unreadable: 'Invalid EXIF' } }),
];
const recs = outcomes.map((_, i) => record(i, 'a'));

describe('checks/privacyCheck', () => {
  it('reports GPS, serials, AI-generated images and C2PA manifests per image', async () => {
    const out = await privacyCheck.run(context(dataset(recs), scansOf(outcomes)));
    assert.deepEqual(out.findings.map((f) => `${f.rule}:${f.severity}@${f.location.line}`), [
      'FF-D030:warning@3', 'FF-D031:info@4', 'FF-D032:warning@5', 'FF-D033:info@5', 'FF-D032:warning@6', 'FF-D034:warning@undefined',
    ]);
    const exif = out.findings[5];
    assert.equal(exif.message, "1 of 8 images carry EXIF metadata that cannot be read ('img/8.jpg'; first: Invalid EXIF), so they were not checked for GPS coordinates or device serial numbers.");
    assert.deepEqual(exif.evidence, { count: 1, of: 8, images: [{ path: 'img/8.jpg', reason: 'Invalid EXIF' }] });
    const [gps, serial, ai] = out.findings;
    assert.equal(gps.message, "Image 'img/1.jpg' carries GPS coordinates (51.5007, -0.1246) in its EXIF metadata, which can reveal where a person lives or was photographed.");
    assert.deepEqual(gps.evidence, { path: 'img/1.jpg', latitude: 51.5007, longitude: -0.1246 });
    assert.match(gps.suggestion ?? '', /re-encode/);
    assert.match(serial.message, /\(BodySerialNumber, LensSerialNumber\), which tie it to one camera \(Canon EOS R5\)\.$/);
    assert.ok(!JSON.stringify(serial).includes('0123456'), 'serial values stay out of the finding');
    assert.equal(ai.message, "Image 'img/3.jpg' is marked as AI-generated or synthetic: its DigitalSourceType is 'trainedAlgorithmicMedia'.");
    assert.deepEqual(out.summary, {
      imagesScanned: 8, exifChecked: 7, exifUnreadable: 1, withGps: 1, withSerialNumbers: 1, aiGenerated: 2, withC2pa: 1,
      digitalSourceTypes: { trainedAlgorithmicMedia: 1, compositeSynthetic: 1, digitalCapture: 1 },
    });
    assert.equal(out.findings[0].location.file, MANIFEST);
  });

  it('emits nothing for rules switched off', async () => {
    const off = config({}, { 'FF-D030': 'off', 'FF-D031': 'off', 'FF-D032': 'off', 'FF-D033': 'off', 'FF-D034': 'off' });
    const out = await privacyCheck.run(context(dataset(recs), scansOf(outcomes), off));
    assert.deepEqual(out.findings, []);
    assert.equal(out.summary.withGps, 1);
  });

  it('names DigitalSourceType URIs by their last segment', () => {
    assert.equal(sourceTypeName('http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia/'), 'algorithmicMedia');
    assert.equal(sourceTypeName('digitalCapture'), 'digitalCapture');
  });
});
