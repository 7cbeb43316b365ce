// `fairframe shift`: compares a reference and a target, writes the reports, and decides the exit code.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { allRules } from '../engine/checks';
import { FairframeError } from '../engine/errors';
import { insideAnyRoot, makeOutputFolder } from '../engine/io/outputFolder';
import { escapeControl, escapeJsonInvisibles } from '../engine/report/displayText';
import { renderSarif } from '../engine/report/sarifReport';
import { renderShiftMarkdown } from '../engine/report/shiftMarkdown';
import { compareDistributions } from '../engine/shift/compareDistributions';
import type { ShiftResult } from '../engine/shift/shiftTypes';
import type { Severity } from '../engine/types';
import { defaultCacheDir, failureExitCode } from './auditCommand';
import { handleInterrupts } from './interrupt';
import { createProgressReporter } from './progressReporter';

export interface ShiftCommandOptions {
  config?: string;
  format?: string[];
  out?: string;
  failOn?: Severity;
  cache?: string | false;
  model?: string;
  referenceSplit?: string;
  targetSplit?: string;
  quiet?: boolean;
  verbose?: boolean;
  outInsideData?: boolean;
}

const RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

function render(result: ShiftResult, format: string): string {
  switch (format) {
    case 'json':
      return `${escapeJsonInvisibles(JSON.stringify(result, null, 2))}\n`;
    case 'md':
      return renderShiftMarkdown(result);
    case 'sarif':
      return `${escapeJsonInvisibles(JSON.stringify(renderSarif({ root: path.dirname(result.target.path), tool: result.tool, findings: result.findings, createdAt: result.createdAt }, allRules()), null, 2))}\n`;
    default:
      throw new FairframeError('bad-config', `Unknown report format '${format}'.`);
  }
}

/** One line per finding and a line per overall figure. */
function printSummary(result: ShiftResult): void {
  const lines = [`${result.counts.error} errors, ${result.counts.warning} warnings, ${result.counts.info} notes comparing ${result.reference.dataset}${result.reference.split ? `/${result.reference.split}` : ''} (${result.reference.images} images) with ${result.target.dataset}${result.target.split ? `/${result.target.split}` : ''} (${result.target.images} images)`];
  for (const finding of result.findings) lines.push(`${finding.severity.padEnd(7)} ${finding.rule}: ${finding.message}`);
  process.stdout.write(`${lines.map(escapeControl).join('\n')}\n`);
}

/** Runs the command; returns the exit code (0 ok, 1 --fail-on met, 2 usage or input error, 130 cancelled). */
export async function runShiftCommand(reference: string, target: string | undefined, options: ShiftCommandOptions): Promise<number> {
  const interrupts = handleInterrupts();
  const reporter = createProgressReporter(process.stderr, options.quiet ?? false);
  try {
    if (target === undefined && (options.referenceSplit === undefined || options.targetSplit === undefined)) {
      throw new FairframeError('bad-config', 'Pass a target dataset, or compare two splits of the reference with --reference-split and --target-split.');
    }
    if (options.format && !options.out && options.format.length > 1) {
      throw new FairframeError('bad-config', 'Several --format values need --out <dir>; with one format and no --out the report goes to standard output.');
    }
    const cacheDir = options.cache === false ? undefined : options.cache ?? defaultCacheDir();
    const result = await compareDistributions(reference, target ?? reference, {
      configFile: options.config,
      cacheDir,
      referenceSplit: options.referenceSplit,
      targetSplit: options.targetSplit,
      model: options.model,
      signal: interrupts.signal,
      onProgress: (progress) => reporter.update(progress),
    });
    reporter.stop();
    if (options.out) {
      const roots = [result.reference.root, result.target.root];
      const inside = options.outInsideData ? undefined : await insideAnyRoot(options.out, roots);
      if (inside !== undefined) {
        throw new FairframeError('bad-config', `The output folder '${path.resolve(options.out)}' is inside the dataset '${inside}', and Fairframe never writes inside a dataset. Choose an --out folder outside it, or pass --out-inside-data to write there anyway.`);
      }
      const out = await makeOutputFolder(options.out);
      const written: string[] = [];
      for (const format of options.format ?? ['json', 'md', 'sarif']) {
        const file = path.join(out, `fairframe-shift.${format}`);
        await fs.writeFile(file, render(result, format));
        written.push(file);
      }
      printSummary(result);
      for (const file of written) process.stderr.write(`wrote ${escapeControl(file)}\n`);
    } else if (options.format?.length === 1) {
      process.stdout.write(render(result, options.format[0]));
    } else {
      printSummary(result);
    }
    const failOn = options.failOn;
    return failOn && result.findings.some((finding) => RANK[finding.severity] >= RANK[failOn]) ? 1 : 0;
  } catch (error) {
    reporter.stop();
    return failureExitCode(error, options.verbose === true);
  } finally {
    interrupts.dispose();
  }
}
