// The Kubernetes manifests in deploy/kubernetes, validated against the Kubernetes OpenAPI schema that the
// kubernetes-models package ships (no network), plus what the schema cannot see: field names checked against the
// schema's vocabulary (the schema allows unknown fields), the Indexed Job's shard variables, the shared volume, the
// merge. And the GitHub Actions example: it parses, its matrix covers every shard, its merge waits for them.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { parseShard } from '../../../src/engine/shard/shardAssignment';

const root = path.resolve(__dirname, '../../..');
const k8s = path.join(root, 'deploy/kubernetes');

type Json = Record<string, unknown>;

function documents(file: string): Json[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((document) => {
    assert.deepEqual(document.errors, [], `${file} does not parse`);
    return document.toJSON() as Json;
  });
}

/** Every property name the shipped Kubernetes schemas know (the compiled validators name each one as data.<name> or data["<name>"]). */
function schemaVocabulary(): Set<string> {
  const words = new Set<string>();
  const folders = [path.join(root, 'node_modules/kubernetes-models/_schemas'), path.join(root, 'node_modules/@kubernetes-models/apimachinery/_schemas')];
  for (const folder of folders) {
    for (const name of readdirSync(folder).filter((file) => file.endsWith('.js'))) {
      const text = readFileSync(path.join(folder, name), 'utf8');
      for (const match of text.matchAll(/data\.([A-Za-z0-9_$]+)|data\["([^"]+)"\]|missingProperty:"([^"]+)"/g)) words.add(match[1] ?? match[2] ?? match[3]);
    }
  }
  return words;
}

/** Keys of free-form maps, whose names are the user's (labels, resource names...). */
const FREE_FORM = new Set(['labels', 'annotations', 'matchLabels', 'requests', 'limits', 'nodeSelector', 'emptyDir']);

function unknownFields(value: unknown, vocabulary: Set<string>, at = '', out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item, index) => unknownFields(item, vocabulary, `${at}[${index}]`, out));
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (!vocabulary.has(key)) out.push(`${at}.${key}`);
      if (!FREE_FORM.has(key)) unknownFields(child, vocabulary, `${at}.${key}`, out);
    }
  }
  return out;
}

function byKind(kind: string, name: string): Json {
  for (const file of readdirSync(k8s).filter((f) => f.endsWith('.yaml'))) {
    for (const document of documents(path.join(k8s, file))) {
      if (document.kind === kind && (document.metadata as Json).name === name) return document;
    }
  }
  throw new Error(`no ${kind} '${name}' in deploy/kubernetes`);
}

type Container = { args: string[]; env?: Array<{ name: string; value: string }>; volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }> };
type PodSpec = { containers: Container[]; volumes: Array<{ name: string; persistentVolumeClaim?: { claimName: string; readOnly?: boolean } }> };

describe('deployment examples', () => {
  const vocabulary = schemaVocabulary();

  it('every Kubernetes manifest passes the Kubernetes schema and names only fields it knows', () => {
    const files = readdirSync(k8s).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.length >= 3);
    for (const file of files) {
      for (const document of documents(path.join(k8s, file))) {
        if (document.kind === 'Job') new Job(document as never).validate();
        else if (document.kind === 'PersistentVolumeClaim') new PersistentVolumeClaim(document as never).validate();
        else assert.fail(`${file}: no schema check for kind ${String(document.kind)}`);
        assert.deepEqual(unknownFields(document, vocabulary), [], `${file} has fields the schema does not know`);
      }
    }
  });

  it('the schema check itself catches a wrong type and a typo', () => {
    const job = byKind('Job', 'fairframe-audit');
    assert.throws(() => new Job({ ...job, spec: { ...(job.spec as Json), completions: 'four' } } as never).validate(), /completions must be integer/);
    assert.deepEqual(unknownFields({ spec: { compleshuns: 4 } }, vocabulary), ['.spec.compleshuns']);
  });

  it('the audit is an Indexed Job whose pods each run --shard auto with JOB_COMPLETIONS equal to its completions', () => {
    const job = byKind('Job', 'fairframe-audit');
    const spec = job.spec as { completionMode: string; completions: number; template: { spec: PodSpec } };
    assert.equal(spec.completionMode, 'Indexed');
    const container = spec.template.spec.containers[0];
    const args = container.args;
    assert.equal(args[0], 'audit');
    assert.equal(args[args.indexOf('--shard') + 1], 'auto');
    const completions = container.env?.find((v) => v.name === 'JOB_COMPLETIONS')?.value;
    assert.equal(Number(completions), spec.completions);
    // What the CLI reads in pod K: Kubernetes sets JOB_COMPLETION_INDEX to K.
    for (let index = 0; index < spec.completions; index++) {
      assert.deepEqual(parseShard('auto', { JOB_COMPLETION_INDEX: String(index), JOB_COMPLETIONS: completions }), { index, count: spec.completions });
    }
    const data = container.volumeMounts.find((m) => m.mountPath === '/data');
    assert.equal(data?.readOnly, true, 'the dataset must be mounted read-only');
    const partialDir = args[args.indexOf('--partial') + 1];
    const partialMount = container.volumeMounts.find((m) => partialDir.startsWith(`${m.mountPath}/`));
    assert.ok(partialMount && !partialMount.readOnly);
    const claim = spec.template.spec.volumes.find((v) => v.name === partialMount.name)?.persistentVolumeClaim?.claimName;
    const pvc = byKind('PersistentVolumeClaim', claim as string).spec as { accessModes: string[] };
    assert.ok(pvc.accessModes.includes('ReadWriteMany'), 'pods on different nodes write the partials');
  });

  it('the merge Job reads the folder the shards write, on the same claim, with the dataset at the same path', () => {
    const audit = (byKind('Job', 'fairframe-audit').spec as { template: { spec: PodSpec } }).template.spec;
    const merge = (byKind('Job', 'fairframe-merge').spec as { template: { spec: PodSpec } }).template.spec;
    const auditArgs = audit.containers[0].args;
    const mergeArgs = merge.containers[0].args;
    assert.equal(mergeArgs[0], 'merge');
    assert.equal(mergeArgs[1], auditArgs[auditArgs.indexOf('--partial') + 1]);
    const runId = (spec: PodSpec): string | undefined => spec.containers[0].env?.find((v) => v.name === 'RUN_ID')?.value;
    assert.equal(runId(merge), runId(audit));
    const claimAt = (spec: PodSpec, mountPath: string): string | undefined => {
      const mount = spec.containers[0].volumeMounts.find((m) => m.mountPath === mountPath);
      return spec.volumes.find((v) => v.name === mount?.name)?.persistentVolumeClaim?.claimName;
    };
    assert.equal(claimAt(merge, '/partials'), claimAt(audit, '/partials'));
    assert.equal(claimAt(merge, '/data'), claimAt(audit, '/data'));
  });

  it('the GitHub Actions example parses, its matrix covers shards 0..N-1, and the merge waits for every shard', () => {
    const [workflow] = documents(path.join(root, 'deploy/github-actions/fairframe-sharded.yml')) as Array<{
      env: { SHARDS: number };
      jobs: { shard: { strategy: { matrix: { shard: number[] } }; steps: Array<{ run?: string }> }; merge: { needs: string; steps: Array<{ run?: string; with?: Json }> } };
    }>;
    const count = workflow.env.SHARDS;
    assert.deepEqual(workflow.jobs.shard.strategy.matrix.shard, Array.from({ length: count }, (_, k) => k));
    const command = workflow.jobs.shard.steps.map((step) => step.run ?? '').find((run) => run.includes('--shard'));
    const expression = /--shard (\$\{\{ matrix\.shard \}\}\/\$\{\{ env\.SHARDS \}\}|\S+)/.exec(command ?? '')?.[1];
    assert.equal(expression, '${{ matrix.shard }}/${{ env.SHARDS }}');
    // The expression as Actions expands it, for every matrix value, is a shard the CLI accepts.
    for (const shard of workflow.jobs.shard.strategy.matrix.shard) {
      const expanded: string = (expression as string).replace('${{ matrix.shard }}', String(shard)).replace('${{ env.SHARDS }}', String(count));
      assert.deepEqual(parseShard(expanded), { index: shard, count });
    }
    assert.equal(workflow.jobs.merge.needs, 'shard');
    assert.ok(workflow.jobs.merge.steps.some((step) => /\bmerge partials\b/.test(step.run ?? '')));
    assert.ok(workflow.jobs.merge.steps.some((step) => step.with?.pattern === 'fairframe-partial-*' && step.with?.['merge-multiple'] === true));
  });
});
