// Progress follows git's convention: a bar redrawn on a terminal, nothing at all otherwise (a pipe,
// a log file, a cron job's mail, --json), so that a failed command prints its one message.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.ts';

function stream(isTTY: boolean): { out: NodeJS.WriteStream; text: () => string } {
  const out = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
  out.isTTY = isTTY;
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  return { out, text: () => text };
}

describe('createProgress', () => {
  it('draws a bar with the phase and the amount on a terminal, and clears it when done', () => {
    const { out, text } = stream(true);
    const p = createProgress(out, { quiet: false, now: () => 1_000 });
    p.update({ phase: 'copying', done: 512 * 1024, total: 1024 * 1024, unit: 'bytes' });
    p.done();
    const clear = '\r\u001b[K';
    expect(text().startsWith(`${clear}copying [${'#'.repeat(12)}${'-'.repeat(12)}] 50% 524 KB/1.0 MB`)).toBe(true);
    expect(text().endsWith(clear)).toBe(true);
  });

  it('writes nothing without a terminal, or when asked to be quiet', () => {
    for (const [isTTY, quiet] of [[false, false], [true, true]] as const) {
      const { out, text } = stream(isTTY);
      const p = createProgress(out, { quiet });
      for (const phase of ['preparing', 'copying', 'checking', 'hashing'] as const) p.update({ phase, done: 1, total: 2, unit: 'bytes' });
      p.done();
      expect(text()).toBe('');
    }
  });
});
