// Finds the image path under the cursor in a line of CSV, TSV, JSON(L), YAML, Python or Markdown.
import { IMAGE_EXTENSIONS, extensionOf } from '../engine/dataset/imageExtensions';

/** Characters that end a path token in any file; in tabular files spaces belong to the field. */
const ALWAYS_DELIMITERS = new Set(['"', "'", '`', ',', '\t', '(', ')', '[', ']', '{', '}', '<', '>', '|', ';', '\r', '\n']);

/** A path token and its columns in the line (end exclusive). */
export interface PathToken {
  text: string;
  start: number;
  end: number;
}

/** The image path around `character` in `line`, or undefined when there is none. `tabular`: spaces are part of a field. */
export function imagePathAt(line: string, character: number, tabular: boolean): PathToken | undefined {
  const isDelimiter = (ch: string): boolean => ALWAYS_DELIMITERS.has(ch) || (!tabular && /\s/.test(ch)) || (!tabular && ch === '=');
  if (character < 0 || character > line.length) return undefined;
  let start = character;
  while (start > 0 && !isDelimiter(line[start - 1])) start--;
  let end = character;
  while (end < line.length && !isDelimiter(line[end])) end++;
  let text = line.slice(start, end);
  // Trim what surrounds paths in prose and YAML ("path: a.png", "- a.png", "see a.png.").
  const leading = /^(?:[-:*]\s*|\s+|file:\/\/)+/.exec(text)?.[0].length ?? 0;
  text = text.slice(leading);
  start += leading;
  const trailing = /[\s.:]+$/.exec(text)?.[0].length ?? 0;
  if (trailing) {
    text = text.slice(0, text.length - trailing);
    end -= trailing;
  }
  if (!text || !IMAGE_EXTENSIONS.has(extensionOf(text))) return undefined;
  if (character < start || character > end) return undefined;
  return { text, start, end };
}

/** The first image path in `line` (the token a manifest row is about), or undefined. */
export function firstImagePath(line: string, tabular: boolean): PathToken | undefined {
  for (let i = 0; i < line.length; i++) {
    if (i > 0 && !ALWAYS_DELIMITERS.has(line[i - 1]) && !(!tabular && /[\s=]/.test(line[i - 1]))) continue;
    const token = imagePathAt(line, i, tabular);
    if (token) return token;
  }
  return undefined;
}
