// The ground truth of the demo dataset, written to demo-truth.json. File paths are relative to the dataset root.
import type { NearDuplicateKind, Split } from './demoPlan';
import type { AssociationTest, PropertyGap } from './demoStatistics';

/** A planted near duplicate: `copy` is `source` decoded, shifted, brightened and re-encoded. */
export interface NearDuplicatePair {
  kind: NearDuplicateKind;
  source: string;
  copy: string;
  sourceSplit: Split;
  copySplit: Split;
  /** Label columns as written; they differ only for 'conflicting' pairs. */
  sourceLabel: string;
  copyLabel: string;
  /** The class both images show. */
  trueLabel: string;
  /** dHash Hamming distance between the two: engine dHash and sharp's 9×8 resize dHash. */
  distance: { engine: number; sharp: number };
  alteration: { quality: number; brightnessDelta: number; shiftX: number; shiftY: number };
}

/** Why a group differs in an image property. */
export type GapCause = 'planted' | 'follows-from-planted' | 'inherent' | 'unexpected';

/** The ground truth of one generated demo dataset. */
export interface DemoManifest {
  schemaVersion: 1;
  generator: {
    seed: number;
    imageSize: number;
    jpegQuality: number;
    imagesPlanned: number;
    /** Equal to imagesPlanned unless only the first N images were generated (a test subset). */
    imagesWritten: number;
  };
  /** Paths relative to the output folder. */
  layout: { datasetRoot: string; manifest: string; config: string; masks: string; truth: string };
  columns: string[];
  counts: {
    rows: number;
    split: Record<string, number>;
    /** The label column as written in metadata.csv. */
    label: Record<string, number>;
    /** The classes the images show. */
    trueLabel: Record<string, number>;
    fitzpatrick: Record<string, number>;
    sex: Record<string, number>;
    age_group: Record<string, number>;
    site: Record<string, number>;
    /** Label column (as written) × Fitzpatrick type. */
    labelByFitzpatrick: Record<string, Record<string, number>>;
    /** True class × Fitzpatrick type per split, for model evaluation. */
    trueLabelByFitzpatrickAndSplit: Record<string, Record<string, Record<string, number>>>;
  };
  classBalance: {
    /** Over the four classes, typo rows counted with their intended class. */
    largest: { label: string; count: number };
    smallest: { label: string; count: number };
    ratio: number;
    note: string;
  };
  defects: {
    underRepresentation: {
      attribute: 'fitzpatrick';
      reference: Record<string, number>;
      counts: Record<string, number>;
      /** Observed share / expected share per type. */
      ratioToReference: Record<string, number>;
      /** Types whose ratio is below 0.5 (the default representationRatio). */
      underRepresented: string[];
    };
    labelAssociation: {
      attribute: 'fitzpatrick';
      melanomaShareOnIOrII: number;
      overallShareOnIOrII: number;
      planted: AssociationTest[];
      /** Every other test (label × sex/age_group/site, attribute pairs): none significant at INDEPENDENCE_MIN_P. */
      independent: AssociationTest[];
      redrawWhenPBelow: number;
      attributeRedraws: number;
    };
    brightnessGap: {
      attribute: 'site';
      value: string;
      exposureFactor: number;
      images: number;
      /** Over decodable images: the site against every other site. */
      groupMeanBrightness: number;
      restMeanBrightness: number;
      smd: number;
    };
    /** Every group-versus-rest property gap with |SMD| ≥ 0.5, with its cause; sex and age_group have none. */
    propertyGaps: Array<PropertyGap & { cause: GapCause }>;
    /** The largest |SMD| over sex and age_group groups (no gap is planted there). */
    largestIndependentGap: PropertyGap | null;
    nearDuplicates: { maxDistance: number; pairs: NearDuplicatePair[] };
    exactDuplicates: Array<{ source: string; copy: string; split: Split; label: string; sha256: string }>;
    corruptFiles: Array<{ file: string; kind: 'truncated' | 'zero-byte'; bytes: number; encodedBytes: number }>;
    gps: Array<{ file: string; latitude: number; longitude: number; latitudeDms: number[]; longitudeDms: number[]; latitudeRef: string; longitudeRef: string }>;
    serialNumbers: Array<{ file: string; bodySerialNumber: string }>;
    aiGenerated: Array<{ file: string; digitalSourceType: string }>;
    labelTypos: Array<{ file: string; label: string; trueLabel: string }>;
    /** Test rows whose label column is wrong; the true class is only here. */
    labelFlips: Array<{ file: string; label: string; trueLabel: string }>;
  };
  clean: {
    missingFiles: number;
    unlistedImages: number;
    unknownValues: number;
    /** Smallest dHash distance between two unrelated decodable images (engine and sharp readings). */
    minUnrelatedDistance: { engine: number; sharp: number } | null;
    /** Originals re-drawn because their first draw came within the distance limit of an earlier unrelated image. */
    redrawnForDistance: number;
  };
  /** Findings that follow from the planted defects rather than being planted themselves. */
  sideEffects: string[];
}
