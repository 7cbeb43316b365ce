import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { scanImage } from '../../src/engine/image/scanImage';
import { findNearDuplicates } from '../../src/engine/checks/nearDuplicateSearch';
import { decodeThumbnail } from '../../src/engine/image/thumbnail';
import { alignedCorrelation, comparableThumbnail } from '../../src/engine/image/signatureSimilarity';
async function walk(d: string): Promise<string[]> { const out: string[] = []; for (const e of await fs.readdir(d, { withFileTypes: true })) { const p = path.join(d, e.name); if (e.isDirectory()) out.push(...await walk(p)); else if (p.endsWith('.png')) out.push(p); } return out.sort(); }
(async () => {
  const set = process.argv[2]; const t = Number(process.argv[3] ?? 0.9);
  const files = await walk(path.join('/tmp/ndb', set));
  const items = [];
  for (const f of files) { const s = await scanImage(f, { maxPixels: 1e8 }); items.push({ thumbnail: s.ok ? decodeThumbnail(s.facts.thumbnail) : undefined, dhash: s.ok ? s.facts.dhash : undefined, sha: s.ok ? s.facts.sha256 : '' }); }
  const r = await findNearDuplicates(items, { threshold: t, dhashRadius: 4 });
  const src = (f: string) => set === 'mnist' ? f : path.basename(f).replace(/~.*$/, '').replace(/\.png$/, '');
  await fs.writeFile(`/tmp/pairs-${set}.json`, JSON.stringify({ files: files.map((f) => path.relative('/tmp/ndb/' + set, f)), sources: files.map(src), pairs: r.pairs.map((p) => { const A = items[p.a].thumbnail!, B = items[p.b].thumbnail!; const bg = { a: comparableThumbnail(A).background, b: comparableThumbnail(B).background }; return [p.a, p.b, p.alignment.correlation, p.alignment.dx, p.alignment.dy, p.alignment.scale, alignedCorrelation(A, B, p.alignment.dx, p.alignment.dy, p.alignment.scale, 1, bg)]; }) }));
  console.log(set, files.length, r.pairs.length, r.stats.pairsVerified);
})();
