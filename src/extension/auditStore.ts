// The one store of audit results of the workspace: per workspace folder, dataset and model, the latest audit of each.
// Every view, the Problems panel, the status bar, hovers, reports and the dashboard render from it. A partial audit
// (the dataset only) replaces only what it recomputed; a model audit made on another version of the dataset or of
// fairframe.json is kept and marked stale. Pure (no 'vscode'): the host persists it and unit tests drive it.
import * as path from 'node:path';
import { AUDIT_RESULT_SCHEMA_VERSION, type AuditResult, type DatasetAudit } from '../engine/auditResult';
import type { ResolvedConfig } from '../engine/config/configTypes';
import type { ModelAudit } from '../engine/modelAudit/modelAuditTypes';
import type { ModelInfo, PreprocessSpec } from '../engine/model/modelTypes';
import type { DatasetRef, Finding, Severity } from '../engine/types';

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
  /** True for a predictions file declared in fairframe.json (models[].predictions), audited in place of a model. */
  predictions?: boolean;
}

/** A discovered dataset and the workspace folder it was found in. */
export interface DatasetEntry extends DatasetRef {
  folder: string;
}

/** Where a stored audit came from: the run's target, the folder its relative locations resolve against, and when. */
export interface AuditOrigin {
  target: string;
  root: string;
  createdAt: string;
  durationMs: number;
  toolVersion: string;
  config: ResolvedConfig;
}

/** Why a stored model audit no longer matches its dataset, and since which dataset audit. */
export interface Staleness {
  reason: string;
  /** createdAt of the dataset audit that made it stale. */
  since: string;
}

/** The latest audit of one dataset. */
export interface DatasetResult {
  key: string;
  /** The workspace folder the audit ran in. */
  folder: string;
  audit: DatasetAudit;
  findings: Finding[];
  origin: AuditOrigin;
}

/** The latest audit of one model on one dataset. */
export interface ModelResult {
  key: string;
  folder: string;
  datasetKey: string;
  /** Root of the dataset audited (relative paths of the audit's images resolve against it). */
  datasetRoot: string;
  audit: ModelAudit;
  findings: Finding[];
  origin: AuditOrigin;
  /** What the audit was made on: the dataset's content hash and the configuration that applies to the model. */
  basis: { contentHash: string; config: string };
  /** Set when the dataset was audited again since, on other content or another configuration. */
  stale?: Staleness;
}

/** One finding with the audit it came from. */
export interface StoredFinding {
  finding: Finding;
  /** The folder relative locations are resolved against. */
  root: string;
  /** Store key of the dataset or model audit it belongs to. */
  owner: string;
  /** Set on the findings of a stale model audit. */
  stale?: Staleness;
}

/** Findings of an audit that belong to neither a dataset nor a model (e.g. a manifest that could not be read). */
export interface OtherFindings {
  target: string;
  folder: string;
  root: string;
  findings: Finding[];
}

/** What one window shows of one dataset: the dataset audit and the model audits on it. */
export interface StoreSelection {
  datasetKey: string;
  /** A model audit (ModelResult.key) to put first; the other model audits of the dataset follow it. */
  modelKey?: string;
}

/** Listener registration shaped like vscode.Event, so views subscribe the same way as to any VS Code event. */
export type StoreEvent = (listener: () => void, thisArgs?: unknown, disposables?: Array<{ dispose(): unknown }>) => { dispose(): void };

/** Key of a dataset: its root and manifest. */
export function datasetKey(dataset: { root: string; manifest?: string }): string {
  return `${path.resolve(dataset.root)}|${dataset.manifest ? path.resolve(dataset.manifest) : ''}`;
}

/** Key of a model audit: the model file and the dataset key. */
export function modelResultKey(modelFile: string, dataset: string): string {
  return `${path.resolve(modelFile)}@${dataset}`;
}

/** JSON with object keys sorted, so that equal values give equal text. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (item && typeof item === 'object' && !Array.isArray(item)
    ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : item));
}

/** The configuration a model audit depends on: everything but the list of models, plus this model's own entry. */
export function modelConfigBasis(config: ResolvedConfig, modelFile: string): string {
  const absolute = path.resolve(modelFile);
  const own = config.models.find((entry) => entry.path !== undefined && path.resolve(entry.path) === absolute);
  const rest: Record<string, unknown> = { ...config };
  delete rest.models;
  delete rest.file;
  return stableJson({ ...rest, model: own ?? null });
}

function isModelFinding(finding: Finding): boolean {
  return finding.rule.startsWith('FF-M');
}

function originOf(result: AuditResult): AuditOrigin {
  return { target: result.target, root: result.root, createdAt: result.createdAt, durationMs: result.durationMs, toolVersion: result.tool.version, config: result.config };
}

/** Counts findings by severity. */
export function countBySeverity(findings: Iterable<{ severity: Severity }>): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const finding of findings) counts[finding.severity]++;
  return counts;
}

/** The serialisable content of the store (discovery is not kept: it is redone on activation). */
export interface StoreContent {
  datasets: DatasetResult[];
  models: ModelResult[];
  other: OtherFindings[];
}

/** Holds discovery and audit state; fires `onDidChange` after each update. */
export class AuditStore {
  private readonly listeners = new Set<() => void>();
  private readonly datasetsByFolder = new Map<string, DatasetEntry[]>();
  private readonly modelsByFolder = new Map<string, ModelEntry[]>();
  private readonly datasetResults = new Map<string, DatasetResult>();
  private readonly modelResults = new Map<string, ModelResult>();
  private readonly otherFindings = new Map<string, OtherFindings>();
  private discovered = false;
  private revision = 0;
  /** The content hash discovery saw for each model file (inspected models only). */
  private readonly modelHashes = new Map<string, string>();

  /** Fires after discovery or an audit changed what is known. */
  readonly onDidChange: StoreEvent = (listener, thisArgs, disposables) => {
    const bound = (): void => listener.call(thisArgs);
    this.listeners.add(bound);
    const subscription = { dispose: (): void => void this.listeners.delete(bound) };
    disposables?.push(subscription);
    return subscription;
  };

  /** Grows with every change (views and the dashboard compare it to skip redundant work). */
  get version(): number {
    return this.revision;
  }

  /** True once discovery has run at least once. */
  get hasDiscovered(): boolean {
    return this.discovered;
  }

  /** Replaces what discovery found in one workspace folder; forgets the results of that folder's vanished datasets. */
  setDiscovery(folder: string, datasets: DatasetEntry[], models: ModelEntry[]): void {
    this.discovered = true;
    this.datasetsByFolder.set(folder, datasets);
    this.modelsByFolder.set(folder, models);
    const known = new Set(datasets.map(datasetKey));
    for (const [key, entry] of [...this.datasetResults]) if (entry.folder === folder && !known.has(key)) this.datasetResults.delete(key);
    for (const [key, entry] of [...this.modelResults]) if (entry.folder === folder && !known.has(entry.datasetKey)) this.modelResults.delete(key);
    for (const model of models) if (model.info?.sha256) this.modelHashes.set(path.resolve(model.file), model.info.sha256);
    // A model file replaced since its audit: the audit is kept, and says so.
    for (const entry of this.modelResults.values()) {
      const reason = this.modelChange(entry);
      if (reason && !entry.stale?.reason.includes(reason)) {
        entry.stale = { reason: entry.stale ? `${reason}; ${entry.stale.reason}` : `${reason} since this model audit (${entry.origin.createdAt}); run Audit Model on Dataset again`, since: entry.stale?.since ?? new Date().toISOString() };
      }
    }
    this.fire();
  }

  /** Forgets workspace folders that were closed, with their results. */
  dropFolders(folders: string[]): void {
    const closed = new Set(folders);
    let changed = false;
    const drop = <T extends { folder: string }>(map: Map<string, T>): void => {
      for (const [key, entry] of [...map]) if (closed.has(entry.folder)) {
        map.delete(key);
        changed = true;
      }
    };
    for (const folder of closed) if (this.datasetsByFolder.delete(folder) || this.modelsByFolder.delete(folder)) changed = true;
    drop(this.datasetResults);
    drop(this.modelResults);
    drop(this.otherFindings);
    if (changed) this.fire();
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

  /** Every dataset audit. */
  datasetAudits(): DatasetResult[] {
    return [...this.datasetResults.values()];
  }

  /** Every model audit, most recent last. */
  modelAudits(): ModelResult[] {
    return [...this.modelResults.values()];
  }

  /** The model audit with this key. */
  modelResult(key: string): ModelResult | undefined {
    return this.modelResults.get(key);
  }

  /** The latest audits of one model file (on any dataset). */
  modelResultsOf(file: string): ModelResult[] {
    const absolute = path.resolve(file);
    return this.modelAudits().filter((entry) => path.resolve(entry.audit.model.file) === absolute);
  }

  /** The model audits of one dataset (by dataset key). */
  modelResultsOn(key: string): ModelResult[] {
    return this.modelAudits().filter((entry) => entry.datasetKey === key);
  }

  /**
   * Splits one AuditResult over its datasets and models; each becomes the latest audit of that dataset or model.
   * Model audits of a re-audited dataset that this result did not redo are kept, and marked stale when the dataset's
   * content or the configuration that applies to them changed (and fresh again when it changed back).
   */
  publish(result: AuditResult, folder: string = result.root): void {
    const origin = originOf(result);
    const claimed = new Set<Finding>();
    for (const audit of result.datasets) {
      const key = datasetKey(audit);
      const findings = result.findings.filter((finding) => !isModelFinding(finding) && finding.dataset === audit.name);
      findings.forEach((finding) => claimed.add(finding));
      this.datasetResults.set(key, { key, folder, audit, findings, origin });
    }
    const redone = new Set<string>();
    for (const audit of result.models) {
      const dataset = result.datasets.find((entry) => entry.name === audit.dataset);
      const dKey = dataset ? datasetKey(dataset) : '';
      const file = path.resolve(audit.model.file);
      const findings = result.findings.filter((finding) =>
        isModelFinding(finding) && finding.dataset === audit.dataset && typeof finding.evidence.model === 'string' && path.resolve(finding.evidence.model) === file);
      findings.forEach((finding) => claimed.add(finding));
      const key = modelResultKey(file, dKey);
      redone.add(key);
      // Deleted first, so that the map's order stays "most recent last".
      this.modelResults.delete(key);
      this.modelResults.set(key, {
        key, folder, datasetKey: dKey, datasetRoot: dataset?.root ?? result.root, audit, findings, origin,
        basis: { contentHash: dataset?.contentHash ?? '', config: modelConfigBasis(result.config, file) },
      });
    }
    for (const audit of result.datasets) {
      const dKey = datasetKey(audit);
      for (const entry of this.modelResults.values()) {
        if (entry.datasetKey !== dKey || redone.has(entry.key)) continue;
        const stale = stalenessOf(entry, audit.contentHash, modelConfigBasis(result.config, entry.audit.model.file), result.createdAt, this.modelChange(entry));
        // Stale since the first dataset audit that differed, not the latest.
        entry.stale = stale && entry.stale ? { ...stale, since: entry.stale.since } : stale;
      }
    }
    const rest = result.findings.filter((finding) => !claimed.has(finding));
    if (rest.length > 0) this.otherFindings.set(result.target, { target: result.target, folder, root: result.root, findings: rest });
    else this.otherFindings.delete(result.target);
    this.fire();
  }

  /** Every current finding: those of each dataset's and each model's latest audit (stale ones say so). */
  findings(): StoredFinding[] {
    const out: StoredFinding[] = [];
    for (const entry of this.datasetResults.values()) for (const finding of entry.findings) out.push({ finding, root: entry.origin.root, owner: entry.key });
    for (const entry of this.modelResults.values()) for (const finding of entry.findings) out.push({ finding, root: entry.origin.root, owner: entry.key, stale: entry.stale });
    for (const entry of this.otherFindings.values()) for (const finding of entry.findings) out.push({ finding, root: entry.root, owner: entry.target });
    return out;
  }

  /** Every current finding counted by severity: the figures of the status bar, equal to what the Problems panel lists. */
  counts(): Record<Severity, number> {
    return countBySeverity(this.findings().map((stored) => stored.finding));
  }

  /** The model audits that are stale. */
  staleModels(): ModelResult[] {
    return this.modelAudits().filter((entry) => entry.stale);
  }

  /** The selections there are something to show for: each audited dataset, and each model audit on it. */
  selections(): Array<StoreSelection & { dataset: DatasetResult; model?: ModelResult }> {
    const out: Array<StoreSelection & { dataset: DatasetResult; model?: ModelResult }> = [];
    for (const dataset of this.datasetResults.values()) {
      out.push({ datasetKey: dataset.key, dataset });
      for (const model of this.modelResultsOn(dataset.key)) out.push({ datasetKey: dataset.key, modelKey: model.key, dataset, model });
    }
    return out;
  }

  /**
   * One AuditResult for a dataset and the model audits on it, rebuilt from the store (the chosen model first):
   * what the dashboard and exported reports show, with the same findings as the Problems panel for them.
   * `stale[i]` says why model i is stale. Undefined when the dataset has no audit.
   */
  compose(selection: StoreSelection): { result: AuditResult; stale: Array<Staleness | undefined>; modelKeys: string[] } | undefined {
    const dataset = this.datasetResults.get(selection.datasetKey);
    if (!dataset) return undefined;
    const models = this.modelResultsOn(dataset.key);
    const chosen = models.findIndex((entry) => entry.key === selection.modelKey);
    if (chosen > 0) models.unshift(...models.splice(chosen, 1));
    const findings = [...dataset.findings, ...models.flatMap((entry) => entry.findings)];
    const other = [...this.otherFindings.values()].filter((entry) => entry.target === dataset.origin.target).flatMap((entry) => entry.findings);
    findings.push(...other);
    const newest = [dataset.origin, ...models.map((entry) => entry.origin)].reduce((a, b) => (b.createdAt > a.createdAt ? b : a));
    const result: AuditResult = {
      schemaVersion: AUDIT_RESULT_SCHEMA_VERSION,
      tool: { name: 'fairframe', version: newest.toolVersion },
      createdAt: newest.createdAt,
      target: dataset.audit.manifest ?? dataset.audit.root,
      root: dataset.origin.root,
      config: dataset.origin.config,
      datasets: [dataset.audit],
      models: models.map((entry) => entry.audit),
      findings,
      counts: countBySeverity(findings),
      durationMs: dataset.origin.durationMs + models.reduce((sum, entry) => sum + (entry.origin === dataset.origin ? 0 : entry.origin.durationMs), 0),
    };
    return { result, stale: models.map((entry) => entry.stale), modelKeys: models.map((entry) => entry.key) };
  }

  /** Forgets every audit (the discovery stays). */
  clearResults(): void {
    this.datasetResults.clear();
    this.modelResults.clear();
    this.otherFindings.clear();
    this.fire();
  }

  /** The audits, for saving. */
  content(): StoreContent {
    return { datasets: this.datasetAudits(), models: this.modelAudits(), other: [...this.otherFindings.values()] };
  }

  /** Adds saved audits; an audit already in the store (made since activation) wins. Discovery then prunes what no longer exists. */
  restore(content: StoreContent): void {
    for (const entry of content.datasets) if (!this.datasetResults.has(entry.key)) this.datasetResults.set(entry.key, entry);
    for (const entry of content.models) if (!this.modelResults.has(entry.key)) this.modelResults.set(entry.key, entry);
    for (const entry of content.other) if (!this.otherFindings.has(entry.target)) this.otherFindings.set(entry.target, entry);
    this.fire();
  }

  dispose(): void {
    this.listeners.clear();
  }

  /** 'the model file changed' when discovery saw other content in the audited model's file. */
  private modelChange(entry: ModelResult): string | undefined {
    const current = this.modelHashes.get(path.resolve(entry.audit.model.file));
    const audited = entry.audit.model.sha256;
    return current && audited && current !== audited ? 'the model file changed' : undefined;
  }

  private fire(): void {
    this.revision++;
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch (error) {
        console.error('Fairframe: a store listener failed:', error);
      }
    }
  }
}

/** Why a model audit made on `entry.basis` does not hold for a dataset audit of `contentHash` under `config`. */
function stalenessOf(entry: ModelResult, contentHash: string, config: string, since: string, modelChange?: string): Staleness | undefined {
  const reasons: string[] = [];
  if (modelChange) reasons.push(modelChange);
  if (entry.basis.contentHash !== contentHash) reasons.push("the dataset's images or manifest changed");
  if (entry.basis.config !== config) reasons.push('fairframe.json changed');
  if (reasons.length === 0) return undefined;
  return { reason: `${reasons.join(' and ')} since this model audit (${entry.origin.createdAt}); run Audit Model on Dataset again`, since };
}
