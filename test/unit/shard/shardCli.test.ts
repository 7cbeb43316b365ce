// The shard and merge commands refuse what they cannot do, with exit code 2 and a message, and write nothing
// inside the dataset.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist/cli.js');

function run(...args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { status: result.status, stderr: result.stderr };
}

describe('fairframe audit --shard / fairframe merge: usage errors', function () {
  this.timeout(120_000);
  let dir: string;
  let data: string;

  before(async () => {
    if (!existsSync(cli)) spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairframe-shard-cli-'));
    data = path.join(dir, 'data');
    await fs.mkdir(data);
    await fs.writeFile(path.join(data, 'manifest.csv'), 'path,label\na.jpg,x\nb.jpg,y\n');
  });

  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('needs --shard and --partial together, and sends report options to merge', () => {
    assert.match(run('audit', data, '--no-decode', '--shard', '0/2').stderr, /--shard K\/N and --partial <dir> go together/);
    assert.match(run('audit', data, '--no-decode', '--partial', path.join(dir, 'p')).stderr, /go together/);
    const withOut = run('audit', data, '--no-decode', '--shard', '0/2', '--partial', path.join(dir, 'p'), '--out', path.join(dir, 'o'));
    assert.equal(withOut.status, 2);
    assert.match(withOut.stderr, /pass --out, --format, --fail-on and --export-weights to fairframe merge/);
    assert.match(run('audit', data, '--no-decode', '--shard', '2/2', '--partial', path.join(dir, 'p')).stderr, /out of range/);
  });

  it('refuses a partial folder inside the dataset without creating it', async () => {
    const inside = path.join(data, 'partials');
    const result = run('audit', data, '--no-decode', '--shard', '0/2', '--partial', inside);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /never writes inside a dataset/);
    assert.equal(existsSync(inside), false);
    assert.deepEqual((await fs.readdir(data)).sort(), ['manifest.csv']);
  });

  it('merge says what is missing', () => {
    const empty = run('merge', path.join(dir, 'nothing-here'));
    assert.equal(empty.status, 2);
    assert.match(empty.stderr, /does not exist/);
    const ok = run('audit', data, '--no-decode', '--quiet', '--shard', '1/2', '--partial', path.join(dir, 'half'));
    assert.equal(ok.status, 0, ok.stderr);
    const half = run('merge', path.join(dir, 'half'));
    assert.equal(half.status, 2);
    assert.match(half.stderr, /Shard 0\/2 is missing: 1 of 2 partial results found/);
  });
});
