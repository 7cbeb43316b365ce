// Hostile and broken manifests: encodings, shapes, huge rows and files, FIFOs, escapes, data-keyed names.
import * as path from 'node:path';
import { audit, bigFile, fifo, imageFolder, manifestDataset, NO_RAW_CONTROL, symlink, validRows, writeText, type HostileCase } from './hostileFixtures';

/** A manifest dataset built from `rows`; the run must end with `exit` and output matching `output`. */
function manifestCase(name: string, rows: string[] | ((valid: string[]) => string[]), output: RegExp | RegExp[], exit: number | number[] = 0, file = 'manifest.csv'): HostileCase {
  return {
    name,
    build: async (dir) => audit(await manifestDataset(path.join(dir, 'ds'), typeof rows === 'function' ? rows(validRows()) : rows, file)),
    expect: { exit, output },
  };
}

const MANY = 200_000;

export const manifestCases: HostileCase[] = [
  manifestCase('valid manifest (control)', (rows) => rows, /0 errors.*\(6 images\)/),
  {
    name: 'UTF-8 BOM and CRLF line ends',
    build: async (dir) => {
      const file = await manifestDataset(path.join(dir, 'ds'), []);
      await writeText(file, `\uFEFF${validRows().join('\r\n')}\r\n`);
      return audit(file);
    },
    expect: { exit: 0, output: /\(6 images\)/ },
  },
  manifestCase('ragged rows', (rows) => [...rows, 'images/cat/0.png,cat,m,extra,fields', 'images/dog/0.png'], /has 5 fields/),
  manifestCase('unclosed quote', (rows) => [...rows.slice(0, 3), 'images/cat/2.png,"cat,m', ...rows.slice(3)], /\d+ errors/),
  manifestCase('binary garbage', ['path,label', '\u0000\u0001\u00ff\u00fe\u0007\u001b\u0000', 'images/cat/0.png,cat'], /\d+ errors/),
  manifestCase('JSONL garbage lines', ['{"path":"images/cat/0.png","label":"cat"}', '{not json', '[1,2,3]', '"a string"', '{"path":"images/dog/0.png","label":"dog"}'], /not valid JSON/, 0, 'manifest.jsonl'),
  manifestCase('JSONL nested 100000 deep', ['{"path":"images/cat/0.png","label":"cat"}', `{"path":${'['.repeat(100000)}${']'.repeat(100000)}}`], /\d+ errors/, 0, 'manifest.jsonl'),
  manifestCase('empty manifest', [], /empty|No dataset/, [0, 2]),
  manifestCase('header only', ['path,label'], /\d+ errors|No dataset/, [0, 2]),
  manifestCase('duplicated header row', (rows) => [rows[0], ...rows.slice(1, 4), rows[0], ...rows.slice(4)], /repeats the header row/),
  manifestCase('semicolon delimiter', (rows) => rows.map((row) => row.replace(/,/g, ';')), /\(6 images\)/),
  manifestCase('tab-separated .tsv', (rows) => rows.map((row) => row.replace(/,/g, '\t')), /\(6 images\)/, 0, 'manifest.tsv'),
  manifestCase('NUL byte inside a path', (rows) => [...rows, 'images/cat/0.png\u0000.png,cat,m'], /\d+ errors/),
  manifestCase('path with ../ outside the dataset', (rows) => [...rows, '../../../../etc/passwd,cat,m'], /FF-D015/),
  manifestCase('absolute path outside the dataset', (rows) => [...rows, '/etc/passwd,cat,m'], /FF-D015/),
  manifestCase('mask with ../ outside the dataset', () => ['path,label,mask', 'images/cat/0.png,cat,../../secret.png', 'images/dog/0.png,dog,images/dog/1.png'], /FF-D015.*secret\.png/),
  manifestCase('mask with an absolute path', () => ['path,label,mask', 'images/cat/0.png,cat,/etc/shadow', 'images/dog/0.png,dog,'], /FF-D015.*\/etc\/shadow/),
  manifestCase('labels and attribute values named like Object members', () => ['path,label,gender', 'images/cat/0.png,__proto__,constructor', 'images/cat/1.png,__proto__,toString', 'images/cat/2.png,constructor,hasOwnProperty', 'images/dog/0.png,constructor,__proto__', 'images/dog/1.png,toString,__proto__', 'images/dog/2.png,hasOwnProperty,valueOf'], /\(6 images\)/),
  manifestCase('label with ESC and a quoted newline', (rows) => [...rows.slice(0, 2), 'images/cat/1.png,"ca\nt\u001b[2J",m'], /\(\d images\)/),
  manifestCase('10000 columns', () => [`path,label,${Array.from({ length: 9998 }, (_, i) => `c${i}`).join(',')}`, `images/cat/0.png,cat,${'x,'.repeat(9997)}x`, `images/dog/0.png,dog,${'y,'.repeat(9997)}y`], /\(2 images\)/),
  manifestCase('the same image on 2000 rows', (rows) => [...rows, ...Array.from({ length: 2000 }, () => 'images/cat/0.png,cat,m')], /\d+ errors/),
  {
    name: `${MANY.toLocaleString('en-US')} rows naming missing files (FF-D013 survives)`,
    build: async (dir) => {
      await imageFolder(path.join(dir, 'ds', 'images'));
      const lines = ['path,label'];
      for (let i = 0; i < MANY; i++) lines.push(`missing/${i}.png,${i % 2 ? 'cat' : 'dog'}`);
      await writeText(path.join(dir, 'ds', 'manifest.csv'), `${lines.join('\n')}\n`);
      return audit(path.join(dir, 'ds', 'manifest.csv'));
    },
    expect: { exit: 0, output: [/FF-D013 manifest\.csv:200001: Line 200001 names 'missing\/199999\.png'/], notOutput: /call stack/ },
  },
  {
    name: `${MANY.toLocaleString('en-US')} rows without labels (FF-D018 survives)`,
    build: async (dir) => {
      await imageFolder(path.join(dir, 'ds', 'images'));
      const lines = ['path,label'];
      for (let i = 0; i < MANY; i++) lines.push(`missing/${i}.png,`);
      await writeText(path.join(dir, 'ds', 'manifest.csv'), `${lines.join('\n')}\n`);
      return audit(path.join(dir, 'ds', 'manifest.csv'));
    },
    expect: { exit: 0, output: [/FF-D018 manifest\.csv:200001:/], notOutput: /call stack/ },
  },
  {
    name: 'CSV whose second line is one 256 MiB field',
    build: async (dir) => {
      await imageFolder(path.join(dir, 'ds', 'images'));
      await bigFile(path.join(dir, 'ds', 'manifest.csv'), 'path,label\nimages/cat/0.png,', 0x61, 256 * 1024 * 1024, '\nimages/dog/0.png,dog\n');
      return audit(path.join(dir, 'ds', 'manifest.csv'));
    },
    expect: { exit: 0, output: /longer than 1 MiB/, maxRssMiB: 600 },
  },
  {
    name: 'JSONL with one 256 MiB line',
    build: async (dir) => {
      await imageFolder(path.join(dir, 'ds', 'images'));
      await bigFile(path.join(dir, 'ds', 'manifest.jsonl'), '{"path":"images/cat/0.png","label":"cat"}\n{"path":"', 0x61, 256 * 1024 * 1024, '"}\n{"path":"images/dog/0.png","label":"dog"}\n');
      return audit(path.join(dir, 'ds', 'manifest.jsonl'));
    },
    expect: { exit: 0, output: [/Line 2 is longer than 1 MiB/, /\(2 images\)/], maxRssMiB: 600 },
  },
  {
    name: 'metadata.csv that is a FIFO',
    build: async (dir) => {
      await imageFolder(path.join(dir, 'ds', 'train'));
      await fifo(path.join(dir, 'ds', 'metadata.csv'));
      return audit(path.join(dir, 'ds'));
    },
    expect: { exit: [0, 2], notOutput: /^\s+at /m },
  },
  {
    name: 'manifest given on the command line that is a FIFO',
    build: async (dir) => {
      await fifo(path.join(dir, 'ds', 'manifest.csv'));
      return audit(path.join(dir, 'ds', 'manifest.csv'));
    },
    expect: { exit: [0, 2], output: /FIFO|No dataset/ },
  },
  {
    name: 'metadata.csv symlinked to a manifest outside the dataset',
    build: async (dir) => {
      await imageFolder(path.join(dir, 'ds', 'images'));
      await writeText(path.join(dir, 'outside', 'metadata.csv'), 'file_name,label\nimages/cat/0.png,secret-label\n');
      await symlink(path.join(dir, 'outside', 'metadata.csv'), path.join(dir, 'ds', 'metadata.csv'));
      return audit(path.join(dir, 'ds'));
    },
    expect: { exit: [0, 2], output: /FF-D015 metadata\.csv/, notOutput: /secret-label/ },
  },
  {
    name: 'manifest symlinked to /dev/zero',
    build: async (dir) => {
      await imageFolder(path.join(dir, 'ds', 'images'));
      await symlink('/dev/zero', path.join(dir, 'ds', 'metadata.csv'));
      return audit(path.join(dir, 'ds'));
    },
    expect: { exit: [0, 2], notOutput: /^\s+at /m, maxRssMiB: 400 },
  },
  {
    name: 'manifest with file names holding ::error and ESC',
    build: async (dir) => audit(await manifestDataset(path.join(dir, 'ds'), ['path,label', '"x\n::error title=Forged::pwned",cat', '"\u001b]0;title\u0007y.png",dog'])),
    expect: { exit: 0, notOutput: NO_RAW_CONTROL },
  },
];
