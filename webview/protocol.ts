// The typed, versioned messages between the extension host and the dashboard webview.
// Every message is an envelope {protocol, id, type, inReplyTo?, body?, error?}; every request gets a reply
// (with `error` if it failed). The webview sends `ready` first; the host posts nothing before answering it.
import type { DashboardData } from './dashboardData';
import type { RunComparisonView, RunsView } from './runsData';
import type { ShiftResult } from '../src/engine/shift/shiftTypes';

/** Bumped when a message changes shape; both sides refuse a peer with another version. */
export const DASHBOARD_PROTOCOL_VERSION = 6;

/** The dashboard's sections, in page order. */
export const DASHBOARD_SECTIONS = ['overview', 'compare', 'fairness', 'groups', 'heatmaps', 'properties', 'galleries', 'robustness', 'explanation', 'runs', 'shift'] as const;

/** One of the dashboard's sections (also its element id). */
export type DashboardSection = (typeof DASHBOARD_SECTIONS)[number];

/** Where the dashboard should open: a section, and optionally a model, a group report, a metric or an image. */
export interface DashboardFocus {
  section: DashboardSection;
  /** Index into DashboardData.models. */
  model?: number;
  /** GroupReport.name, e.g. 'fitzpatrick' or 'fitzpatrick × sex'. */
  report?: string;
  /** GroupMetric key: the metric, or 'metric:class' for one-vs-rest metrics. */
  metric?: string;
  /** An image (relative to its dataset root) to scroll to in the galleries. */
  relPath?: string;
  /** A finding (findingKey) to scroll to and highlight: its image in the galleries when it names one, else its entry in the findings list. */
  finding?: string;
}

/** What a focus request scrolled to and highlighted: a finding in the list, an image of a gallery, or a section. */
export interface FocusedElement {
  kind: 'finding' | 'image' | 'section';
  /** The finding key, the image's relPath, or the section id. */
  id: string;
  highlighted: boolean;
}

/** The image the Explanation section shows; one ExplanationMethodResult per method follows it. */
export interface ExplanationView {
  /** Grows with each explained image; results carrying an older id are dropped. */
  id: number;
  /** The image's path relative to its dataset root, or its file name. */
  title: string;
  /** Set when the image belongs to a dataset of the audit shown. */
  dataset?: string;
  relPath?: string;
  /** The model's file name. */
  model: string;
  /** The dataset's label for the image, when known. */
  label?: string;
  /** The image itself (a data: URI thumbnail), when it could be read. */
  image?: string;
  /** The methods that will be computed, in order. */
  methods: string[];
}

/** One image of a finding, as the compare view shows it. */
export interface CompareImage {
  relPath: string;
  /** A URL the webview may load; absent when the file is missing or outside the dataset. */
  uri?: string;
  exists: boolean;
  /** 'finding': named by the finding; 'reference': an example of a class it involves (for a label issue). */
  role: 'finding' | 'reference';
  label?: string;
  split?: string;
  groups: Record<string, string>;
  /** Each audited model's top prediction for the image. */
  predictions: Array<{ model: string; predicted: string; confidence: number; correct: boolean; stale?: boolean }>;
}

/** The images of one finding side by side (duplicates, label conflicts, split leaks, label issues). */
export interface CompareView {
  /** findingKey() of the finding. */
  finding: string;
  rule: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  dataset: string;
  images: CompareImage[];
  /** Images the finding names beyond those shown. */
  more: number;
  /** What the reference images are, when there are some. */
  referenceNote?: string;
}

/** One method's explanation of the image in the ExplanationView with the same id. */
export interface ExplanationMethodResult {
  id: number;
  /** The method asked for (one of ExplanationView.methods). */
  method: string;
  status: 'ok' | 'failed';
  /** The method that ran: differs from `method` when the model's head needed a fallback (occlusion). */
  usedMethod?: string;
  fallbackReason?: string;
  /** The class explained (the model's top-1) and its probability. */
  className?: string;
  probability?: number;
  /** The saliency map over the image, a data:image/png URI. */
  overlay?: string;
  /** Petsiuk et al. 2018: area under P(class) as the most salient pixels are removed (lower = more faithful)… */
  deletionAuc?: number;
  /** …and as they are restored onto a blurred image (higher = more faithful). */
  insertionAuc?: number;
  /** The same two AUCs for a seeded random pixel order on this image: the chance level. */
  randomDeletionAuc?: number;
  randomInsertionAuc?: number;
  milliseconds?: number;
  fromCache?: boolean;
  /** Why it failed (status 'failed'). */
  error?: string;
}

/** Requests the webview sends, with the body each carries and the body of its reply. */
export type WebviewRequests = {
  ready: { body: { protocolVersion: number }; reply: { protocolVersion: number } };
  /** Opens an image of a dataset in the editor (the host refuses paths outside the dataset's root). */
  openFile: { body: { dataset: string; relPath: string }; reply: Record<string, never> };
  /** Reveals an image of a dataset in the Explorer. */
  revealFile: { body: { dataset: string; relPath: string }; reply: Record<string, never> };
  /** Copies the absolute paths of images of a dataset to the clipboard, one a line. */
  copyPaths: { body: { dataset: string; relPaths: string[] }; reply: { copied: number } };
  /** Explains an image of a dataset with the selected model (index into DashboardData.models): the host answers at
   * once with the view's id and methods, then sends `explanation` and one `explanationMethod` per method. */
  explain: { body: { dataset: string; relPath: string; model: number }; reply: { id: number; methods: string[] } };
  /** Compares two recorded runs (RunPoint ids) of the model shown; null when either run is gone. */
  compareRuns: { body: { before: string; after: string }; reply: { comparison: RunComparisonView | null } };
};

/** Requests the host sends, with the body each carries and the body of its reply. */
export type HostRequests = {
  /** Renders `data` (null: no audit yet), then scrolls to `focus`. Replies with the sections drawn and the charts they
   * hold (each figure's `data-chart`, in page order: a section can draw without a chart when it has nothing to show). */
  show: { body: { data: DashboardData | null; focus?: DashboardFocus }; reply: { rendered: DashboardSection[]; charts: string[]; focused?: FocusedElement } };
  focus: { body: { focus: DashboardFocus }; reply: { section: DashboardSection; focused?: FocusedElement } };
  /** Shows the images of one finding side by side in the Compare section, and scrolls to it. */
  compare: { body: { view: CompareView }; reply: { shown: number } };
  /** Shows a new image in the Explanation section (its methods pending) and scrolls to it. */
  explanation: { body: { view: ExplanationView }; reply: { shown: boolean } };
  /** Fills in one method of the shown image; `rendered` is false when the view has moved on to another image. */
  explanationMethod: { body: { result: ExplanationMethodResult }; reply: { rendered: boolean } };
  /** The recorded runs of the model shown (null: none, or no model); replies whether the Runs section drew them. */
  runs: { body: { view: RunsView | null }; reply: { shown: boolean } };
  /** The last distribution comparison (Compare Data Distributions; null: none), drawn in the Shift section and scrolled to. */
  shift: { body: { result: ShiftResult | null }; reply: { shown: boolean } };
};

/** A map of request types to their bodies and replies. */
export type RequestMap = Record<string, { body: unknown; reply: unknown }>;

/** What a failed request's reply carries. */
export interface ProtocolError {
  code: 'unknown-type' | 'bad-version' | 'failed' | 'gone';
  message: string;
}

/** A request envelope. */
export type RequestMessage<M extends RequestMap> = {
  [K in keyof M & string]: { protocol: number; id: number; type: K; inReplyTo?: undefined; body: M[K]['body']; error?: undefined };
}[keyof M & string];

/** A reply envelope: `body` on success, `error` on failure. */
export type ReplyMessage<M extends RequestMap> = {
  [K in keyof M & string]: { protocol: number; id: number; type: K; inReplyTo: number; body?: M[K]['reply']; error?: ProtocolError };
}[keyof M & string];

/** Everything the webview posts. */
export type WebviewToHostMessage = RequestMessage<WebviewRequests> | ReplyMessage<HostRequests>;

/** Everything the host posts. */
export type HostToWebviewMessage = RequestMessage<HostRequests> | ReplyMessage<WebviewRequests>;

/** True for an object shaped like an envelope of this protocol version (the fields, not the body, are checked). */
export function isEnvelope(value: unknown): value is { protocol: number; id: number; type: string; inReplyTo?: number; body?: unknown; error?: ProtocolError } {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Record<string, unknown>;
  return typeof message.protocol === 'number' && typeof message.id === 'number' && typeof message.type === 'string' &&
    (message.inReplyTo === undefined || typeof message.inReplyTo === 'number');
}

/** Exhaustiveness guard for the `switch` on a message type. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected message: ${JSON.stringify(value)}`);
}
