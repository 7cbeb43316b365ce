// `fairframe audit`: runs the audit, writes the reports, and decides the exit code.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { auditPath, type AuditOptions } from '../engine/audit';
import { auditShard } from '../engine/shard/auditShard';
import { parseShard } from '../engine/shard/shardAssignment';
import type { AuditResult } from '../engine/auditResult';
import { FairframeError } from '../engine/errors';
import { displayLocation } from '../engine/report/markdownReport';
import { exportReweighing } from '../engine/mitigation/exportReweighing';
import { writeExplanationOverlays } from '../engine/report/explanationOverlays';
import type { RobustnessMode } from '../engine/robustness/robustnessTypes';
import type { Progress, Severity } from '../engine/types';
import { escapeControl, escapeControlLines } from '../engine/report/displayText';
import { insideAnyRoot, makeOutputFolder, writeErrorReason } from '../engine/io/outputFolder';
import { handleInterrupts } from './interrupt';
import { auditNotes } from './auditNotes';
import { createProgressReporter } from './progressReporter';
import { discoverModels } from '../engine/model/discoverModels';
import { formatInterval, formatPercent } from '../engine/modelAudit/groupFindings';
import { verificationPool } from '../worker/verifyPool';
import { recordAudit } from './runsCommand';
import { DEFAULT_REPORT_FORMATS, renderReportFormat, reportFiles } from '../engine/report/reportFiles';

export interface AuditCommandOptions {
  config?: string;
  format?: string[];
  out?: string;
  failOn?: Severity;
  cache?: string | false;
  decode?: boolean;
  exportWeights?: string;
  dataset?: string[];
  model?: string[];
  /** Predictions files audited as models. */
  predictions?: string[];
  split?: string;
  robustness?: RobustnessMode;
  quiet?: boolean;
  verbose?: boolean;
  /** Allow --out inside a dataset (refused otherwise: Fairframe never writes inside a dataset unless asked). */
  outInsideData?: boolean;
  /** Run store folder (default: $FAIRFRAME_RUNS, else .fairframe/runs in the current folder). */
  runs?: string;
  /** False with --no-record. */
  record?: boolean;
  runLabel?: string;
  /** Audit only this shard ('K/N' or 'auto'), writing a partial result into `partial`. */
  shard?: string;
  /** Folder (or s3://bucket/prefix) the shard's partial result is written into. */
  partial?: string;
  /** S3 endpoint URL (MinIO, GCS interoperability). */
  s3Endpoint?: string;
  /** Path-style S3 addressing. */
  s3PathStyle?: boolean;
}

const RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

/** The default cache folder: outside any dataset, per user. */
export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'fairframe');
}

/** True when a finding at or above `failOn` exists. */
export function meetsFailOn(result: AuditResult, failOn: Severity | undefined): boolean {
  if (!failOn) return false;
  return result.findings.some((finding) => RANK[finding.severity] >= RANK[failOn]);
}

/** Runs the command; returns the process exit code (0 ok, 1 --fail-on met, 2 usage or input error, 130 cancelled). */
export async function runAuditCommand(datasetTarget: string, options: AuditCommandOptions): Promise<number> {
  let target = datasetTarget;
  const interrupts = handleInterrupts();
  const controller = { signal: interrupts.signal };
  const reporter = createProgressReporter(process.stderr, options.quiet ?? false);
  let temporaryMirror: string | undefined;
  try {
    if (options.exportWeights && !options.out) throw new FairframeError('bad-config', '--export-weights needs --out <dir> to write the weights into.');
    if (options.format && !options.out && options.format.length > 1) {
      throw new FairframeError('bad-config', 'Several --format values need --out <dir>; with one format and no --out the report goes to standard output.');
    }
    const cacheDir = options.cache === false ? undefined : options.cache ?? defaultCacheDir();
    if (/^s3:\/\//i.test(target)) {
      const mirror = await mirrorS3Dataset(target, options, cacheDir, controller.signal);
      target = mirror.root;
      temporaryMirror = mirror.temporary;
    }
    const cacheStat = cacheDir ? await fs.stat(cacheDir).catch(() => undefined) : undefined;
    if (cacheStat && !cacheStat.isDirectory()) process.stderr.write(`fairframe: warning: the cache path '${escapeControl(path.resolve(cacheDir as string))}' is not a folder; nothing is cached this run.\n`);
    const expanded = await expandModels(target, options.model);
    const models = options.predictions?.length ? [...(expanded ?? []), ...options.predictions] : expanded;
    const auditOptions = {
      configFile: options.config,
      cacheDir,
      noDecode: options.decode === false,
      datasets: options.dataset,
      models,
      split: options.split,
      ...(options.robustness ? { robustness: options.robustness } : {}),
      signal: controller.signal,
      onProgress: (progress: Progress) => reporter.update(progress),
      parallel: verificationPool(),
    };
    if (options.shard !== undefined || options.partial !== undefined) {
      return await runShard(target, options, auditOptions, reporter);
    }
    const result = await auditPath(target, auditOptions);
    reporter.stop();
    await deliverResult(result, options, cacheDir);
    const recorded = options.record === false ? true : await recordAudit(result, options, (text) => process.stderr.write(text));
    if (!recorded) return 2;
    return meetsFailOn(result, options.failOn) ? 1 : 0;
  } catch (error) {
    reporter.stop();
    return failureExitCode(error, options.verbose === true);
  } finally {
    interrupts.dispose();
    if (temporaryMirror) await fs.rm(temporaryMirror, { recursive: true, force: true });
  }
}

/**
 * An s3://bucket/prefix dataset: mirrored into the cache folder (only new or changed objects fetched, by ETag and size),
 * or into a temporary folder removed after the run under --no-cache. Returns the local folder to audit.
 */
async function mirrorS3Dataset(url: string, options: AuditCommandOptions, cacheDir: string | undefined, signal: AbortSignal): Promise<{ root: string; temporary?: string }> {
  const store = await import('../engine/io/objectStore');
  const { mirrorDataset, mirrorFolder } = await import('../engine/io/objectStoreMirror');
  const location = store.parseS3Url(url);
  const endpoint = options.s3Endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  const temporary = cacheDir ? undefined : await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-s3-dataset-'));
  const folder = mirrorFolder(cacheDir ?? (temporary as string), location, endpoint);
  const client = store.createS3Client({ endpoint: options.s3Endpoint, pathStyle: options.s3PathStyle });
  try {
    const summary = await mirrorDataset(client, location, folder, { signal });
    if (!options.quiet) {
      process.stderr.write(`${escapeControl(url)}: ${summary.listed} objects listed, ${summary.fetched} fetched (${(summary.bytesFetched / 1e6).toFixed(1)} MB), ${summary.unchanged} unchanged, ${summary.removed} removed, ${summary.skipped} not dataset files; audited from ${escapeControl(summary.root)}\n`);
    }
    return { root: summary.root, temporary };
  } catch (error) {
    if (temporary) await fs.rm(temporary, { recursive: true, force: true });
    throw error;
  } finally {
    client.destroy();
  }
}

/** Prints the diagnostics and notes, and writes the reports where `options` asks (standard output by default). */
export async function deliverResult(result: AuditResult, options: AuditCommandOptions, cacheDir: string | undefined): Promise<void> {
  printDiagnostics(result, options.verbose === true);
  for (const note of await auditNotes(result)) process.stderr.write(`fairframe: note: ${escapeControl(note)}\n`);

  if (options.out) {
    const inside = options.outInsideData ? undefined : await insideAnyRoot(options.out, result.datasets.map((dataset) => dataset.root));
    if (inside !== undefined) {
      throw new FairframeError('bad-config', `The output folder '${path.resolve(options.out)}' is inside the dataset '${inside}', and Fairframe never writes inside a dataset. Choose an --out folder outside it, or pass --out-inside-data to write there anyway.`);
    }
    const out = await makeOutputFolder(options.out);
    const written: string[] = [];
    const overlays = result.models.some((model) => (model.explanations?.errors.length ?? 0) > 0) ? await writeExplanationOverlays(result, out, cacheDir) : [];
    if (overlays.length > 0) written.push(`${overlays.length} explanation overlays in ${path.join(out, 'explanations')}`);
    for (const document of await reportFiles(result, options.format ?? DEFAULT_REPORT_FORMATS)) {
      const file = path.join(out, document.name);
      await fs.writeFile(file, document.content);
      written.push(file);
    }
    if (options.exportWeights) {
      const attributes = options.exportWeights.split(',').map((a) => a.trim()).filter(Boolean);
      written.push(...(await exportReweighing(result.target, attributes, out, { configFile: options.config })));
    }
    printSummary(result);
    for (const file of written) process.stderr.write(`wrote ${escapeControl(file)}\n`);
  } else if (options.format?.length === 1) {
    process.stdout.write(await renderReportFormat(result, options.format[0]));
  } else {
    printSummary(result);
  }
}

/** `--shard K/N --partial DIR`: audits one shard and writes its partial result (reports come from `fairframe merge`). */
async function runShard(target: string, options: AuditCommandOptions, auditOptions: AuditOptions, reporter: { stop(): void }): Promise<number> {
  if (options.shard === undefined || options.partial === undefined) throw new FairframeError('bad-config', '--shard K/N and --partial <dir> go together: the shard\'s partial result is written into --partial, and fairframe merge turns the partials into the report.');
  if (options.out || options.format || options.exportWeights || options.failOn) throw new FairframeError('bad-config', 'A shard writes a partial result only: pass --out, --format, --fail-on and --export-weights to fairframe merge instead.');
  const shard = parseShard(options.shard);
  // The S3 client is loaded only when an s3:// location is named.
  const store = /^s3:\/\//i.test(options.partial) ? await import('../engine/io/objectStore') : undefined;
  const remote = store?.parseS3Url(options.partial);
  // A partial bound for object storage is written to a temporary folder first, then streamed up.
  if (!remote) {
    // Refused before anything is created: a partial folder inside the audited folder (each dataset's root is checked again below).
    const stat = await fs.stat(target).catch(() => undefined);
    const targetFolder = stat?.isDirectory() ? target : path.dirname(target);
    if ((await insideAnyRoot(options.partial, [targetFolder])) !== undefined) {
      throw new FairframeError('bad-config', `The partial folder '${path.resolve(options.partial)}' is inside the audited folder '${path.resolve(targetFolder)}', and Fairframe never writes inside a dataset. Choose a --partial folder outside it.`);
    }
  }
  const partialDir = remote ? await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-partial-')) : await makeOutputFolder(options.partial);
  try {
    const summary = await auditShard(target, {
      ...auditOptions,
      shard,
      partialDir,
      checkPartialDir: async (roots) => {
        const inside = remote ? undefined : await insideAnyRoot(partialDir, roots);
        if (inside !== undefined) throw new FairframeError('bad-config', `The partial folder '${partialDir}' is inside the dataset '${inside}', and Fairframe never writes inside a dataset. Choose a --partial folder outside it.`);
      },
    });
    reporter.stop();
    for (const dataset of summary.datasets) process.stderr.write(`shard ${shard.index}/${shard.count} of ${escapeControl(dataset.name)}: ${dataset.records} of ${dataset.total} records\n`);
    const written = store && remote ? await store.uploadFile(store.createS3Client({ endpoint: options.s3Endpoint, pathStyle: options.s3PathStyle }), remote, summary.file) : summary.file;
    process.stderr.write(`wrote ${escapeControl(written)}\n`);
  } finally {
    if (remote) await fs.rm(partialDir, { recursive: true, force: true });
  }
  return 0;
}

/** Internal errors on stderr: with their stacks under --verbose, else one line that says where to find them. */
export function printDiagnostics(result: AuditResult, verbose: boolean, write: (text: string) => void = (text) => process.stderr.write(text)): void {
  const diagnostics = result.diagnostics ?? [];
  if (diagnostics.length === 0) return;
  if (!verbose) {
    write(`fairframe: ${diagnostics.length} internal error${diagnostics.length === 1 ? '' : 's'} (see the findings); rerun with --verbose for the stack trace${diagnostics.length === 1 ? '' : 's'}, also kept under "diagnostics" in the JSON report.\n`);
    return;
  }
  for (const diagnostic of diagnostics) write(`fairframe: internal error while ${escapeControlLines(`${diagnostic.context}: ${diagnostic.stack ?? diagnostic.message}`)}\n`);
}

/** `--model auto` stands for every .onnx file under the target folder. */
async function expandModels(target: string, models: string[] | undefined): Promise<string[] | undefined> {
  if (!models?.includes('auto')) return models;
  const stat = await fs.stat(target).catch(() => undefined);
  const folder = stat?.isDirectory() ? target : path.dirname(target);
  const found = await discoverModels(folder);
  if (found.length === 0) throw new FairframeError('bad-config', `--model auto found no .onnx file under '${path.resolve(folder)}'; name the model file instead.`);
  return [...models.filter((model) => model !== 'auto'), ...found];
}

function printSummary(result: AuditResult): void {
  const lines = [`${result.counts.error} errors, ${result.counts.warning} warnings, ${result.counts.info} notes in ${result.datasets.map((d) => `${d.name} (${d.images} images)`).join(', ')}`];
  for (const finding of result.findings) {
    lines.push(`${finding.severity.padEnd(7)} ${finding.rule} ${displayLocation(finding, result.root)}: ${finding.message}`);
  }
  for (const model of result.models) {
    const name = path.basename(model.model.file);
    const accuracy = model.overall?.accuracy;
    lines.push(model.status === 'ok' && accuracy
      ? `model   ${name} on ${model.dataset}${model.split ? ` (${model.split})` : ''}: ${model.overall?.images} images, accuracy ${formatPercent(accuracy.estimate)} ${formatInterval(accuracy, formatPercent)}`
      : `model   ${name} on ${model.dataset}: not audited (${model.reason ?? 'unknown reason'})`);
  }
  process.stdout.write(`${lines.map(escapeControl).join('\n')}\n`);
}

/** The message of an error for the terminal: an engine error's own text; for others, what failed and where, without a stack trace (FAIRFRAME_DEBUG=1 prints it). */
/** Says why a command failed on standard error and gives its exit code: 130 when cancelled, else 2 (the stack trace too under --verbose or FAIRFRAME_DEBUG). */
export function failureExitCode(error: unknown, verbose: boolean): number {
  if (FairframeError.is(error, 'cancelled')) {
    process.stderr.write('fairframe: cancelled\n');
    return 130;
  }
  process.stderr.write(`fairframe: ${escapeControl(errorMessageOf(error))}\n`);
  if ((process.env.FAIRFRAME_DEBUG || verbose) && error instanceof Error && error.stack) process.stderr.write(`${escapeControlLines(error.stack)}\n`);
  return 2;
}

export function errorMessageOf(error: unknown): string {
  if (FairframeError.is(error)) return error.message;
  const errno = error as NodeJS.ErrnoException;
  if (errno && typeof errno.code === 'string' && typeof errno.path === 'string') return `${errno.path}: ${writeErrorReason(errno)}`;
  const text = error instanceof Error ? error.message : String(error);
  return `${text.split('\n')[0]} (an unexpected error; run with FAIRFRAME_DEBUG=1 for its stack trace)`;
}
