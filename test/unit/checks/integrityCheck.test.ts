import * as assert from 'node:assert/strict';
import { boundedLevenshtein, findLabelVariants, integrityCheck, normaliseLabel } from '../../../src/engine/checks/integrityCheck';
import type { CheckOutput } from '../../../src/engine/checks/check';
import type { Finding, LoadIssue, ScanOutcome } from '../../../src/engine/types';
import { MANIFEST, config, context, dataset, ok, record, records, scansOf } from './scanFixtures';

async function run(...args: Parameters<typeof context>): Promise<CheckOutput> {
  return integrityCheck.run(context(...args));
}
const rules = (findings: Finding[]): string[] => findings.map((f) => f.rule);
const issue = (kind: LoadIssue['kind'], line: number, path = `img/x${line}.jpg`): LoadIssue => ({
  kind,
  message: `Problem ${kind} at line ${line}.`,
  location: { file: MANIFEST, line },
  path,
});

describe('checks/integrityCheck', () => {
  it('reports every load issue without scans, one finding each', async () => {
    const loadIssues = [
      issue('missing-file', 2), issue('missing-file', 3), issue('missing-file', 9),
      issue('unlisted-file', 0), issue('escapes-root', 4),
      issue('bad-row', 5), issue('symlink-loop', 6), issue('unreadable-dir', 7), issue('bad-manifest', 1),
    ];
    const out = await run(dataset(records(['a', 'b']), { loadIssues }));
    assert.equal(integrityCheck.needsScan, false);
    assert.deepEqual(rules(out.findings), ['FF-D013', 'FF-D013', 'FF-D013', 'FF-D014', 'FF-D015', 'FF-D018', 'FF-D018', 'FF-D018', 'FF-D018']);
    assert.deepEqual(out.findings.map((f) => f.severity), ['error', 'error', 'error', 'warning', 'error', 'warning', 'warning', 'warning', 'error']);
    assert.deepEqual(out.findings[2].location, { file: MANIFEST, line: 9 });
    assert.equal(out.findings[2].message, 'Problem missing-file at line 9.');
    assert.deepEqual(out.summary.loadIssues, { 'missing-file': 3, 'unlisted-file': 1, 'escapes-root': 1, 'bad-row': 1, 'symlink-loop': 1, 'unreadable-dir': 1, 'bad-manifest': 1 });
    assert.equal(out.summary.scanned, false);
  });

  it('honours configured severities and rules switched off', async () => {
    const loadIssues = [issue('missing-file', 2), issue('bad-row', 3), issue('bad-manifest', 1)];
    const out = await run(dataset(records(['a']), { loadIssues }), new Map(), config({}, { 'FF-D013': 'off', 'FF-D018': 'info' }));
    assert.deepEqual(rules(out.findings), ['FF-D018', 'FF-D018']);
    assert.deepEqual(out.findings.map((f) => f.severity), ['info', 'info']);
  });

  it('reports each failed scan by its code', async () => {
    const failures: ScanOutcome[] = [
      ok(),
      { ok: false, code: 'truncated', message: 'the JPEG ends before its end-of-image marker' },
      { ok: false, code: 'unreadable', message: 'Input buffer contains unsupported image format' },
      { ok: false, code: 'not-a-file', message: 'it is a directory' },
      { ok: false, code: 'zero-byte', message: 'the file is empty', bytes: 0 },
      { ok: false, code: 'unsupported-format', message: 'no decoder for this format', format: 'heif' },
      { ok: false, code: 'oversized', message: 'too many pixels', width: 40000, height: 40000 },
      ok(),
    ];
    const recs = failures.map((_, i) => record(i, 'a'));
    const out = await run(dataset(recs), scansOf(failures), config({ maxPixels: 100_000_000 }));
    assert.deepEqual(rules(out.findings), ['FF-D010', 'FF-D010', 'FF-D010', 'FF-D011', 'FF-D012', 'FF-D017']);
    assert.equal(out.findings[0].message, "Image 'img/1.jpg' cannot be read (truncated: the JPEG ends before its end-of-image marker).");
    assert.deepEqual(out.findings[0].location, { file: MANIFEST, line: 3 });
    assert.match(out.findings[4].message, /in heif format, which the image decoder \(sharp\) cannot read/);
    assert.match(out.findings[4].suggestion ?? '', /PNG or JPEG/);
    assert.equal(out.findings[5].message, "Image 'img/6.jpg' has 40000×40000 = 1,600,000,000 pixels, over the limit of 100,000,000; it was not decoded.");
    assert.equal(out.findings[5].evidence.pixels, 1_600_000_000);
    assert.deepEqual(out.summary.scanFailures, { truncated: 1, unreadable: 1, 'not-a-file': 1, 'zero-byte': 1, 'unsupported-format': 1, oversized: 1 });
    assert.equal(out.summary.imagesScanned, 8);
    assert.deepEqual(Object.keys(out.scores ?? {}), ['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
  });

  it('groups labels that differ in case and whitespace into one finding at the rarer spelling', async () => {
    const labels = ['cat', 'cat', 'Cat', 'dog', 'cat', 'cat ', 'dog'];
    const out = await run(dataset(records(labels)));
    assert.equal(out.findings.length, 1);
    const finding = out.findings[0];
    assert.equal(finding.rule, 'FF-D016');
    assert.equal(finding.severity, 'warning');
    assert.equal(finding.message, "Labels 'cat' (3), 'Cat' (1) and 'cat ' (1) look like spellings of one class: they differ only in case, whitespace or '-'/'_' separators. They are counted as 3 separate classes.");
    // 'Cat' is record 2 → line 4; 'cat ' is record 5 → line 7.
    assert.deepEqual(finding.location, { file: MANIFEST, line: 4 });
    assert.deepEqual(finding.related, [{ file: MANIFEST, line: 7 }, { file: MANIFEST, line: 2 }]);
    assert.deepEqual(finding.evidence.spellings, [{ label: 'cat', count: 3 }, { label: 'Cat', count: 1 }, { label: 'cat ', count: 1 }]);
    assert.equal(out.summary.labelVariantGroups, 1);
  });

  it('flags Melanoma/melanoma, separators and a rare typo, but not distinct short or numbered labels', () => {
    const labelsOf = (labels: string[]): string[][] =>
      findLabelVariants(records(labels), 1).map((group) => group.spellings.map((s) => s.label));
    assert.deepEqual(labelsOf(['melanoma', 'melanoma', 'Melanoma', 'nevus']), [['melanoma', 'Melanoma']]);
    assert.deepEqual(labelsOf(['ice_cream', 'ice-cream', 'Ice Cream', 'icecream']), [['ice_cream', 'ice-cream', 'Ice Cream', 'icecream']]);
    assert.deepEqual(labelsOf(['cat', 'car', 'cat', 'car', 'car']), []);
    assert.deepEqual(labelsOf(['1', '7', '0', '9', '1']), []);
    assert.deepEqual(labelsOf(['class_1', 'class_2', 'class_12', 'class_2']), []);
    assert.deepEqual(labelsOf(['n02085620', 'n02085602']), []);
    // A rare one-edit variant is a typo; two equally common ones ('bear'/'pear' in CIFAR-100) are classes.
    assert.deepEqual(labelsOf(['melanoma', 'melanoma', 'melanoma', 'melanomma']), [['melanoma', 'melanomma']]);
    assert.deepEqual(labelsOf(['bear', 'pear', 'bear', 'pear']), []);
    const typo = findLabelVariants(records(['melanoma', 'melanoma', 'melanoma', 'melanomma']), 1)[0];
    assert.equal(typo.editDistance, 1);
    assert.deepEqual(typo.location, { file: MANIFEST, line: 5 });
    // labelEditDistance 0 keeps only normalisation matches.
    assert.deepEqual(findLabelVariants(records(['melanoma', 'melanoma', 'melanomma', 'Melanoma']), 0).map((g) => g.spellings.length), [2]);
  });

  it('can switch the label rule off', async () => {
    const out = await run(dataset(records(['Cat', 'cat'])), new Map(), config({}, { 'FF-D016': 'off' }));
    assert.deepEqual(out.findings, []);
  });

  it('normalises labels and computes bounded edit distances', () => {
    assert.equal(normaliseLabel(' Ice-Cream_Cone '), 'icecreamcone');
    assert.equal(boundedLevenshtein('kitten', 'sitting', 5), 3);
    assert.equal(boundedLevenshtein('kitten', 'sitting', 2), 3);
    assert.equal(boundedLevenshtein('abc', 'abc', 0), 0);
    assert.equal(boundedLevenshtein('', 'abcd', 9), 4);
  });
});
