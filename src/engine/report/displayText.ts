// The one escaping function for text shown to people (terminal, CI logs, Markdown, SARIF, the editor's messages):
// names come from data, and a file name must not be able to start a line, drive a terminal or reorder what is read.

// C0 controls and DEL, C1 controls, bidirectional embeddings/overrides/isolates and marks, line/paragraph separators,
// zero-width no-break space (BOM).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

const SHORT: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\x1b' };

/**
 * Makes control and bidi characters visible: newline → \n, ESC → \x1b, other C0/C1 → \xHH, U+202E → \u202e.
 * The result holds no line break and no escape sequence, so it cannot forge a log line (such as a GitHub Actions
 * `::error` workflow command) or restyle a terminal.
 */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (char) => {
    const short = SHORT[char];
    if (short) return short;
    const code = char.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** escapeControl for text that may hold real line breaks (such as stack traces): each line is escaped on its own. */
export function escapeControlLines(text: string): string {
  return text.split('\n').map(escapeControl).join('\n');
}

// JSON.stringify escapes C0 controls but writes DEL, C1 and bidi characters as they are.
const JSON_INVISIBLE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON text with DEL, C1, bidi and line-separator characters written as \uXXXX escapes: the same JSON value, but a
 * viewer of the file (a terminal, a code-scanning page) sees no raw control or reordering character.
 */
export function escapeJsonInvisibles(json: string): string {
  return json.replace(JSON_INVISIBLE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
