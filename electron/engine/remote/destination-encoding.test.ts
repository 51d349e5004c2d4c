// "Encrypt what goes to the NAS (or Drive)": a destination set to encrypt and compress gets a
// standard .sqlite.zst.age file that `age -d` and `zstd -d` open, while the vault keeps the plain
// restore point; a new machine with only that destination restores it with the passphrase; a
// wrong passphrase or a bad key is a clear error.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Manifest, Replica } from '../../../shared/model.ts';
import { parseKeyFile } from '../artifact/artifact-codec.ts';
import { bankState, makeBankDb, runCli, setSetting, sha256, keepWholeFiles } from '../testing/fixtures.ts';
import { useTestFolder } from '../testing/test-folder.ts';

const PASSPHRASE = 'correct horse battery staple';
const tmp = useTestFolder();
// Whole-file restore points are what is tested here (the page store has tests of its own).
beforeEach(() => keepWholeFiles(tmp.home));
let nas: string;
const env = { LIFEBOAT_PASSPHRASE: PASSPHRASE };

beforeEach(async () => {
  nas = path.join(tmp.dir, 'nas', 'Lifeboat');
  mkdirSync(path.dirname(nas), { recursive: true }); // the NAS is mounted
  makeBankDb(tmp.db, { blobRows: 200 });
  await setSetting(tmp.home, 'scryptWorkFactor', 10); // a fast scrypt for tests
});

const cli = async (args: string[], h = tmp.home, e: NodeJS.ProcessEnv = env) => {
  const r = await runCli(args, { home: h, env: e });
  return r;
};
const ok = async (args: string[], h = tmp.home, e: NodeJS.ProcessEnv = env) => {
  const r = await cli(args, h, e);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
};

describe('a destination that encrypts and compresses what it receives', () => {
  it('stores a .sqlite.zst.age that age and zstd open, while the vault keeps the plain copy', async () => {
    await ok(['passphrase', 'set']);
    await ok(['destinations', 'add', nas, '--name', 'NAS']);
    await ok(['destinations', 'set', 'lifeboat', '--encrypt-passphrase', '--compress', '6']);
    expect(await ok(['destinations', 'list'])).toMatch(/lifeboat .* yes +zstd\+age \(passphrase\)/);
    const m = JSON.parse(await ok(['--json', 'backup', tmp.db])) as Manifest & { replicas: Replica[] };

    // The vault: plain, as the source is set.
    expect(m.artifact.format).toBe('sqlite');
    expect(sha256(path.join(tmp.home, 'vault', m.artifact.path))).toBe(m.artifact.sha256);

    // The NAS: only the encrypted, compressed artifact and a manifest that says so.
    const dir = path.join(nas, 'store');
    const files = readdirSync(dir).filter((f) => !f.startsWith('.'));
    const artifact = files.find((f) => f.endsWith('.sqlite.zst.age'));
    expect(artifact, files.join(', ')).toBeDefined();
    expect(files.filter((f) => f.endsWith('.sqlite'))).toEqual([]);
    const exported = JSON.parse(readFileSync(path.join(dir, files.find((f) => f.endsWith('.manifest.json'))!), 'utf8')) as Manifest;
    expect(exported.artifact).toMatchObject({ format: 'sqlite+zstd+age', compression: { algorithm: 'zstd', level: 6 }, encryption: { kind: 'passphrase' } });
    expect(exported.database.sha256).toBe(m.database.sha256);
    expect(exported.source.path).not.toContain(tmp.dir); // the full source path does not travel with an encrypted copy
    expect(m.replicas).toMatchObject([{ destinationId: 'lifeboat', status: 'completed', sha256: sha256(path.join(dir, artifact!)) }]);
    expect(readdirSync(path.join(tmp.home, 'uploads')).filter((f) => f.startsWith('reencoded-'))).toEqual([]);

    // Without Lifeboat: age -d (passphrase on a terminal), zstd -d, sqlite3.
    const zst = path.join(tmp.dir, 'out.sqlite.zst');
    const plain = path.join(tmp.dir, 'out.sqlite');
    execFileSync('script', ['-q', '-c', `age -d -o '${zst}' '${path.join(dir, artifact!)}'`, '/dev/null'], { input: `${PASSPHRASE}\n`, stdio: ['pipe', 'ignore', 'ignore'] });
    execFileSync('zstd', ['-q', '-d', zst, '-o', plain]);
    expect(sha256(plain)).toBe(m.database.sha256);
    expect(execFileSync('sqlite3', [plain, 'PRAGMA integrity_check']).toString().trim()).toBe('ok');

    // A new machine with only the NAS: lists it and restores it with the passphrase, not without.
    const fresh = path.join(tmp.dir, 'new-machine');
    await setSetting(fresh, 'scryptWorkFactor', 10);
    await ok(['destinations', 'add', nas], fresh, {});
    const wrong = await cli(['restore', m.id, '--to', path.join(tmp.dir, 'wrong.db')], fresh, { LIFEBOAT_PASSPHRASE: 'not the passphrase' });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/passphrase or key does not open this restore point/);
    expect(existsSync(path.join(tmp.dir, 'wrong.db'))).toBe(false);
    const target = path.join(tmp.dir, 'restored.db');
    await ok(['restore', m.id, '--to', target], fresh);
    expect(bankState(target)).toEqual(bankState(tmp.db));
    new Database(target, { readonly: true }).close();
  });

  it('encrypts to age keys, and copies an already encrypted restore point as it is', async () => {
    const keyFile = path.join(tmp.dir, 'key.txt');
    execFileSync('age-keygen', ['-o', keyFile], { stdio: 'ignore' });
    const recipient = parseKeyFile(readFileSync(keyFile, 'utf8')).recipients[0] ?? /public key: (age1\w+)/.exec(readFileSync(keyFile, 'utf8'))![1]!;
    await ok(['destinations', 'add', nas]);
    await ok(['destinations', 'set', 'lifeboat', '--encrypt-to', recipient]);
    const m = JSON.parse(await ok(['--json', 'backup', tmp.db])) as Manifest;
    const remote = path.join(nas, 'store', `${path.basename(m.artifact.path)}.age`);
    const plain = path.join(tmp.dir, 'by-key.sqlite');
    execFileSync('age', ['-d', '-i', keyFile, '-o', plain, remote]);
    expect(sha256(plain)).toBe(m.database.sha256);

    // Encrypted in the vault already (its own passphrase): the NAS gets those very bytes.
    const enc = JSON.parse(await ok(['--json', 'backup', tmp.db, '--encrypt'])) as Manifest;
    expect(sha256(path.join(nas, enc.artifact.path))).toBe(enc.artifact.sha256);
  });

  it('refuses to switch on encryption it could not carry out, saying why', async () => {
    await ok(['destinations', 'add', nas]);
    const none = await cli(['destinations', 'set', 'lifeboat', '--encrypt-passphrase'], tmp.home, {});
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/none is remembered.*lifeboat passphrase set/s);
    const bad = await cli(['destinations', 'set', 'lifeboat', '--encrypt-to', 'age1notakey']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Cannot encrypt to that key/);
    expect(JSON.parse(readFileSync(path.join(tmp.home, 'settings.json'), 'utf8')).destinations[0].encrypt).toBeUndefined();
  });
});
