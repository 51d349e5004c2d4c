// Text from a database or a destination, made safe for a terminal. A table name, a column name or a
// cell of a restore point is foreign data: printed raw, `ESC [ 2 J` clears the screen, an OSC
// sequence (`ESC ] 0 ; title BEL`) retitles the window or, on some terminals, writes the clipboard
// or a link, a C1 control (U+009B is CSI on its own) does the same in fewer bytes, a bidi override
// (U+202E) makes `gnp.exe` read `exe.png`, and a carriage return or a newline forges a line of
// output. Each of them is printed as a visible escape instead (`\x1b[2J`, `\u202e`); everything
// else, every other language included, is printed as it is. (`--json` needs none of this: JSON
// escapes control characters itself, and its strings stay exact.)

/** C0 controls, DEL, C1 controls, bidi embeddings, overrides, isolates and marks, and the Unicode line and paragraph separators. */
function unsafe(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x061c || code === 0x200e || code === 0x200f || code === 0x2028 || code === 0x2029 || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
}

/** `text` with each character `escape` picks replaced by its visible escape. */
function escapeWhere(text: string, escape: (ch: string, code: number) => boolean): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    out += escape(ch, code) ? visible(code) : ch;
  }
  return out;
}

/** One character as a visible escape: `\x1b` below U+0100, `\u202e` above. */
function visible(code: number): string {
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * A name or a value for one line of a terminal: every control character (newlines and tabs too),
 * bidi control and line separator shown as a visible escape, so it can neither drive the terminal
 * nor forge a line.
 */
export function oneLine(text: string): string {
  return escapeWhere(text, (_, code) => unsafe(code));
}

/**
 * Text that may span lines (a CREATE statement, a whole page of output), for a terminal: newlines
 * (a CRLF counts as one) and tabs kept, every other character `oneLine` escapes shown the same way.
 */
export function multiLine(text: string): string {
  return escapeWhere(text.replace(/\r\n/g, '\n'), (ch, code) => ch !== '\n' && ch !== '\t' && unsafe(code));
}
