// The git commit a workspace is at, read from its `.git` without running git: HEAD, loose refs, packed-refs, worktrees.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Where the workspace's git repository stands; undefined fields when unknown. */
export interface GitState {
  /** Full 40-hex commit id (64 for SHA-256 repositories). */
  commit: string;
  /** The branch checked out, or undefined on a detached HEAD. */
  branch?: string;
  /** The folder holding `.git`. */
  workTree: string;
}

const COMMIT = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The `.git` folder of `workTree` (following a `gitdir:` file of a linked worktree or submodule), or undefined. */
async function gitDirOf(workTree: string): Promise<string | undefined> {
  const dotGit = path.join(workTree, '.git');
  const stat = await fs.stat(dotGit).catch(() => undefined);
  if (!stat) return undefined;
  if (stat.isDirectory()) return dotGit;
  const text = await readText(dotGit);
  const match = text?.match(/^gitdir:\s*(.+?)\s*$/m);
  return match ? path.resolve(workTree, match[1]) : undefined;
}

/** The commit a ref names: a loose ref file, else a line of packed-refs; looked up in the git dir, then its common dir. */
async function resolveRef(gitDirs: string[], ref: string): Promise<string | undefined> {
  for (const dir of gitDirs) {
    const loose = (await readText(path.join(dir, ...ref.split('/'))))?.trim();
    if (loose && COMMIT.test(loose)) return loose;
  }
  for (const dir of gitDirs) {
    const packed = await readText(path.join(dir, 'packed-refs'));
    for (const line of packed?.split('\n') ?? []) {
      const [id, name] = line.trim().split(/\s+/);
      if (name === ref && COMMIT.test(id)) return id;
    }
  }
  return undefined;
}

/** The git state of the repository holding `folder` (searching upwards), or undefined when there is none or it cannot be read. Never throws. */
export async function readGitState(folder: string): Promise<GitState | undefined> {
  let current = path.resolve(folder);
  for (;;) {
    const gitDir = await gitDirOf(current);
    if (gitDir) return stateOf(current, gitDir);
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

async function stateOf(workTree: string, gitDir: string): Promise<GitState | undefined> {
  const head = (await readText(path.join(gitDir, 'HEAD')))?.trim();
  if (!head) return undefined;
  if (COMMIT.test(head)) return { commit: head, workTree };
  const match = head.match(/^ref:\s*(refs\/\S+)$/);
  if (!match) return undefined;
  // A linked worktree keeps its HEAD in its own dir and the refs in the common dir.
  const common = (await readText(path.join(gitDir, 'commondir')))?.trim();
  const dirs = common ? [gitDir, path.resolve(gitDir, common)] : [gitDir];
  const commit = await resolveRef(dirs, match[1]);
  if (!commit) return undefined; // a branch with no commit yet
  return { commit, branch: match[1].replace(/^refs\/heads\//, ''), workTree };
}
