// Core types shared by every layer. Plain data only: everything here is JSON-serialisable
// (except where noted) so it can cross the worker boundary and land in an AuditResult.

/** The value used for a missing or empty attribute; counted and reported, never dropped. */
export const UNKNOWN = 'unknown';

export type Severity = 'error' | 'warning' | 'info';

/** Where a finding points: a file, and for manifest rows a 1-based line. */
export interface Location {
  file: string;
  line?: number;
}

/** One problem or observation, with the numbers in its message. */
export interface Finding {
  rule: string;
  severity: Severity;
  message: string;
  location: Location;
  evidence: Record<string, unknown>;
  suggestion?: string;
  /** Name of the dataset the finding belongs to. */
  dataset?: string;
  /** Further places the same finding applies to (e.g. the other duplicates). */
  related?: Location[];
}

/** One labelled image of a dataset. `path` is absolute; `relPath` is relative to the dataset root, with '/' separators. */
export interface DatasetRecord {
  id: string;
  path: string;
  relPath: string;
  label: string;
  split?: string;
  attributes: Record<string, string>;
  source: Location;
  /** Absolute path of a mask of the object of interest (e.g. the lesion), from a mask column, relative to the manifest's folder. */
  mask?: string;
}

export type DatasetFormat = 'imagefolder' | 'manifest' | 'hf-imagefolder';

/** A sensitive attribute and where it came from. */
export interface AttributeInfo {
  name: string;
  /** 'config': named in fairframe.json; 'guessed': matched by column name. */
  origin: 'config' | 'guessed';
}

/** Problems met while reading a dataset's structure (before any image is decoded). */
export type LoadIssueKind =
  | 'missing-file' // a manifest row names a file that does not exist
  | 'unlisted-file' // an image file in the root that no manifest row names
  | 'escapes-root' // a manifest path that resolves outside the dataset root
  | 'bad-row' // a manifest row that cannot be parsed or lacks a required value
  | 'bad-manifest' // the manifest as a whole cannot be read
  | 'symlink-loop' // a directory symlink cycle met while walking
  | 'unreadable-dir'; // a directory that could not be listed

export interface LoadIssue {
  kind: LoadIssueKind;
  message: string;
  location: Location;
  /** The path involved, relative to the dataset root where possible. */
  path?: string;
}

/** A dataset as loaded: records plus what was wrong with its structure. */
export interface Dataset {
  name: string;
  root: string;
  format: DatasetFormat;
  /** Absolute path of the manifest file, when there is one. */
  manifest?: string;
  records: DatasetRecord[];
  attributes: AttributeInfo[];
  /** Column names as read from the manifest (empty for ImageFolder). */
  columns: string[];
  loadIssues: LoadIssue[];
}

/** What discovery found before loading: enough to list it and to load it later. */
export interface DatasetRef {
  name: string;
  root: string;
  format: DatasetFormat;
  manifest?: string;
  /** Set when the dataset was declared in fairframe.json. */
  declared?: boolean;
}

/** Image facts extracted once per file and cached. */
export interface ImageFacts {
  width: number;
  height: number;
  channels: number;
  format: string;
  bytes: number;
  /** Mean luma (Rec. 601) in [0, 255]. */
  brightness: number;
  /** Standard deviation of luma in [0, 255] (RMS contrast). */
  contrast: number;
  /** Mean HSV saturation in [0, 1]. */
  saturation: number;
  /** Variance of the 3×3 Laplacian of luma (Pech-Pacheco et al. 2000). */
  sharpness: number;
  /** True when the image has one channel or every pixel has R = G = B (within a tolerance). */
  greyscale: boolean;
  /** 64-bit difference hash as 16 hex digits. */
  dhash: string;
  /** 32×32 greyscale thumbnail (area-averaged luma, stretched to a square), base64: the near-duplicate signature. */
  thumbnail?: string;
  sha256: string;
  exif: {
    /** Why the EXIF block could not be parsed: GPS and serials are then unknown, not absent. */
    unreadable?: string;
    gps?: { latitude: number; longitude: number };
    serials?: Record<string, string>;
    make?: string;
    model?: string;
  };
  provenance: {
    /** The IPTC DigitalSourceType code, when the image declares one (any code; only AI and synthetic codes set aiGenerated). */
    digitalSourceType?: string;
    aiGenerated?: boolean;
    c2pa?: boolean;
  };
}

export type ScanErrorCode = 'zero-byte' | 'unreadable' | 'truncated' | 'unsupported-format' | 'oversized' | 'not-a-file';

/** Result of scanning one record's file. */
export type ScanOutcome =
  | { ok: true; facts: ImageFacts }
  | { ok: false; code: ScanErrorCode; message: string; bytes?: number; width?: number; height?: number; format?: string; sha256?: string };

export type Stage = 'discover' | 'load' | 'scan' | 'checks' | 'infer' | 'metrics' | 'report';

export interface Progress {
  stage: Stage;
  done: number;
  total?: number;
  message?: string;
}

/** Cancellation and progress travel together. */
export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}
