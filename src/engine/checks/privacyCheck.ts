// Privacy and provenance metadata: GPS positions and device serial numbers in EXIF, images marked
// as AI-generated (IPTC DigitalSourceType), and C2PA content credentials.
import { plainRecord } from '../dictionary';
import type { Finding } from '../types';
import { pushFinding, type CheckContext, type CheckOutput, type DatasetCheck, type RuleInfo } from './check';

const EXIF_GPS: RuleInfo = {
  id: 'FF-D030',
  name: 'exif-gps',
  description: 'An image carries GPS coordinates in its EXIF metadata.',
  defaultSeverity: 'warning',
};
const EXIF_SERIAL: RuleInfo = {
  id: 'FF-D031',
  name: 'exif-serial',
  description: 'An image carries device serial numbers (camera body, lens) in its EXIF metadata.',
  defaultSeverity: 'info',
};
const EXIF_UNREADABLE: RuleInfo = {
  id: 'FF-D034',
  name: 'exif-unreadable',
  description: 'Images carry EXIF metadata that cannot be parsed, so they could not be checked for GPS coordinates or serial numbers.',
  defaultSeverity: 'warning',
};
const AI_GENERATED: RuleInfo = {
  id: 'FF-D032',
  name: 'ai-generated',
  description: "An image's provenance metadata marks it as AI-generated or synthetic.",
  defaultSeverity: 'warning',
};
const C2PA_MANIFEST: RuleInfo = {
  id: 'FF-D033',
  name: 'c2pa-manifest',
  description: 'An image carries a C2PA manifest (content credentials).',
  defaultSeverity: 'info',
};

/**
 * IPTC DigitalSourceType values (https://cv.iptc.org/newscodes/digitalsourcetype/) that mark
 * generated or synthetic media.
 */
const SYNTHETIC_SOURCE_TYPES = new Set([
  'trainedalgorithmicmedia',
  'compositewithtrainedalgorithmicmedia',
  'algorithmicmedia',
  'compositesynthetic',
]);

const STRIP_METADATA = 'Strip the metadata in a copy of the dataset (e.g. re-encode the images without metadata) before sharing or publishing it.';

/** GPS positions, device serials, AI-generation marks and C2PA manifests found in image metadata. */
export const privacyCheck: DatasetCheck = {
  name: 'privacy',
  description: 'Finds GPS coordinates and device serial numbers in EXIF metadata, images marked as AI-generated, and C2PA manifests.',
  rules: [EXIF_GPS, EXIF_SERIAL, EXIF_UNREADABLE, AI_GENERATED, C2PA_MANIFEST],
  thresholds: [],
  needsScan: true,
  run: runPrivacyCheck,
};

/** The last segment of a DigitalSourceType URI ('http://cv.iptc.org/…/trainedAlgorithmicMedia' → 'trainedAlgorithmicMedia'). */
export function sourceTypeName(value: string): string {
  return value.trim().replace(/\/+$/, '').split('/').pop() ?? value;
}

function runPrivacyCheck(context: CheckContext): CheckOutput {
  const { dataset, scans, config } = context;
  const findings: Finding[] = [];
  const counts = { gps: 0, serials: 0, aiGenerated: 0, c2pa: 0, scanned: 0 };
  const unreadable: Array<{ record: (typeof dataset.records)[number]; reason: string }> = [];
  const digitalSourceTypes: Record<string, number> = Object.create(null);

  for (const record of dataset.records) {
    const outcome = scans.get(record.id);
    if (!outcome?.ok) continue;
    counts.scanned++;
    const { exif, provenance } = outcome.facts;
    const location = record.source;

    // An EXIF block that cannot be parsed is not a clean one: GPS and serials are unknown there.
    if (exif.unreadable !== undefined) unreadable.push({ record, reason: exif.unreadable });

    const gps = exif.gps;
    if (gps && Number.isFinite(gps.latitude) && Number.isFinite(gps.longitude)) {
      counts.gps++;
      const latitude = Number(gps.latitude.toFixed(4));
      const longitude = Number(gps.longitude.toFixed(4));
      pushFinding(findings, config, EXIF_GPS, {
        message: `Image '${record.relPath}' carries GPS coordinates (${latitude.toFixed(4)}, ${longitude.toFixed(4)}) in its EXIF metadata, which can reveal where a person lives or was photographed.`,
        location,
        evidence: { path: record.relPath, latitude, longitude },
        suggestion: STRIP_METADATA,
      });
    }

    const serialFields = Object.keys(exif.serials ?? {}).filter((field) => (exif.serials?.[field] ?? '').trim() !== '');
    if (serialFields.length > 0) {
      counts.serials++;
      // The serial values themselves stay out of the finding: reports are shared.
      pushFinding(findings, config, EXIF_SERIAL, {
        message: `Image '${record.relPath}' carries device serial numbers in its EXIF metadata (${serialFields.join(', ')}), which tie it to one camera${exif.make || exif.model ? ` (${[exif.make, exif.model].filter(Boolean).join(' ')})` : ''}.`,
        location,
        evidence: { path: record.relPath, fields: serialFields, make: exif.make, model: exif.model },
        suggestion: STRIP_METADATA,
      });
    }

    const sourceType = provenance.digitalSourceType ? sourceTypeName(provenance.digitalSourceType) : undefined;
    if (sourceType) digitalSourceTypes[sourceType] = (digitalSourceTypes[sourceType] ?? 0) + 1;
    const synthetic = sourceType !== undefined && SYNTHETIC_SOURCE_TYPES.has(sourceType.toLowerCase());
    if (provenance.aiGenerated === true || synthetic) {
      counts.aiGenerated++;
      pushFinding(findings, config, AI_GENERATED, {
        message: sourceType
          ? `Image '${record.relPath}' is marked as AI-generated or synthetic: its DigitalSourceType is '${sourceType}'.`
          : `Image '${record.relPath}' is marked as AI-generated or synthetic by its provenance metadata.`,
        location,
        evidence: { path: record.relPath, digitalSourceType: provenance.digitalSourceType, c2pa: provenance.c2pa === true },
        suggestion: 'Review AI-generated images: decide whether they belong in the dataset, and if they stay, record it in the dataset card and check that they do not cluster in one class or group.',
      });
    }

    if (provenance.c2pa === true) {
      counts.c2pa++;
      pushFinding(findings, config, C2PA_MANIFEST, {
        message: `Image '${record.relPath}' carries a C2PA manifest (content credentials) describing how it was made or edited.`,
        location,
        evidence: { path: record.relPath, digitalSourceType: provenance.digitalSourceType },
        suggestion: 'Inspect the manifest with a C2PA tool to learn the image\'s origin; strip it in a copy of the dataset if it names people or devices.',
      });
    }
  }

  if (unreadable.length > 0) {
    const named = unreadable.slice(0, 5).map(({ record }) => `'${record.relPath}'`).join(', ');
    pushFinding(findings, config, EXIF_UNREADABLE, {
      message: `${unreadable.length} of ${counts.scanned} images carry EXIF metadata that cannot be read (${named}${unreadable.length > 5 ? ` and ${unreadable.length - 5} more` : ''}; first: ${unreadable[0].reason}), so they were not checked for GPS coordinates or device serial numbers.`,
      location: dataset.manifest ? { file: dataset.manifest } : { file: dataset.root },
      evidence: { count: unreadable.length, of: counts.scanned, images: unreadable.slice(0, 1000).map(({ record, reason }) => ({ path: record.relPath, reason })) },
      related: unreadable.slice(0, 50).map(({ record }) => record.source),
      suggestion: `Inspect these images' metadata with an EXIF tool (e.g. exiftool); ${STRIP_METADATA.charAt(0).toLowerCase()}${STRIP_METADATA.slice(1)}`,
    });
  }

  return {
    findings,
    summary: {
      imagesScanned: counts.scanned,
      // Images whose EXIF (if any) was read: the ones the GPS and serial checks actually covered.
      exifChecked: counts.scanned - unreadable.length,
      exifUnreadable: unreadable.length,
      withGps: counts.gps,
      withSerialNumbers: counts.serials,
      aiGenerated: counts.aiGenerated,
      withC2pa: counts.c2pa,
      digitalSourceTypes: plainRecord(digitalSourceTypes),
    },
  };
}
