// Promise 8 for compressed and encrypted artifacts: the real `zstd` and `age` tools open what
// Lifeboat writes (and Lifeboat opens what they write); wrong keys, tampering and truncation are
// clear errors that leave the live database untouched.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Manifest } from '../../../shared/model.ts';
import { decodeArtifact, encodeArtifact, parseKeyFile } from './artifact-codec.ts';
import { manifestForExport } from '../vault/manifest.ts';
import { bankState, makeBankDb, readMarker, runCli, setMarker, setSetting, sha256, keepWholeFiles } from '../testing/fixtures.ts';
import { useTestFolder } from '../testing/test-folder.ts';

const PASSPHRASE = 'correct horse battery staple';
const tmp = useTestFolder();
// Whole-file restore points are what is tested here (the page store has tests of its own).
beforeEach(() => keepWholeFiles(tmp.home));
beforeEach(async () => {
  makeBankDb(tmp.db, { mode: 'wal', blobRows: 400, blobBytes: 2000 });
  // A fast scrypt for tests; the default (18) is age's own and takes about a second.
  await setSetting(tmp.home, 'scryptWorkFactor', 10);
});

async function backup(...args: string[]): Promise<Manifest> {
  const r = await runCli(['--json', 'backup', tmp.db, ...args], { home: tmp.home, env: { LIFEBOAT_PASSPHRASE: PASSPHRASE } });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Manifest;
}

const artifactOf = (m: Manifest) => path.join(tmp.home, 'vault', m.artifact.path);

function newKey(name: string): { file: string; recipient: string } {
  const file = path.join(tmp.dir, name);
  execFileSync('age-keygen', ['-o', file], { stdio: 'ignore' });
  return { file, recipient: parseKeyFile(readFileSync(file, 'utf8')).recipients[0] ?? /public key: (age1\w+)/.exec(readFileSync(file, 'utf8'))![1]! };
}

/** `age -d` with a passphrase reads it from a terminal; `script` gives it one. */
function ageDecryptWithPassphrase(input: string, output: string, passphrase: string): void {
  execFileSync('script', ['-q', '-c', `age -d -o '${output}' '${input}'`, '/dev/null'], { input: `${passphrase}\n`, stdio: ['pipe', 'ignore', 'ignore'] });
}

describe('artifacts the standard tools open', () => {
  it('--compress: a .zst frame that `zstd -d` turns back into the exact database', async () => {
    const m = await backup('--compress', '9');
    expect(m.artifact).toMatchObject({ format: 'sqlite+zstd', compression: { algorithm: 'zstd', level: 9 } });
    expect(m.artifact.path).toMatch(/\.sqlite\.zst$/);
    expect(m.artifact.bytes).toBeLessThan(m.database.bytes);
    expect(m.artifact.compression!.ratio).toBeCloseTo(m.database.bytes / m.artifact.bytes, 2);
    expect(sha256(artifactOf(m))).toBe(m.artifact.sha256);
    const out = path.join(tmp.dir, 'out.db');
    execFileSync('zstd', ['-q', '-d', artifactOf(m), '-o', out]);
    expect(sha256(out)).toBe(m.database.sha256);
    expect(execFileSync('sqlite3', [out, 'PRAGMA integrity_check'], { encoding: 'utf8' }).trim()).toBe('ok');
  });

  it('a large database is a run of independent frames, written in order: `zstd -d` and Lifeboat give back every byte', async () => {
    // 9.5 MiB of pages, some compressible and some not: ten frames compressed two at a time, each
    // finishing at its own speed, must still come out in their input order.
    const plain = path.join(tmp.dir, 'big.bin');
    const pages = Array.from({ length: 2432 }, (_, i) => (i % 3 === 0 ? randomBytes(4096) : Buffer.alloc(4096, `page ${i} `)));
    writeFileSync(plain, Buffer.concat(pages));
    const encoded = path.join(tmp.dir, 'big.bin.zst');
    const r = await encodeArtifact(plain, encoded, { compressLevel: 3 });
    expect(r.plain.sha256).toBe(sha256(plain));
    expect(r.stored.sha256).toBe(sha256(encoded));
    expect(Number(/# Zstandard Frames: (\d+)/.exec(execFileSync('zstd', ['-lv', encoded], { encoding: 'utf8' }))?.[1])).toBe(10);
    const byTool = path.join(tmp.dir, 'by-zstd.bin');
    execFileSync('zstd', ['-q', '-d', encoded, '-o', byTool]);
    expect(sha256(byTool)).toBe(r.plain.sha256);
    const byLifeboat = path.join(tmp.dir, 'by-lifeboat.bin');
    expect((await decodeArtifact(encoded, 'sqlite+zstd', byLifeboat)).plain.sha256).toBe(r.plain.sha256);
  });

  it('cancelled half-way, compression stops, leaves no file and no frame failing later with nobody to hear it', async () => {
    const plain = path.join(tmp.dir, 'big.bin');
    writeFileSync(plain, randomBytes(24 << 20));
    const encoded = path.join(tmp.dir, 'big.bin.zst');
    const stop = new AbortController();
    const encoding = encodeArtifact(plain, encoded, { compressLevel: 3, signal: stop.signal, onBytes: (bytes) => bytes >= 4 << 20 && stop.abort() });
    await expect(encoding).rejects.toMatchObject({ name: 'AbortError' });
    // Frames that were under way end with their closed compressors: Vitest fails the run on an unhandled rejection.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(existsSync(encoded)).toBe(false);
  });

  it('--encrypt: an age file that `age -d` opens with the passphrase', async () => {
    const m = await backup('--encrypt');
    expect(m.artifact).toMatchObject({ format: 'sqlite+age', encryption: { kind: 'passphrase' } });
    expect(readFileSync(artifactOf(m)).subarray(0, 21).toString()).toBe('age-encryption.org/v1');
    const out = path.join(tmp.dir, 'out.db');
    ageDecryptWithPassphrase(artifactOf(m), out, PASSPHRASE);
    expect(sha256(out)).toBe(m.database.sha256);
    expect(bankState(out)).toEqual({ total: 10_000, accounts: 100, check: 'ok' });
  });

  it('--compress --recipient: `age -d -i key | zstd -d` gives the database back', async () => {
    const key = newKey('key.txt');
    const m = await backup('--compress', '--recipient', key.recipient);
    expect(m.artifact).toMatchObject({ format: 'sqlite+zstd+age', encryption: { kind: 'recipients', recipients: [key.recipient] } });
    const out = path.join(tmp.dir, 'out.db');
    execFileSync('sh', ['-c', `age -d -i '${key.file}' '${artifactOf(m)}' | zstd -q -d -o '${out}'`]);
    expect(sha256(out)).toBe(m.database.sha256);
  });

  it('and the other way round: Lifeboat decodes files made by zstd and age', async () => {
    const key = newKey('key.txt');
    const made = path.join(tmp.dir, 'made.sqlite.zst.age');
    execFileSync('sh', ['-c', `zstd -q -c '${tmp.db}' | age -r ${key.recipient} -o '${made}'`]);
    const out = path.join(tmp.dir, 'decoded.db');
    const r = await decodeArtifact(made, 'sqlite+zstd+age', out, { keys: { identities: parseKeyFile(readFileSync(key.file, 'utf8')).identities } });
    expect(r.plain.sha256).toBe(sha256(tmp.db));
    expect(r.stored.sha256).toBe(sha256(made));
  });

  it('keeps the source path out of what leaves the machine for an encrypted restore point', async () => {
    const m = await backup('--encrypt');
    expect(m.source.path).toBe(tmp.db);
    expect(manifestForExport(m).source).toEqual({ id: 'store', name: 'store.db', path: 'store.db' });
    const plain = await backup('--no-encrypt');
    expect(manifestForExport(plain).source.path).toBe(tmp.db);
  });
});

describe('restoring and verifying encrypted restore points', () => {
  it('restores in place with the passphrase, taking a safety copy first', async () => {
    setMarker(tmp.db, 'monday');
    const m = await backup('--compress', '--encrypt');
    setMarker(tmp.db, 'tuesday');
    const r = await runCli(['--json', '--yes', 'restore', m.id], { home: tmp.home, env: { LIFEBOAT_PASSPHRASE: PASSPHRASE } });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { safetyCopy: Manifest }).safetyCopy.trigger).toBe('safety');
    expect(readMarker(tmp.db)).toBe('monday');
  });

  it('a wrong passphrase, a missing key, a tampered or truncated artifact: clear error, database untouched', async () => {
    setMarker(tmp.db, 'monday');
    const m = await backup('--encrypt');
    setMarker(tmp.db, 'tuesday');
    const before = sha256(tmp.db);
    const attempt = async (env: Record<string, string | undefined>, pattern: RegExp) => {
      const r = await runCli(['--yes', 'restore', m.id], { home: tmp.home, env });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.trim().split('\n').at(-1)).toMatch(pattern);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(sha256(tmp.db)).toBe(before);
      expect(readdirSync(tmp.dir).filter((f) => f.includes('lifeboat-restore'))).toEqual([]);
    };
    await attempt({ LIFEBOAT_PASSPHRASE: 'not the passphrase' }, /passphrase or key does not open this restore point/);
    await attempt({ LIFEBOAT_PASSPHRASE: undefined }, /encrypted and no passphrase or key was given/);

    const file = artifactOf(m);
    const original = readFileSync(file);
    const tampered = Buffer.from(original);
    tampered[Math.floor(tampered.length / 2)] = (tampered[Math.floor(tampered.length / 2)] ?? 0) ^ 0x01;
    writeFileSync(file, tampered);
    await attempt({ LIFEBOAT_PASSPHRASE: PASSPHRASE }, /truncated or damaged|does not match its checksum/);
    writeFileSync(file, original.subarray(0, original.length - 1000));
    await attempt({ LIFEBOAT_PASSPHRASE: PASSPHRASE }, /truncated or damaged|does not match its checksum/);
    writeFileSync(file, original);
    expect((await runCli(['--yes', 'restore', m.id], { home: tmp.home, env: { LIFEBOAT_PASSPHRASE: PASSPHRASE } })).code).toBe(0);
    expect(readMarker(tmp.db)).toBe('monday');
  });

  it('verify checks both checksums with the key, and the stored bytes without it', async () => {
    const key = newKey('key.txt');
    const m = await backup('--compress', '--recipient', key.recipient);
    const withKey = await runCli(['--json', 'verify', m.id, '--identity', key.file], { home: tmp.home });
    expect(withKey.code, withKey.stderr).toBe(0);
    expect((JSON.parse(withKey.stdout) as { results: { integrity: string }[] }).results[0]!.integrity).toBe('ok');
    const withoutKey = await runCli(['--json', 'verify', m.id], { home: tmp.home });
    expect(withoutKey.code).toBe(0);
    expect((JSON.parse(withoutKey.stdout) as { results: { integrity: string; message: string }[] }).results[0]).toMatchObject({ integrity: 'skipped' });
    // A key that does not open it: said plainly for that restore point (its stored bytes still checked).
    const other = newKey('other.txt');
    const wrong = await runCli(['verify', m.id, '--identity', other.file], { home: tmp.home });
    expect(wrong.code, wrong.stderr).toBe(0);
    expect(wrong.stdout).toMatch(new RegExp(`^not checked \\(no key\\)  ${m.id}  store  the stored bytes match; give the age key it was encrypted to`, 'm'));
  });

  it('verify with some of the keys checks each restore point with what opens it and says plainly which were not checked', async () => {
    const key = newKey('key.txt');
    const plain = await backup();
    const withPassphrase = await backup('--encrypt');
    const withKey = await backup('--compress', '--recipient', key.recipient);
    const human = await runCli(['verify', '--identity', key.file], { home: tmp.home });
    expect(human.code, human.stderr).toBe(0);
    const line = (id: string) => human.stdout.split('\n').find((l) => l.includes(id)) ?? '';
    expect(line(plain.id)).toMatch(/^ok\b/);
    expect(line(withKey.id)).toMatch(/^ok\b/);
    expect(line(withPassphrase.id)).toMatch(/^not checked \(no key\)/);
    expect(line(withPassphrase.id)).toMatch(/stored bytes match/);
    expect(human.stdout).toMatch(/3 restore points: 2 ok, 0 failed, 1 not checked \(no key\)/);
    const json = JSON.parse((await runCli(['--json', 'verify', '--identity', key.file], { home: tmp.home })).stdout) as { results: { id: string; status: string; integrity: string }[] };
    expect(Object.fromEntries(json.results.map((r) => [r.id, r.status]))).toEqual({ [plain.id]: 'ok', [withKey.id]: 'ok', [withPassphrase.id]: 'unchecked' });
    // A damaged artifact is still caught without its key: the stored bytes are checked.
    const file = artifactOf(withPassphrase);
    const bytes = readFileSync(file);
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] ?? 0) ^ 0xff;
    writeFileSync(file, bytes);
    const damaged = await runCli(['verify', '--identity', key.file], { home: tmp.home });
    expect(damaged.code).toBe(1);
    expect(damaged.stdout.split('\n').find((l) => l.includes(withPassphrase.id))).toMatch(/^FAILED/);
  });

  it('a key file whose identity is damaged is refused with a clear message by every command that takes --identity, and never echoed', async () => {
    const key = newKey('key.txt');
    const m = await backup('--compress', '--recipient', key.recipient);
    const text = readFileSync(key.file, 'utf8');
    const identity = /AGE-SECRET-KEY-1[0-9A-Z]+/.exec(text)![0];
    const mixed = path.join(tmp.dir, 'mixed.key');
    writeFileSync(mixed, text.replace(identity, identity.slice(0, 20) + identity.slice(20).toLowerCase()));
    const changed = path.join(tmp.dir, 'changed.key');
    writeFileSync(changed, text.replace(identity, identity.slice(0, -1) + (identity.endsWith('Q') ? 'P' : 'Q')));
    const before = sha256(tmp.db);
    const commands = [['verify', m.id], ['--yes', 'restore', m.id], ['show', m.id], ['diff', m.id], ['--yes', 'recover', m.id, '--table', 'accounts']];
    for (const [file, why] of [[mixed, /mixes upper- and lower-case letters/], [changed, /checksum does not match/]] as const) {
      for (const args of commands) {
        const r = await runCli([...args, '--identity', file], { home: tmp.home });
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toMatch(new RegExp(`^lifeboat: The key file ${file} holds a line that looks like an age secret key \\(AGE-SECRET-KEY-1…, line 3\\) but is not one: `));
        expect(r.stderr).toMatch(why);
        expect(r.stderr).toMatch(/Give the key file age-keygen wrote, unchanged/);
        expect(r.stderr).not.toMatch(/unexpected error/);
        expect(r.stderr.toUpperCase()).not.toContain(identity.slice(16, 40));
      }
    }
    expect(sha256(tmp.db)).toBe(before);
    // The engine refuses such a key too (the app passes keys without a file).
    await expect(decodeArtifact(artifactOf(m), m.artifact.format, path.join(tmp.dir, 'out.db'), { keys: { identities: [identity.slice(0, 20) + identity.slice(20).toLowerCase()] } })).rejects.toMatchObject({ code: 'usage', message: expect.stringMatching(/^An age key given is not a valid age secret key: it mixes upper- and lower-case letters/) });
  });

  it('a changed passphrase applies to new restore points; old ones keep the key id they were made with', async () => {
    const first = path.join(tmp.dir, 'first.txt');
    const second = path.join(tmp.dir, 'second.txt');
    writeFileSync(first, 'first passphrase words\n');
    writeFileSync(second, 'second passphrase words\n');
    expect((await runCli(['passphrase', 'set', '--passphrase-file', first], { home: tmp.home })).code).toBe(0);
    expect(statSync(path.join(tmp.home, 'secrets.json')).mode & 0o777).toBe(0o600);
    expect((await runCli(['sources', 'add', tmp.db], { home: tmp.home })).code).toBe(0);
    expect((await runCli(['sources', 'set', 'store', '--encrypt-passphrase', '--compress'], { home: tmp.home })).code).toBe(0);
    setMarker(tmp.db, 'old key');
    const old = JSON.parse((await runCli(['--json', 'backup', 'store'], { home: tmp.home })).stdout) as Manifest; // no flags: the source's settings
    expect((await runCli(['passphrase', 'set', '--passphrase-file', second], { home: tmp.home })).code).toBe(0);
    setMarker(tmp.db, 'new key');
    const fresh = JSON.parse((await runCli(['--json', 'backup', 'store'], { home: tmp.home })).stdout) as Manifest;
    expect(old.artifact.format).toBe('sqlite+zstd+age');
    expect(old.artifact.encryption).toMatchObject({ kind: 'passphrase' });
    const oldId = (old.artifact.encryption as { keyId?: string }).keyId;
    const newId = (fresh.artifact.encryption as { keyId?: string }).keyId;
    expect(oldId).toBeTruthy();
    expect(newId).toBeTruthy();
    expect(newId).not.toBe(oldId);
    expect(readFileSync(path.join(tmp.home, 'settings.json'), 'utf8')).not.toMatch(/passphrase words/);
    // The remembered (new) passphrase opens the new one; the old one needs its own passphrase.
    expect((await runCli(['--yes', 'restore', fresh.id, '--to', path.join(tmp.dir, 'a.db')], { home: tmp.home })).code).toBe(0);
    const denied = await runCli(['--yes', 'restore', old.id, '--to', path.join(tmp.dir, 'b.db')], { home: tmp.home });
    expect(denied.code).toBe(1);
    expect(existsSync(path.join(tmp.dir, 'b.db'))).toBe(false);
    const r = await runCli(['--yes', 'restore', old.id, '--to', path.join(tmp.dir, 'b.db'), '--passphrase-file', first], { home: tmp.home });
    expect(r.code, r.stderr).toBe(0);
    expect(readMarker(path.join(tmp.dir, 'b.db'))).toBe('old key');
  });
});
