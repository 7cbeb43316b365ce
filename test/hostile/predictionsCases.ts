// Hostile and broken predictions files (--predictions): encodings, huge lines, bad numbers, quotes, FIFOs, escapes.
// The dataset is always the valid 6-image manifest; the run must end with a clear message, never a crash or a hang.
import * as path from 'node:path';
import { audit, bigFile, fifo, manifestDataset, NO_RAW_CONTROL, validRows, writeText, type HostileCase } from './hostileFixtures';

const IMAGES = ['cat/0', 'cat/1', 'cat/2', 'dog/0', 'dog/1', 'dog/2'].map((name) => `images/${name}.png`);

/** A case whose predictions file holds `text` (built from the valid rows when a function). */
function predictionsCase(name: string, text: string | Buffer | ((valid: string[]) => string), output: RegExp | RegExp[], exit: number | number[] = 0, file = 'preds.csv'): HostileCase {
  return {
    name: `predictions: ${name}`,
    build: async (dir) => {
      const manifest = await manifestDataset(path.join(dir, 'ds'), validRows());
      const predictions = path.join(dir, file);
      await writeText(predictions, typeof text === 'function' ? text(validPredictions()) : text);
      return audit(manifest, '--predictions', predictions);
    },
    expect: { exit, output, notOutput: NO_RAW_CONTROL },
  };
}

/** A valid probability CSV over the 6 images (the header first): right on cat/1, cat/2 and dog/0 only, accuracy 3/6. */
function validPredictions(): string[] {
  return ['path,cat,dog', ...IMAGES.map((image, i) => `${image},${i % 3 === 0 ? '0.3,0.7' : '0.8,0.2'}`)];
}

export const predictionsCases: HostileCase[] = [
  predictionsCase('valid probabilities (control)', (rows) => rows.join('\n'), /model\s+preds\.csv on ds: 6 images, accuracy 50\.0%/),
  predictionsCase('UTF-8 BOM and CRLF line ends', (rows) => `\uFEFF${rows.join('\r\n')}\r\n`, /6 images, accuracy 50\.0%/),
  predictionsCase('quoted paths and values with embedded commas and quotes', (rows) => [rows[0], ...rows.slice(1).map((row) => row.replace(/^([^,]+),([^,]+),/, '"$1","$2",')), '"images/cat/0.png, copy",0.5,0.5', '"say ""hi"".png",0.5,0.5'].join('\n'), /FF-M050.*2 of 8 rows name no image/),
  predictionsCase('a 2 MiB line', (rows) => [...rows, `images/cat/0.png,${'9'.repeat(2 * 1024 * 1024)},0`].join('\n'), /longer than 1 MiB|cannot be parsed/),
  predictionsCase('bad numbers: text, hex, empty, NaN, Infinity, negative', (rows) => [rows[0], rows[1], 'images/cat/1.png,abc,1', 'images/cat/2.png,0x1,0', 'images/dog/0.png,,1', 'images/dog/1.png,NaN,1', 'images/dog/2.png,Infinity,0', 'images/cat/0.png,-1,2'].join('\n'), [/FF-M053.*6 rows are skipped/, /FF-M051.*5 of 6 images have no row/]),
  predictionsCase('probabilities that do not sum to 1 (percentages)', (rows) => [rows[0], ...rows.slice(1).map((row) => row.replace(/0\.(\d)/g, '$10'))].join('\n'), /FF-M052.*in 6 of 6 rows the probabilities do not sum to 1.*divided by its sum/),
  predictionsCase('binary garbage', Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x07, 0x1b, 0x00, 0x0a, 0x1b, 0x5b, 0x32, 0x4a]), /cannot be audited/),
  predictionsCase('empty file', '', /cannot be audited/),
  predictionsCase('header only', 'path,cat,dog\n', /cannot be audited.*no usable row/),
  predictionsCase('no row names an image of the dataset', 'path,cat,dog\n/etc/passwd,1,0\n../../x.png,0,1\n', /cannot be audited.*no row of 'preds\.csv' names an image/),
  predictionsCase('path with ESC sequences and a right-to-left override', (rows) => [...rows, '\u001b[2J\u202eevil.png,0.5,0.5'].join('\n'), /FF-M050/),
  predictionsCase('10000 class columns', () => [`path,${Array.from({ length: 10000 }, (_, i) => `prob_c${i}`).join(',')}`, `images/cat/0.png,${'0.0001,'.repeat(9999)}0.0001`].join('\n'), /cannot be audited|labels of/),
  predictionsCase('JSONL garbage lines and nesting 100000 deep', () => ['{"path":"images/cat/0.png","probs":{"cat":0.9,"dog":0.1}}', '{not json', `{"path":${'['.repeat(100000)}${']'.repeat(100000)}}`, '[1,2]', '{"path":"images/dog/0.png","probs":{"cat":0.1,"dog":0.9}}'].join('\n'), /2 images, accuracy 100\.0%/, 0, 'preds.jsonl'),
  predictionsCase('predicted labels only, one unknown to the dataset', () => ['file_name,predicted', ...IMAGES.map((image, i) => `${image},${i === 5 ? 'ferret' : 'cat'}`)].join('\n'), /6 images, accuracy 50\.0%/),
  {
    name: 'predictions: a FIFO as the predictions file',
    build: async (dir) => {
      const manifest = await manifestDataset(path.join(dir, 'ds'), validRows());
      await fifo(path.join(dir, 'preds.csv'));
      return audit(manifest, '--predictions', path.join(dir, 'preds.csv'));
    },
    expect: { exit: [0, 2], output: /FIFO|not a regular file/ },
  },
  {
    name: 'predictions: a 300 MB file of one repeated valid row',
    build: async (dir) => {
      const manifest = await manifestDataset(path.join(dir, 'ds'), validRows());
      const file = path.join(dir, 'preds.csv');
      await bigFile(file, 'path,cat,dog\nimages/cat/0.png,0.9,0.1\n', 0x0a, 300 * 1024 * 1024, 'images/dog/0.png,0.1,0.9\n');
      return audit(manifest, '--predictions', file);
    },
    expect: { exit: 0, output: /2 images, accuracy 100\.0%/ },
  },
];
