// What the extension knows about the workspace: discovered datasets and models, and the latest audit of each.
// Views, diagnostics and hovers all render from this one store and refresh on its change event.
import { pushAll } from '../engine/arrays';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AuditResult, DatasetAudit } from '../engine/auditResult';
import type { ModelAudit } from '../engine/modelAudit/modelAuditTypes';
import type { ModelInfo, PreprocessSpec } from '../engine/model/modelTypes';
import type { DatasetRef, Finding } from '../engine/types';

/** A model found in the workspace, with what inspecting it (without running it) told. */
export interface ModelEntry {
  file: string;
  folder: string;
  info?: ModelInfo;
  labels?: string[];
  preprocess?: Partial<PreprocessSpec>;
  /** Where the labels and preprocessing were read from (sidecar, fairframe.json, metadata). */
  describedBy?: string;
  /** Why the model could not be inspected. */
  error?: string;
}

/** A discovered dataset and the workspace folder it was found in. */
export interface DatasetEntry extends DatasetRef {
  folder: string;
}

/** The latest audit of one dataset. */
export interface DatasetResult {
  audit: DatasetAudit;
  findings: Finding[];
  result: AuditResult;
}

/** The latest audit of one model on one dataset. */
export interface ModelResult {
  audit: ModelAudit;
  datasetKey: string;
  findings: Finding[];
  result: AuditResult;
}

/** One finding with the audit it came from. */
export interface StoredFinding {
  finding: Finding;
  /** The folder relative locations are resolved against. */
  root: string;
  /** Store key of the dataset or model audit it belongs to. */
  owner: string;
}

/** Key of a dataset: its root and manifest. */
export function datasetKey(dataset: { root: string; manifest?: string }): string {
  return `${path.resolve(dataset.root)}|${dataset.manifest ? path.resolve(dataset.manifest) : ''}`;
}

/** Key of a model audit: the model file and the dataset. */
export function modelResultKey(modelFile: string, dataset: string): string {
  return `${path.resolve(modelFile)}@${dataset}`;
}

/** Holds discovery and audit state; fires `onDidChange` after each update. */
export class AuditStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after discovery or an audit changed what is known. */
  readonly onDidChange = this.changed.event;
  private readonly datasetsByFolder = new Map<string, DatasetEntry[]>();
  private readonly modelsByFolder = new Map<string, ModelEntry[]>();
  private readonly datasetResults = new Map<string, DatasetResult>();
  private readonly modelResults = new Map<string, ModelResult>();
  private readonly otherFindings = new Map<string, StoredFinding[]>();
  private discovered = false;
  /** The most recent audit result (for the dashboard and reports). */
  lastResult: AuditResult | undefined;

  /** True once discovery has run at least once. */
  get hasDiscovered(): boolean {
    return this.discovered;
  }

  /** Replaces what discovery found in one workspace folder. */
  setDiscovery(folder: string, datasets: DatasetEntry[], models: ModelEntry[]): void {
    this.discovered = true;
    this.datasetsByFolder.set(folder, datasets);
    this.modelsByFolder.set(folder, models);
    const known = new Set([...this.datasetsByFolder.values()].flat().map(datasetKey));
    for (const key of [...this.datasetResults.keys()]) if (!known.has(key)) this.datasetResults.delete(key);
    for (const [key, entry] of [...this.modelResults]) if (!known.has(entry.datasetKey)) this.modelResults.delete(key);
    this.changed.fire();
  }

  /** Every discovered dataset, in folder order. */
  datasets(): DatasetEntry[] {
    return [...this.datasetsByFolder.values()].flat();
  }

  /** Every discovered model. */
  models(): ModelEntry[] {
    return [...this.modelsByFolder.values()].flat();
  }

  /** The latest audit of a dataset. */
  datasetResult(dataset: { root: string; manifest?: string }): DatasetResult | undefined {
    return this.datasetResults.get(datasetKey(dataset));
  }

  /** Every model audit, most recent last. */
  modelAudits(): ModelResult[] {
    return [...this.modelResults.values()];
  }

  /** The latest audits of one model file (on any dataset). */
  modelResultsOf(file: string): ModelResult[] {
    const absolute = path.resolve(file);
    return this.modelAudits().filter((entry) => path.resolve(entry.audit.model.file) === absolute);
  }

  /** Splits one AuditResult over its datasets and models; each becomes the latest audit of that dataset or model. */
  publish(result: AuditResult): void {
    this.lastResult = result;
    const claimed = new Set<Finding>();
    for (const audit of result.datasets) {
      const findings = result.findings.filter((finding) => !finding.rule.startsWith('FF-M') && finding.dataset === audit.name);
      findings.forEach((finding) => claimed.add(finding));
      this.datasetResults.set(datasetKey(audit), { audit, findings, result });
    }
    for (const audit of result.models) {
      const dataset = result.datasets.find((entry) => entry.name === audit.dataset);
      const file = path.resolve(audit.model.file);
      const findings = result.findings.filter((finding) =>
        finding.rule.startsWith('FF-M') && finding.dataset === audit.dataset && typeof finding.evidence.model === 'string' && path.resolve(finding.evidence.model) === file);
      findings.forEach((finding) => claimed.add(finding));
      this.modelResults.delete(modelResultKey(file, audit.dataset));
      this.modelResults.set(modelResultKey(file, audit.dataset), { audit, datasetKey: dataset ? datasetKey(dataset) : '', findings, result });
    }
    const rest = result.findings.filter((finding) => !claimed.has(finding));
    this.otherFindings.set(result.target, rest.map((finding) => ({ finding, root: result.root, owner: result.target })));
    this.changed.fire();
  }

  /** Every current finding: those of each dataset's and each model's latest audit. */
  findings(): StoredFinding[] {
    const out: StoredFinding[] = [];
    for (const [key, entry] of this.datasetResults) for (const finding of entry.findings) out.push({ finding, root: entry.result.root, owner: key });
    for (const [key, entry] of this.modelResults) for (const finding of entry.findings) out.push({ finding, root: entry.result.root, owner: key });
    for (const list of this.otherFindings.values()) pushAll(out, list);
    return out;
  }

  /** Forgets every audit (the discovery stays). */
  clearResults(): void {
    this.datasetResults.clear();
    this.modelResults.clear();
    this.otherFindings.clear();
    this.lastResult = undefined;
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
