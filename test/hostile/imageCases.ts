// Hostile and broken images, and hostile file and folder names, in an ImageFolder dataset.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { audit, fifo, imageFolder, jpeg, NO_RAW_CONTROL, png, pngHeader, symlink, writeText, type HostileCase } from './hostileFixtures';

/** A dataset with one extra file written by `add`; the audit must finish and name the file. */
function oneBadImage(name: string, relPath: string, add: (file: string, dir: string) => Promise<void>, output: RegExp, exit: number | number[] = 0): HostileCase {
  return {
    name,
    build: async (dir) => {
      const root = await imageFolder(path.join(dir, 'ds'));
      await add(path.join(root, relPath), dir);
      return audit(root);
    },
    expect: { exit, output },
  };
}

export const imageCases: HostileCase[] = [
  oneBadImage('truncated JPEG', 'cat/cut.jpg', async (file) => {
    const bytes = await jpeg(file);
    await fs.writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
  }, /cut\.jpg.*truncated/i),
  oneBadImage('empty file', 'cat/empty.png', (file) => writeText(file, ''), /empty\.png/),
  oneBadImage('text named .jpg', 'cat/notes.jpg', (file) => writeText(file, 'this is not an image\n'), /notes\.jpg/),
  oneBadImage('random bytes named .png', 'cat/noise.png', (file) => writeText(file, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251))), /noise\.png/),
  oneBadImage('mislabelled format (PNG bytes named .jpg)', 'cat/really-png.jpg', async (file, dir) => {
    await png(path.join(dir, 'tmp.png'), 77);
    await fs.copyFile(path.join(dir, 'tmp.png'), file);
  }, /\d+ errors/),
  oneBadImage('16-bit PNG', 'cat/deep.png', async (file) => {
    await sharp({ create: { width: 16, height: 16, channels: 3, background: '#336699' } }).toColourspace('rgb16').png().toFile(file);
  }, /\d+ errors/),
  oneBadImage('CMYK JPEG', 'cat/cmyk.jpg', async (file) => {
    await sharp({ create: { width: 16, height: 16, channels: 3, background: '#884422' } }).toColourspace('cmyk').jpeg().toFile(file);
  }, /\d+ errors/),
  oneBadImage('GIF', 'cat/anim.gif', async (file) => {
    await sharp({ create: { width: 16, height: 16, channels: 3, background: '#118822' } }).gif().toFile(file);
  }, /\d+ errors/),
  oneBadImage('TIFF', 'cat/page.tiff', async (file) => {
    await sharp({ create: { width: 16, height: 16, channels: 3, background: '#aa8822' } }).tiff().toFile(file);
  }, /\d+ errors/),
  oneBadImage('SVG with an external entity, named .png', 'cat/xxe.png', (file) => writeText(file, '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&x;</text></svg>'), /xxe\.png/),
  oneBadImage('AVIF-named garbage', 'cat/odd.avif', (file) => writeText(file, Buffer.from('\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf')), /odd\.avif/),
  oneBadImage('JPEG with a bogus EXIF segment', 'cat/exif.jpg', async (file) => {
    const bytes = await jpeg(file, 3);
    const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, 0x00, 0x20]), Buffer.from('Exif\0\0MM\0\x2a\xff\xff\xff\xff', 'latin1'), Buffer.alloc(16, 0xee)]);
    await fs.writeFile(file, Buffer.concat([bytes.subarray(0, 2), app1, bytes.subarray(2)]));
  }, /\d+ errors/),
  oneBadImage('decompression-bomb header (100000 × 100000 PNG)', 'cat/bomb.png', (file) => writeText(file, pngHeader(100000, 100000)), /bomb\.png/),
  oneBadImage('one-pixel-high 60000-wide PNG', 'cat/wide.png', async (file) => {
    await sharp({ create: { width: 60000, height: 1, channels: 3, background: '#000000' } }).png().toFile(file);
  }, /\d+ errors/),
  oneBadImage('FIFO named like an image', 'cat/a.jpg', (file) => fifo(file), /a\.jpg.*FIFO/),
  oneBadImage('folder named like an image', 'cat/folder.jpg', async (file) => {
    await png(path.join(file, 'inner.png'));
  }, /\d+ errors/),
  oneBadImage('symlink loop', 'cat/loop', (file) => symlink('.', file), /loop/),
  oneBadImage('two symlinks pointing at each other', 'cat/ping.png', async (file) => {
    await symlink('pong.png', file);
    await symlink('ping.png', path.join(path.dirname(file), 'pong.png'));
  }, /ping\.png|\d+ errors/),
  oneBadImage('dangling symlink', 'cat/gone.png', (file) => symlink('nowhere.png', file), /\d+ errors/),
  oneBadImage('symlinked image outside the dataset', 'cat/outside.png', async (file, dir) => {
    await png(path.join(dir, 'elsewhere.png'));
    await symlink(path.join(dir, 'elsewhere.png'), file);
  }, /outside\.png/),
  oneBadImage('symlink to /etc/passwd named .png', 'cat/passwd.png', (file) => symlink('/etc/passwd', file), /passwd\.png/),
  oneBadImage('symlinked folder outside the dataset', 'cat/more', async (file, dir) => {
    await png(path.join(dir, 'other', 'x.png'));
    await symlink(path.join(dir, 'other'), file);
  }, /more.*outside/),
  oneBadImage('name of 250 characters', `cat/${'n'.repeat(246)}.png`, (file) => png(file, 33), /\d+ errors/),
  oneBadImage('folders 60 levels deep', `cat/${Array.from({ length: 60 }, () => 'd').join('/')}/deep.png`, (file) => png(file, 44), /\d+ errors/),
  {
    name: 'name that is not valid UTF-8',
    build: async (dir) => {
      const root = await imageFolder(path.join(dir, 'ds'));
      await fs.writeFile(Buffer.concat([Buffer.from(path.join(root, 'cat') + '/bad-'), Buffer.from([0xff, 0xfe]), Buffer.from('.png')]), await fs.readFile(path.join(root, 'cat/0.png')));
      return audit(root);
    },
    expect: { exit: 0, output: /UTF-8/ },
  },
  ...['newline + ::error workflow command', 'ESC sequences', 'right-to-left override', 'C1 control (CSI)'].map((name, i): HostileCase => ({
    name: `file name with ${name}`,
    build: async (dir) => {
      const root = await imageFolder(path.join(dir, 'ds'));
      const hostile = ['x\n::error title=Forged::pwned\n.png', 'x\u001b]0;owned\u0007\u001b[2J\u001b[41m.png', 'gnp.\u202eevil.png', 'x\u009b31m.png'][i];
      await writeText(path.join(root, 'cat', hostile), '');
      return audit(root, '--out', path.join(dir, 'reports'));
    },
    expect: { exit: 0, output: /\\(n|x1b|u202e|x9b)/, notOutput: NO_RAW_CONTROL, reports: ['reports/fairframe-report.md', 'reports/fairframe-report.sarif'] },
  })),
  {
    name: 'label folder with ESC sequences',
    build: async (dir) => {
      const root = path.join(dir, 'ds');
      await png(path.join(root, 'cat/0.png'), 10);
      await png(path.join(root, '\u001b[31mred\u001b[0m/0.png'), 90);
      return audit(root, '--out', path.join(dir, 'reports'), '--format', 'md,sarif');
    },
    expect: { exit: 0, output: /\\x1b\[31mred/, notOutput: NO_RAW_CONTROL, reports: ['reports/fairframe-report.md', 'reports/fairframe-report.sarif'] },
  },
  {
    name: 'labels named __proto__, constructor, toString, hasOwnProperty',
    build: async (dir) => {
      const root = path.join(dir, 'ds');
      let shade = 0;
      for (const label of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) for (let i = 0; i < 3; i++) await png(path.join(root, label, `${i}.png`), (shade += 19));
      await png(path.join(root, 'constructor', '9.png'), 250);
      return audit(root, '--format', 'md');
    },
    // 13 images: constructor 4 (30.8%), each other 3 (23.1%).
    expect: { exit: 0, output: [/\| constructor \| 4 \| 30\.8% \|/, /\| \\_\\_proto\\_\\_ \| 3 \| 23\.1% \|/, /\| toString \| 3 \| 23\.1% \|/], notOutput: /native code|NaN/ },
  },
];
