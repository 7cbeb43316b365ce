// What the dashboard draws: an AuditResult reduced to aggregates and capped galleries (no per-image predictions),
// so a 100,000-image result crosses to the webview as a few hundred kilobytes. Pure: no DOM, no vscode, no node.
import type { AuditResult, DatasetAudit } from '../src/engine/auditResult';
import type { ExplainedError } from '../src/engine/modelAudit/explainAudit';
import type { FairnessFigure, GroupMetric, GroupReport, Interval, LabelIssueSummary, ModelAudit } from '../src/engine/modelAudit/modelAuditTypes';
import type { PropertyHistogram } from '../src/engine/checks/imagePropertiesCheck';
import type { RobustnessResults } from '../src/engine/robustness/robustnessTypes';
import type { AttributeInfo, DatasetFormat, Finding, Severity } from '../src/engine/types';

export type { PropertyHistogram } from '../src/engine/checks/imagePropertiesCheck';
import type { DashboardFocus } from './protocol';

/** Gallery entries sent per gallery; the count beyond is reported as a number. */
export const GALLERY_LIMIT = 1000;
/** Images shown per duplicate set. */
export const IMAGES_PER_SET = 12;

/** Maps an image (dataset name, path relative to its root) to a URL the webview may load; undefined: show the path only. */
export type ImageUriFunction = (dataset: string, relPath: string) => string | undefined;

/** One image in a gallery. */
export interface GalleryImage {
  relPath: string;
  uri?: string;
}

/** A label × attribute table of image counts (from the intersections check). */
export interface CrossTable {
  rowName: string;
  columnName: string;
  rowValues: string[];
  columnValues: string[];
  counts: number[][];
}

/** One numeric image property summarised over one group: a tidy row for the charts. */
export interface PropertyRow {
  /** 'label' for classes, else the attribute. */
  partition: string;
  group: string;
  property: string;
  n: number;
  mean: number | null;
  sd: number | null;
  median: number | null;
  min: number | null;
  max: number | null;
}

/** A set of duplicate images (one FF-D02x finding). */
export interface DuplicateSet {
  rule: string;
  severity: Severity;
  message: string;
  count: number;
  images: GalleryImage[];
}

/** One dataset as the dashboard shows it. */
export interface DashboardDataset {
  name: string;
  root: string;
  format: DatasetFormat;
  images: number;
  classes: Record<string, number>;
  splits: Record<string, number>;
  attributes: Array<AttributeInfo & { values: Record<string, number> }>;
  scan: DatasetAudit['scan'];
  crossTables: CrossTable[];
  /** Image properties by class and group (summaries, and histograms on shared edges), or why there are none. */
  properties: { rows: PropertyRow[]; histograms: Record<string, PropertyHistogram> } | { skipped: string };
  duplicates: { total: number; sets: DuplicateSet[] };
}

/** A likely label error with its image. */
export interface LabelIssueItem extends GalleryImage {
  /** Position in the ranking, 1 = likeliest error. */
  rank: number;
  /** True when the image has a finding of its own (FF-M020). */
  reported: boolean;
  givenLabel: string;
  suggestedLabel: string;
  selfConfidence: number;
}

/** A most-confident error the audit explained, with its stored saliency map (values in [0, 1], row-major). */
export type ExplainedItem = GalleryImage & Pick<ExplainedError,
  'label' | 'predicted' | 'confidence' | 'groups' | 'method' | 'fallbackFrom' | 'deletionAuc' | 'insertionAuc' | 'randomDeletionAuc' | 'randomInsertionAuc' | 'map'>;

/** One finding as the dashboard lists it. */
export interface DashboardFinding {
  /** findingKey(): how a focus request names it. */
  key: string;
  rule: string;
  severity: Severity;
  message: string;
  /** "metadata.csv:9" (relative to the audit's root). */
  where: string;
  /** Set when the finding comes from a stale model audit: why it is stale. */
  stale?: string;
}

/** Findings listed by the dashboard at most (the one a focus names is always listed). */
export const FINDING_LIST_LIMIT = 500;

/** One model × dataset audit as the dashboard shows it. */
export interface DashboardModel {
  /** Set when the dataset or fairframe.json changed since this audit: why (its figures are kept, marked stale). */
  stale?: string;
  name: string;
  file: string;
  dataset: string;
  status: ModelAudit['status'];
  reason?: string;
  split?: string;
  images: number;
  classNames: string[];
  /** How the model's preprocessing fits an image to its input (the stored maps cover that input). */
  resize?: 'stretch' | 'center-crop' | 'pad';
  accuracy?: Interval;
  balancedAccuracy?: Interval;
  ece?: Interval;
  macroF1: number | null;
  macroAuc: number | null;
  /** rows = true class, columns = predicted class, in classNames order. */
  confusionMatrix: number[][];
  reports: Array<Pick<GroupReport, 'name' | 'attributes' | 'groups' | 'worstGroup' | 'oneVsRestSkipped'> & { metrics: GroupMetric[]; fairness: FairnessFigure[] }>;
  /** The audit's label-issue summary (same figures as the JSON and the report) and the top of its ranked list. */
  labelIssues?: Pick<LabelIssueSummary, 'method' | 'audited' | 'flagged' | 'estimatedNoiseRate' | 'estimatedIssueCount' | 'errorRate' | 'perImage' | 'onTrainingSplit'> & { items: LabelIssueItem[] };
  /** The audit's explanations of the most confident errors per group. */
  explanations?: {
    method: string;
    faithfulness?: { images: number; meanDeletionAuc: number; meanInsertionAuc: number; meanRandomDeletionAuc?: number; meanRandomInsertionAuc?: number };
    sanity?: { images: number; meanSpearman: number | null; passed: boolean | null };
    notes: string[];
    items: ExplainedItem[];
  };
  /** Accuracy by group under corruptions and attacks (with --robustness or fairframe.json's "robustness"). */
  robustness?: RobustnessResults;
}

/** Everything the dashboard renders. */
export interface DashboardData {
  schemaVersion: string;
  createdAt: string;
  target: string;
  durationMs: number;
  counts: Record<Severity, number>;
  /** Findings per rule, most severe first. */
  rules: Array<{ rule: string; severity: Severity; count: number }>;
  datasets: DashboardDataset[];
  models: DashboardModel[];
  /** The findings, most severe first, at most FINDING_LIST_LIMIT (plus a focused one). */
  findings: DashboardFinding[];
  /** How many findings there are in all. */
  findingsTotal: number;
}

/** What the host knows beyond the AuditResult: which model audits are stale, and a finding to list whatever the cap. */
export interface DashboardAnnotations {
  /** Per model of the result (same order): why it is stale, or undefined. */
  stale?: Array<string | undefined>;
  /** findingKey() of a finding to list even past the cap. */
  include?: string;
}

/** A short stable key of a finding (FNV-1a over its rule, location and message), used to focus it. */
export function findingKey(finding: Pick<Finding, 'rule' | 'location' | 'message'>): string {
  const text = `${finding.rule}\u0000${finding.location.file}\u0000${finding.location.line ?? 0}\u0000${finding.message}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `${finding.rule}-${hash.toString(16).padStart(8, '0')}`;
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
const DUPLICATE_RULES = new Set(['FF-D020', 'FF-D021', 'FF-D022', 'FF-D023']);

/** Reduces an AuditResult to the dashboard's data; `imageUri` turns dataset images into loadable URLs. */
export function toDashboardData(result: AuditResult, imageUri: ImageUriFunction = () => undefined, annotations: DashboardAnnotations = {}): DashboardData {
  const byRule = new Map<string, { rule: string; severity: Severity; count: number }>();
  for (const finding of result.findings) {
    const entry = byRule.get(finding.rule) ?? { rule: finding.rule, severity: finding.severity, count: 0 };
    entry.count++;
    if (SEVERITY_ORDER[finding.severity] < SEVERITY_ORDER[entry.severity]) entry.severity = finding.severity;
    byRule.set(finding.rule, entry);
  }
  const rules = [...byRule.values()].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.rule.localeCompare(b.rule));
  return {
    schemaVersion: result.schemaVersion,
    createdAt: result.createdAt,
    target: result.target,
    durationMs: result.durationMs,
    counts: { ...result.counts },
    rules,
    datasets: result.datasets.map((dataset) => datasetData(dataset, result.findings, imageUri)),
    models: result.models.map((model, index) => ({ ...modelData(model, imageUri), ...(annotations.stale?.[index] ? { stale: annotations.stale[index] } : {}) })),
    findings: findingList(result, annotations),
    findingsTotal: result.findings.length,
  };
}

/** The findings listed, most severe first (stable within a severity), capped, with the focused one kept. */
function findingList(result: AuditResult, annotations: DashboardAnnotations): DashboardFinding[] {
  const staleModels = new Map<string, string>();
  result.models.forEach((model, index) => {
    const reason = annotations.stale?.[index];
    if (reason) staleModels.set(`${model.model.file}\u0000${model.dataset}`, reason);
  });
  const order = result.findings.map((finding, index) => ({ finding, index }))
    .sort((a, b) => SEVERITY_ORDER[a.finding.severity] - SEVERITY_ORDER[b.finding.severity] || a.index - b.index);
  const listed = order.slice(0, FINDING_LIST_LIMIT);
  if (annotations.include && !listed.some(({ finding }) => findingKey(finding) === annotations.include)) {
    const extra = order.find(({ finding }) => findingKey(finding) === annotations.include);
    if (extra) listed.push(extra);
  }
  return listed.map(({ finding }) => {
    const model = typeof finding.evidence.model === 'string' ? finding.evidence.model : undefined;
    const stale = model && finding.rule.startsWith('FF-M') ? staleModels.get(`${model}\u0000${finding.dataset ?? ''}`) : undefined;
    return {
      key: findingKey(finding),
      rule: finding.rule,
      severity: finding.severity,
      message: finding.message,
      where: `${relativeTo(result.root, finding.location.file)}${finding.location.line ? `:${finding.location.line}` : ''}`,
      ...(stale ? { stale } : {}),
    };
  });
}

/** `file` relative to `root` when inside it ('/' or '\\' separators), else as given. */
function relativeTo(root: string, file: string): string {
  const normalise = (text: string): string => text.replace(/\\/g, '/').replace(/\/+$/, '');
  const base = normalise(root);
  const target = normalise(file);
  return target.startsWith(`${base}/`) ? target.slice(base.length + 1) : file;
}

function datasetData(dataset: DatasetAudit, findings: Finding[], imageUri: ImageUriFunction): DashboardDataset {
  const duplicates = findings.filter((f) => DUPLICATE_RULES.has(f.rule) && (f.dataset === undefined || f.dataset === dataset.name));
  duplicates.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  const sets = duplicates.slice(0, GALLERY_LIMIT).map((finding): DuplicateSet => {
    const paths = Array.isArray(finding.evidence.paths) ? finding.evidence.paths.filter((p): p is string => typeof p === 'string') : [];
    const count = typeof finding.evidence.count === 'number' ? finding.evidence.count : paths.length;
    return {
      rule: finding.rule,
      severity: finding.severity,
      message: finding.message,
      count,
      images: paths.slice(0, IMAGES_PER_SET).map((relPath) => ({ relPath, uri: imageUri(dataset.name, relPath) })),
    };
  });
  return {
    name: dataset.name,
    root: dataset.root,
    format: dataset.format,
    images: dataset.images,
    classes: dataset.classes,
    splits: dataset.splits,
    attributes: dataset.attributes,
    scan: dataset.scan,
    crossTables: crossTables(dataset),
    properties: propertyRows(dataset),
    duplicates: { total: duplicates.length, sets },
  };
}

/** The label × attribute tables of the intersections check (attribute × attribute tables are left out). */
function crossTables(dataset: DatasetAudit): CrossTable[] {
  const run = dataset.checks.find((c) => c.check === 'intersections' && c.status === 'ok');
  const tables = run?.summary.tables;
  if (!Array.isArray(tables)) return [];
  return tables
    .filter((t): t is CrossTable => isRecord(t) && t.rowName === 'label' && Array.isArray(t.rowValues) && Array.isArray(t.columnValues) && Array.isArray(t.counts))
    .map((t) => ({ rowName: t.rowName, columnName: t.columnName, rowValues: t.rowValues, columnValues: t.columnValues, counts: t.counts }));
}

/** Tidy rows of the image-properties check's per-class and per-group statistics. */
function propertyRows(dataset: DatasetAudit): DashboardDataset['properties'] {
  const run = dataset.checks.find((c) => c.check === 'image-properties');
  if (!run) return { skipped: 'The image-properties check did not run on this dataset.' };
  if (run.status !== 'ok') return { skipped: `The image-properties check ${run.status === 'failed' ? 'failed' : 'was skipped'}${run.reason ? `: ${run.reason}` : '.'}` };
  const rows: PropertyRow[] = [];
  const partitions: Array<[string, unknown]> = [['label', run.summary.byClass]];
  if (isRecord(run.summary.byAttribute)) partitions.push(...Object.entries(run.summary.byAttribute));
  for (const [partition, groups] of partitions) {
    if (!isRecord(groups)) continue;
    for (const [group, stats] of Object.entries(groups)) {
      if (!isRecord(stats)) continue;
      for (const [property, value] of Object.entries(stats)) {
        if (!isRecord(value) || !('mean' in value)) continue;
        rows.push({ partition, group, property, n: numberOr(value.n, 0), mean: finite(value.mean), sd: finite(value.sd), median: finite(value.median), min: finite(value.min), max: finite(value.max) });
      }
    }
  }
  const histograms: Record<string, PropertyHistogram> = {};
  if (isRecord(run.summary.histograms)) {
    for (const [property, value] of Object.entries(run.summary.histograms)) {
      if (isRecord(value) && Array.isArray(value.edges) && isRecord(value.counts) && value.edges.length > 1) histograms[property] = value as unknown as PropertyHistogram;
    }
  }
  return rows.length > 0 ? { rows, histograms } : { skipped: 'The image-properties check measured no image (were the images decoded?).' };
}

function modelData(audit: ModelAudit, imageUri: ImageUriFunction): DashboardModel {
  const issues = audit.labelIssues;
  return {
    name: audit.model.file.split(/[\\/]/).pop() ?? audit.model.file,
    file: audit.model.file,
    dataset: audit.dataset,
    status: audit.status,
    reason: audit.reason,
    split: audit.split,
    images: audit.overall?.images ?? 0,
    // A predictions-file audit has no usage: its classes are the per-class rows, in score order.
    classNames: audit.usage?.classNames ?? audit.overall?.perClass.map((row) => row.class) ?? [],
    resize: audit.usage?.preprocess.resize,
    accuracy: audit.overall?.accuracy,
    balancedAccuracy: audit.overall?.balancedAccuracy,
    ece: audit.overall?.calibration.ece,
    macroF1: audit.overall?.macro.f1 ?? null,
    macroAuc: audit.overall?.macroAuc ?? null,
    confusionMatrix: audit.overall?.confusionMatrix ?? [],
    reports: (audit.groups ?? []).map((report) => ({
      name: report.name,
      attributes: report.attributes,
      groups: report.groups,
      worstGroup: report.worstGroup,
      oneVsRestSkipped: report.oneVsRestSkipped,
      metrics: report.metrics,
      fairness: report.fairness,
    })),
    ...(audit.robustness ? { robustness: audit.robustness } : {}),
    labelIssues: issues && {
      method: issues.method,
      audited: issues.audited,
      flagged: issues.flagged,
      estimatedNoiseRate: issues.estimatedNoiseRate,
      estimatedIssueCount: issues.estimatedIssueCount,
      errorRate: issues.errorRate,
      perImage: issues.perImage,
      onTrainingSplit: issues.onTrainingSplit,
      items: issues.issues.slice(0, GALLERY_LIMIT).map((issue) => ({
        rank: issue.rank,
        reported: issue.rank <= issues.perImage.count,
        relPath: issue.relPath,
        uri: imageUri(audit.dataset, issue.relPath),
        givenLabel: issue.givenLabel,
        suggestedLabel: issue.suggestedLabel,
        selfConfidence: issue.selfConfidence,
      })),
    },
    explanations: audit.explanations && {
      method: audit.explanations.method,
      faithfulness: audit.explanations.faithfulness,
      sanity: audit.explanations.sanity,
      notes: audit.explanations.notes,
      items: audit.explanations.errors.slice(0, GALLERY_LIMIT).map((error) => ({
        relPath: error.relPath,
        uri: imageUri(audit.dataset, error.relPath),
        label: error.label,
        predicted: error.predicted,
        confidence: error.confidence,
        groups: error.groups,
        method: error.method,
        fallbackFrom: error.fallbackFrom,
        deletionAuc: error.deletionAuc,
        insertionAuc: error.insertionAuc,
        randomDeletionAuc: error.randomDeletionAuc,
        randomInsertionAuc: error.randomInsertionAuc,
        map: error.map,
      })),
    },
  };
}

/** The key a GroupMetric is selected by: 'accuracy', or 'truePositiveRate:melanoma' for one-vs-rest metrics. */
export function metricKey(metric: Pick<GroupMetric, 'metric' | 'class'>): string {
  return metric.class === undefined ? metric.metric : `${metric.metric}:${metric.class}`;
}

/** Where the dashboard should open for a finding (e.g. selected in the Findings tree). */
export function focusForFinding(finding: Finding): DashboardFocus {
  return { ...sectionForFinding(finding), finding: findingKey(finding) };
}

function sectionForFinding(finding: Finding): DashboardFocus {
  const evidence = finding.evidence;
  const text = (key: string): string | undefined => (typeof evidence[key] === 'string' ? (evidence[key] as string) : undefined);
  if (/^FF-M01\d$/.test(finding.rule)) {
    const figure = isRecord(evidence.figure) ? evidence.figure : undefined;
    const report = Array.isArray(evidence.attributes) ? (evidence.attributes as string[]).join(' × ') : text('attribute');
    return { section: 'fairness', report, metric: typeof figure?.class === 'string' ? figure.class : undefined };
  }
  if (finding.rule === 'FF-M020') return { section: 'galleries', relPath: text('relPath') };
  if (DUPLICATE_RULES.has(finding.rule)) {
    const paths = evidence.paths;
    return { section: 'galleries', relPath: Array.isArray(paths) && typeof paths[0] === 'string' ? paths[0] : undefined };
  }
  if (finding.rule === 'FF-D005' || finding.rule === 'FF-D006') return { section: 'heatmaps' };
  if (/^FF-D00[789]$/.test(finding.rule)) return { section: 'properties' };
  return { section: 'overview' };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function finite(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}
