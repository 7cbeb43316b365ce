// How the dashboard gets and keeps explanations: the source (the worker, in the extension), a target image, and the
// state of an explanation being computed or shown.
import type { ExplanationMethodResult, ExplanationView } from '../../webview/protocol';

/** How the dashboard gets explanations (the worker, in the extension): methods, one method's result, the image. */
export interface ExplanationSource {
  methods(): string[];
  /** One method's explanation; never throws (a failure is a result with status 'failed'). */
  explainMethod(request: { file: string; model: string; method: string; signal: AbortSignal }): Promise<Omit<ExplanationMethodResult, 'id'>>;
  /** The image as a data: URI, or undefined when it cannot be read. */
  image(file: string): Promise<string | undefined>;
}

/** An image to explain, with the model to explain it with. */
export interface ExplainTarget {
  file: string;
  model: string;
  title: string;
  dataset?: string;
  relPath?: string;
  label?: string;
}

/** An explanation being computed or shown: the view, the results so far, and how to stop it. */
export interface ExplanationState {
  view: ExplanationView;
  target: ExplainTarget;
  results: ExplanationMethodResult[];
  abort: AbortController;
}
