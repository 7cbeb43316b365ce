// The run store on disk, the git commit read without git, and the matching of findings across runs.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { diffFindings } from '../../../src/engine/runs/findingsDiff';
import { readGitState } from '../../../src/engine/runs/gitCommit';
import { findRun, listRuns, recordRun } from '../../../src/engine/runs/runStore';
import type { Finding } from '../../../src/engine/types';
import { handRun, PRED_AFTER, PRED_BEFORE } from './runFixtures';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

describe('runs/runStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ff-runs-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('records runs, lists them oldest first, and finds them by id, prefix, file and latest~N', async () => {
    const store = path.join(dir, 'store', 'runs');
    const first = await recordRun(store, handRun('x', PRED_BEFORE).result, { source: 'cli', label: 'baseline', workspace: dir });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await recordRun(store, handRun('y', PRED_AFTER).result, { source: 'editor', workspace: dir });
    assert.match(first.run.id, /^\d{8}-\d{6}-[0-9a-f]{6}$/);
    assert.equal(first.run.label, 'baseline');
    assert.equal(first.run.datasets[0].contentHash, 'same');
    assert.equal(first.run.models[0].sha256, 'sha-x');
    assert.equal(first.run.git, undefined, 'no repository around a temporary folder');
    const { runs, unreadable } = await listRuns(store);
    assert.deepEqual(runs.map((run) => run.id), [first.run.id, second.run.id]);
    assert.deepEqual(unreadable, []);
    assert.equal((await findRun(store, 'latest')).id, second.run.id);
    assert.equal((await findRun(store, 'latest~1')).id, first.run.id);
    assert.equal((await findRun(store, first.run.id)).source, 'cli');
    assert.equal((await findRun(store, second.file)).source, 'editor');
    await assert.rejects(findRun(store, 'latest~2'), /goes back further than the 2 runs/);
    await assert.rejects(findRun(store, 'nope'), /No run 'nope'/);
    // Both ids share the date: the prefix is ambiguous.
    await assert.rejects(findRun(store, first.run.id.slice(0, 8)), /matches 2 runs/);
  });

  it('lists a cut-short or foreign file as unreadable instead of failing, and an absent store as empty', async () => {
    const store = path.join(dir, 'runs');
    await recordRun(store, handRun('x', PRED_BEFORE).result, { source: 'cli', workspace: dir });
    await fs.writeFile(path.join(store, 'broken.json'), '{"format":"fairframe-run","id":');
    await fs.writeFile(path.join(store, 'other.json'), '{"hello":1}');
    const { runs, unreadable } = await listRuns(store);
    assert.equal(runs.length, 1);
    assert.deepEqual(unreadable.map((u) => path.basename(u.file)).sort(), ['broken.json', 'other.json']);
    assert.match(unreadable.find((u) => u.file.endsWith('broken.json'))!.reason, /not valid JSON/);
    assert.deepEqual(await listRuns(path.join(dir, 'absent')), { runs: [], unreadable: [] });
  });

  it('never writes into a dataset: a store inside an audited dataset root is refused', async () => {
    const result = handRun('x', PRED_BEFORE).result;
    const data = path.join(dir, 'data');
    await fs.mkdir(data);
    result.datasets[0].root = data;
    await assert.rejects(recordRun(path.join(data, '.fairframe', 'runs'), result, { source: 'cli', workspace: dir }), /inside the dataset/);
    await assert.rejects(fs.stat(path.join(data, '.fairframe')), /ENOENT/);
  });

  it('reads the commit from HEAD, loose refs, packed-refs, a detached HEAD and a linked worktree, without git', async () => {
    const repo = path.join(dir, 'repo');
    const git = path.join(repo, '.git');
    await fs.mkdir(path.join(git, 'refs', 'heads'), { recursive: true });
    await fs.writeFile(path.join(git, 'HEAD'), 'ref: refs/heads/main\n');
    // Packed only.
    await fs.writeFile(path.join(git, 'packed-refs'), `# pack-refs with: peeled fully-peeled sorted\n${B} refs/heads/main\n`);
    await fs.mkdir(path.join(repo, 'sub', 'deeper'), { recursive: true });
    assert.deepEqual(await readGitState(path.join(repo, 'sub', 'deeper')), { commit: B, branch: 'main', workTree: repo });
    // A loose ref wins over packed-refs.
    await fs.writeFile(path.join(git, 'refs', 'heads', 'main'), `${A}\n`);
    assert.equal((await readGitState(repo))?.commit, A);
    // Detached.
    await fs.writeFile(path.join(git, 'HEAD'), `${B}\n`);
    assert.deepEqual(await readGitState(repo), { commit: B, workTree: repo });
    // A linked worktree: .git is a file naming its git dir, whose commondir holds the refs.
    const linked = path.join(dir, 'linked');
    const worktreeDir = path.join(git, 'worktrees', 'linked');
    await fs.mkdir(worktreeDir, { recursive: true });
    await fs.mkdir(linked);
    await fs.writeFile(path.join(linked, '.git'), `gitdir: ${worktreeDir}\n`);
    await fs.writeFile(path.join(worktreeDir, 'HEAD'), 'ref: refs/heads/main\n');
    await fs.writeFile(path.join(worktreeDir, 'commondir'), '../..\n');
    assert.deepEqual(await readGitState(linked), { commit: A, branch: 'main', workTree: linked });
    // A branch with no commit yet, and garbage in HEAD: no state, no error.
    await fs.writeFile(path.join(git, 'HEAD'), 'ref: refs/heads/empty\n');
    assert.equal(await readGitState(repo), undefined);
    await fs.writeFile(path.join(git, 'HEAD'), '\u0000garbage');
    assert.equal(await readGitState(repo), undefined);
  });
});

describe('runs/findingsDiff', () => {
  const finding = (rule: string, message: string, evidence: Record<string, unknown> = {}, severity: Finding['severity'] = 'warning'): Finding =>
    ({ rule, severity, message, location: { file: '/work/data/metadata.csv' }, evidence, dataset: 'd' });

  it('matches findings by subject: new, resolved, changed (message or severity) and unchanged', () => {
    const before = handRun('x', PRED_BEFORE, {
      findings: [
        finding('FF-D001', 'class imbalance 12:1'),
        finding('FF-M010', 'accuracy gap 0.51 by site', { model: '/m/m.onnx', attribute: 'site', figure: { name: 'accuracy difference' } }, 'error'),
        finding('FF-M012', "selection gap for 'pos' 0.11", { model: '/m/m.onnx', attribute: 'site', figure: { class: 'pos' } }),
        finding('FF-D010', 'duplicate images', { paths: ['x.png', 'y.png'] }),
      ],
    }).result;
    const after = handRun('y', PRED_AFTER, {
      findings: [
        finding('FF-D001', 'class imbalance 12:1'),
        // Same subject, the numbers moved and it is now a warning; shown on another fairframe.json.
        { ...finding('FF-M010', 'accuracy gap 0.40 by site', { model: '/other/m.onnx', attribute: 'site', figure: { name: 'accuracy difference' } }), location: { file: '/elsewhere/fairframe.json' } },
        // Same rule, another class: a different subject.
        finding('FF-M012', "selection gap for 'neg' 0.12", { model: '/m/m.onnx', attribute: 'site', figure: { class: 'neg' } }),
        finding('FF-D010', 'duplicate images', { paths: ['x.png', 'z.png'] }),
      ],
    }).result;
    const diff = diffFindings(before, after);
    assert.equal(diff.unchanged, 1);
    assert.deepEqual(diff.changed.map((c) => [c.before.message, c.after.message, c.after.severity]), [['accuracy gap 0.51 by site', 'accuracy gap 0.40 by site', 'warning']]);
    assert.deepEqual(diff.added.map((f) => f.message).sort(), ['duplicate images', "selection gap for 'neg' 0.12"]);
    assert.deepEqual(diff.resolved.map((f) => f.message).sort(), ['duplicate images', "selection gap for 'pos' 0.11"]);
  });
});
