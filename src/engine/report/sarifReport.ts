// Renders an AuditResult as SARIF 2.1.0 so code-scanning UIs show findings at the manifest line.
import { escapeControl } from './displayText';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AuditResult } from '../auditResult';
import type { RuleInfo } from '../checks/check';
import type { Location, Severity } from '../types';

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

function artifactUri(file: string, base: string): { uri: string; uriBaseId?: string } {
  const relative = path.relative(base, file);
  if (relative && !relative.startsWith('..') && !path.isAbsolute(relative)) {
    return { uri: relative.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: 'SRCROOT' };
  }
  return { uri: pathToFileURL(file).href };
}

function sarifLocation(location: Location, base: string): Record<string, unknown> {
  return {
    physicalLocation: {
      artifactLocation: artifactUri(location.file, base),
      ...(location.line ? { region: { startLine: location.line } } : {}),
    },
  };
}

/** A SARIF log object; `rules` are every rule the audit can emit (for the driver's rule table). A shift comparison passes its findings without models. */
export function renderSarif(result: Pick<AuditResult, 'root' | 'tool' | 'findings' | 'createdAt'> & Partial<Pick<AuditResult, 'models'>>, rules: RuleInfo[]): Record<string, unknown> {
  const base = result.root;
  const ruleIndex = new Map(rules.map((rule, index) => [rule.id, index]));
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Fairframe',
            version: result.tool.version,
            semanticVersion: result.tool.version,
            rules: rules.map((rule) => ({
              id: rule.id,
              name: rule.name,
              shortDescription: { text: rule.description },
              help: { text: `${rule.id} ${rule.name}: ${rule.description} See the README section ${rule.id}.` },
              defaultConfiguration: { level: LEVEL[rule.defaultSeverity] },
            })),
          },
        },
        originalUriBaseIds: { SRCROOT: { uri: pathToFileURL(base.endsWith(path.sep) ? base : base + path.sep).href } },
        results: result.findings.map((finding) => ({
          ruleId: finding.rule,
          ...(ruleIndex.has(finding.rule) ? { ruleIndex: ruleIndex.get(finding.rule) } : {}),
          level: LEVEL[finding.severity],
          message: { text: escapeControl(finding.suggestion ? `${finding.message} ${finding.suggestion}` : finding.message) },
          locations: [sarifLocation(finding.location, base)],
          ...(finding.related?.length
            ? { relatedLocations: finding.related.map((location, id) => ({ id, ...sarifLocation(location, base) })) }
            : {}),
          properties: { dataset: finding.dataset, evidence: finding.evidence },
        })),
        invocations: [{ executionSuccessful: true, endTimeUtc: result.createdAt }],
        properties: {
          models: (result.models ?? []).map((model) => ({
            file: model.model.file,
            sha256: model.model.sha256,
            dataset: model.dataset,
            split: model.split,
            status: model.status,
            accuracy: model.overall?.accuracy,
            balancedAccuracy: model.overall?.balancedAccuracy,
            fairness: model.groups?.flatMap((group) => group.fairness.filter((figure) => figure.passed === false).map((figure) => ({ attribute: group.name, ...figure }))),
          })),
        },
      },
    ],
  };
}
