// Names and values from a restore point reach the terminal with their control characters visible.
import { describe, expect, it } from 'vitest';
import { multiLine, oneLine } from './terminal-text.ts';

describe('text for a terminal', () => {
  it('shows escape sequences, C1 controls, bidi controls and line breaks as visible escapes', () => {
    expect(oneLine('a\x1b[2Jb')).toBe('a\\x1b[2Jb');
    expect(oneLine('\x1b]0;owned\x07')).toBe('\\x1b]0;owned\\x07');
    expect(oneLine('\x9b31m\x9d8;;http://x\x9c')).toBe('\\x9b31m\\x9d8;;http://x\\x9c');
    expect(oneLine('invoice\u202egnp.exe\u2066x\u2069\u200f')).toBe('invoice\\u202egnp.exe\\u2066x\\u2069\\u200f');
    expect(oneLine('one\ntwo\rthree\tfour\u2028five\x00\x7f')).toBe('one\\x0atwo\\x0dthree\\x09four\\u2028five\\x00\\x7f');
  });

  it('leaves every other character as it is', () => {
    const text = 'Zoë, Ølstykke, 東京, مرحبا, emoji 🚢, "quotes" and C:\\Users\\shop';
    expect(oneLine(text)).toBe(text);
    expect(multiLine(text)).toBe(text);
  });

  it('keeps the lines and tabs of text that spans lines, and nothing else', () => {
    expect(multiLine('CREATE TABLE t (\r\n\ta INTEGER, -- \x1b[8mhidden\r\n\tb\x1b]52;c;Zm9v\x07\n)')).toBe('CREATE TABLE t (\n\ta INTEGER, -- \\x1b[8mhidden\n\tb\\x1b]52;c;Zm9v\\x07\n)');
    expect(multiLine('fake\rline')).toBe('fake\\x0dline');
  });
});
