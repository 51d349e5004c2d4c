// The multi-core compressor writes a standard .zst: the zstd tool and Node's decompressor give
// back exactly the input, in order, whatever the block boundaries; an empty input is a valid frame.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { zstdDecompressSync } from 'node:zlib';
import { parallelZstdCompress } from './parallel-zstd.ts';
import { tempDir } from './testing/fixtures.ts';

let t: ReturnType<typeof tempDir>;
beforeEach(() => (t = tempDir()));
afterEach(() => t.cleanup());

/** Compresses `input` fed in `chunk`-byte pieces. */
async function compress(input: Buffer, chunk: number, opts: Parameters<typeof parallelZstdCompress>[1]): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < input.length; i += chunk) pieces.push(input.subarray(i, i + chunk));
  return buffer(Readable.from(pieces).pipe(parallelZstdCompress(3, opts)));
}

it('round-trips through the zstd tool at and around block boundaries, with frames finishing out of order', async () => {
  const block = 64 * 1024;
  // Alternating compressible and random blocks make the frames take different times.
  const parts: Buffer[] = [];
  for (let i = 0; i < 12; i++) parts.push(i % 2 ? randomBytes(block) : Buffer.from('order 42 shop '.repeat(block / 14 + 1)).subarray(0, block));
  const data = Buffer.concat(parts);
  for (const size of [1, block - 1, block, block + 1, 5 * block + 17, data.length]) {
    const input = data.subarray(0, size);
    const out = await compress(input, 10_000, { blockBytes: block, concurrency: 3 });
    const file = path.join(t.dir, `x-${size}.zst`);
    writeFileSync(file, out);
    expect(execFileSync('zstd', ['-d', '-q', '-c', file]).equals(input), `size ${size}`).toBe(true);
    expect(zstdDecompressSync(out).equals(input)).toBe(true);
  }
});

it('writes a valid (empty) frame for an empty input', async () => {
  const out = await compress(Buffer.alloc(0), 1, {});
  const file = path.join(t.dir, 'empty.zst');
  writeFileSync(file, out);
  expect(out.length).toBeGreaterThan(0);
  expect(execFileSync('zstd', ['-d', '-q', '-c', file]).length).toBe(0);
  expect(readFileSync(file).length).toBe(out.length);
});
