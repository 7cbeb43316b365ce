// What every section renders from: the data, the persisted view state, and a way to change both.
import type { DashboardData, DashboardModel } from '../dashboardData';
import type { CompareView, DashboardFocus, ExplanationMethodResult, ExplanationView } from '../protocol';
import type { RunsView } from '../runsData';
import type { ShiftResult } from '../../src/engine/shift/shiftTypes';

/** The view state kept across reloads with vscode.setState (selections only, never the data). */
export interface ViewState {
  model: number;
  /** Fairness table filter: a report name, or '' for all. */
  fairnessReport: string;
  failingOnly: boolean;
  /** Bar chart: report × metric key. */
  chartReport: string;
  chartMetric: string;
  /** Heatmaps: the label × attribute table, and the class × group metric. */
  crossAttribute: string;
  heatmapReport: string;
  heatmapMetric: string;
  /** Image properties: partition (label or attribute) and property. */
  propertyPartition: string;
  property: string;
  /** Gallery entries shown (paged). */
  labelIssuesShown: number;
  duplicatesShown: number;
  explainedShown: number;
  /** Robustness chart: report × condition family (a corruption, 'pgd' or 'fgsm'). */
  robustnessReport: string;
  robustnessFamily: string;
  /** Shift: the image property charted, and the scope whose class priors are listed. */
  shiftProperty: string;
  shiftPriorGroup: string;
  section?: string;
}

/** The initial view state. */
export const DEFAULT_VIEW_STATE: ViewState = {
  model: 0,
  fairnessReport: '',
  failingOnly: false,
  chartReport: '',
  chartMetric: 'accuracy',
  crossAttribute: '',
  heatmapReport: '',
  heatmapMetric: 'truePositiveRate',
  propertyPartition: '',
  property: 'brightness',
  labelIssuesShown: 0,
  duplicatesShown: 0,
  explainedShown: 0,
  robustnessReport: '',
  robustnessFamily: '',
  shiftProperty: '',
  shiftPriorGroup: '',
};

/** The image the Explanation section shows and the methods' results received so far (kept outside the DOM and the data). */
export interface ExplanationState {
  view: ExplanationView;
  /** Results by method (ExplanationMethodResult.method). */
  results: Map<string, ExplanationMethodResult>;
}

/** Passed to each section's render function. */
export interface SectionContext {
  /** The audit shown. The Explanation section is also drawn before any audit arrives, so it never reads this. */
  data: DashboardData;
  state: ViewState;
  /** The selected model, if the audit has one. */
  model: DashboardModel | undefined;
  /** Changes the state (persisted) and redraws the named sections. */
  update(patch: Partial<ViewState>, redraw: Array<DashboardFocus['section']>): void;
  /** Asks the host to open an image of a dataset in the editor. */
  openFile(dataset: string, relPath: string): void;
  /** Asks the host to reveal an image of a dataset in the Explorer. */
  revealFile(dataset: string, relPath: string): void;
  /** Asks the host to copy the absolute paths of images of a dataset. */
  copyPaths(dataset: string, relPaths: string[]): void;
  /** The finding whose images the Compare section shows, if any. */
  compare?: CompareView;
  /** Asks the host to explain an image of a dataset with the selected model (the result arrives as `explanation`). */
  explain(dataset: string, relPath: string): void;
  /** The image being explained, if any. */
  explanation?: ExplanationState;
  /** The image to scroll to after rendering, from a focus request. */
  focusRelPath?: string;
  /** The finding (findingKey) a focus request named: highlighted where it is listed. */
  focusFinding?: string;
  /** The recorded runs of the model shown, and the comparison of two of them once asked for. */
  runs?: RunsView;
  /** The last distribution comparison, if any (it is not part of the audit shown). */
  shift?: ShiftResult;
  /** Asks the host to compare two runs (by id); the section redraws with the comparison. */
  compareRuns(before: string, after: string): void;
}
