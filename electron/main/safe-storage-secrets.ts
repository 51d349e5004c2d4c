// The desktop app's SecretStore: values encrypted with Electron's safeStorage (the OS keychain:
// Keychain on macOS, DPAPI on Windows, libsecret/kwallet on Linux) in secrets.enc.json in the data
// folder. Where safeStorage has no real backend (Linux without a keyring), it refuses rather than
// store a secret in plaintext, and says what to do.
import { safeStorage } from 'electron';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileDurable } from '../engine/common/durable-fs.ts';
import { LifeboatError, errorCode } from '../engine/common/errors.ts';
import type { SecretStore } from '../engine/common/secrets.ts';

/** A SecretStore on safeStorage, in `dataDir`. */
export function safeStorageSecrets(dataDir: string): SecretStore {
  const file = path.join(dataDir, 'secrets.enc.json');
  const readAll = async (): Promise<Record<string, string>> => {
    try {
      return JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
    } catch (e) {
      if (errorCode(e) === 'ENOENT') return {};
      throw e;
    }
  };
  const usable = () => {
    if (!safeStorage.isEncryptionAvailable() || (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text')) {
      throw new LifeboatError('read-only', 'This system has no keychain to keep secrets in', 'On Linux, install and unlock a keyring (GNOME Keyring or KWallet), then try again');
    }
  };
  return {
    description: `${file} (encrypted by the system keychain)`,
    async get(name) {
      const sealed = (await readAll())[name];
      if (!sealed) return undefined;
      usable();
      return safeStorage.decryptString(Buffer.from(sealed, 'base64'));
    },
    async set(name, value) {
      usable();
      const all = await readAll();
      all[name] = safeStorage.encryptString(value).toString('base64');
      await writeFileDurable(file, JSON.stringify(all), 0o600);
    },
    async delete(name) {
      const all = await readAll();
      delete all[name];
      await writeFileDurable(file, JSON.stringify(all), 0o600);
    },
  };
}
