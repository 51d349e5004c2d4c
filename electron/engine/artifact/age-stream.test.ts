// The age payload on Node's native cipher must be exactly the age format: files it writes open
// with `age -d`, files `age` writes open with it, at every size around the 64 KiB chunk boundary;
// and a cut, reordered or altered file is refused.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKeyFile } from './artifact-codec.ts';
import { AgeDamagedError, ageDecryptStream, ageEncryptStream } from './age-stream.ts';
import { tempDir } from '../testing/fixtures.ts';

let t: ReturnType<typeof tempDir>;
let keyFile: string;
let recipient: string;
let identity: string;
beforeAll(() => {
  t = tempDir();
  keyFile = path.join(t.dir, 'key.txt');
  execFileSync('age-keygen', ['-o', keyFile], { stdio: 'ignore' });
  const parsed = parseKeyFile(readFileSync(keyFile, 'utf8'));
  identity = parsed.identities[0]!;
  recipient = /public key: (age1[0-9a-z]+)/.exec(readFileSync(keyFile, 'utf8'))![1]!;
});
afterAll(() => t.cleanup());

async function through(transform: NodeJS.ReadWriteStream, input: Buffer): Promise<Buffer> {
  const out: Buffer[] = [];
  // Feed in uneven pieces, as a file stream would.
  const pieces: Buffer[] = [];
  for (let i = 0; i < input.length; i += 50_000) pieces.push(input.subarray(i, i + 50_000));
  await pipeline(Readable.from(pieces), transform, new Writable({ write: (c: Buffer, _e, done) => (out.push(c), done()) }));
  return Buffer.concat(out);
}

const SIZES = [0, 1, 65_535, 65_536, 65_537, 3 * 65_536, 200_001];

describe('age payload on the native cipher', () => {
  it.each(SIZES)('%i bytes: `age -d` opens what Lifeboat encrypts', async (size) => {
    const plain = randomBytes(size);
    const sealed = await through(ageEncryptStream({ recipients: [recipient] }), plain);
    const file = path.join(t.dir, `ours-${size}.age`);
    writeFileSync(file, sealed);
    expect(execFileSync('age', ['-d', '-i', keyFile, file]).equals(plain)).toBe(true);
  });

  it.each(SIZES)('%i bytes: Lifeboat opens what `age -r` encrypts', async (size) => {
    const plain = randomBytes(size);
    const file = path.join(t.dir, `theirs-${size}.age`);
    execFileSync('age', ['-r', recipient, '-o', file], { input: plain });
    expect((await through(ageDecryptStream({ identities: [identity] }), readFileSync(file))).equals(plain)).toBe(true);
  });

  it('round-trips with a passphrase (scrypt header)', async () => {
    const plain = randomBytes(150_000);
    const sealed = await through(ageEncryptStream({ passphrase: 'a long enough passphrase', scryptWorkFactor: 10 }), plain);
    expect((await through(ageDecryptStream({ passphrases: ['a long enough passphrase'] }), sealed)).equals(plain)).toBe(true);
    await expect(through(ageDecryptStream({ passphrases: ['another one'] }), sealed)).rejects.toThrow();
  });

  it('refuses a file cut at a chunk boundary, reordered chunks, altered bytes, an altered header', async () => {
    const plain = randomBytes(4 * 65_536 + 100);
    const sealed = await through(ageEncryptStream({ recipients: [recipient] }), plain);
    const headerEnd = sealed.indexOf('\n', sealed.indexOf('\n--- ') + 5) + 1 + 16;
    const chunk = 65_536 + 16;
    const open = (bytes: Buffer) => through(ageDecryptStream({ identities: [identity] }), bytes);

    await expect(open(sealed.subarray(0, headerEnd + 2 * chunk))).rejects.toBeInstanceOf(AgeDamagedError);
    const swapped = Buffer.concat([sealed.subarray(0, headerEnd), sealed.subarray(headerEnd + chunk, headerEnd + 2 * chunk), sealed.subarray(headerEnd, headerEnd + chunk), sealed.subarray(headerEnd + 2 * chunk)]);
    await expect(open(swapped)).rejects.toBeInstanceOf(AgeDamagedError);
    const flipped = Buffer.from(sealed);
    flipped[headerEnd + 3 * chunk + 10] = (flipped[headerEnd + 3 * chunk + 10] ?? 0) ^ 1;
    await expect(open(flipped)).rejects.toBeInstanceOf(AgeDamagedError);
    const appended = Buffer.concat([sealed, randomBytes(40)]);
    await expect(open(appended)).rejects.toBeInstanceOf(AgeDamagedError);
    const header = Buffer.from(sealed);
    header[30] = (header[30] ?? 0) ^ 1;
    await expect(open(header)).rejects.toThrow();
    expect((await open(sealed)).equals(plain)).toBe(true);
  });
});
