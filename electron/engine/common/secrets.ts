// Secrets (the backup passphrase now; the Google refresh token later) behind one small interface.
// The desktop app implements it with Electron's safeStorage (encrypted by the OS keychain); under
// plain Node (the CLI) it is a JSON file readable only by its owner (mode 0600) in the data folder:
// protected by file permissions, not encrypted. Secrets never go to logs, errors or the renderer.
import { chmod, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileDurable } from './durable-fs.ts';
import { errorCode } from './errors.ts';

export interface SecretStore {
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
  /** Where and how secrets are kept, for the README and `status` (never the secrets). */
  readonly description: string;
}

/** The owner-only file store used under plain Node. */
export function createFileSecretStore(dataDir: string): SecretStore {
  const file = path.join(dataDir, 'secrets.json');
  const readAll = async (): Promise<Record<string, string>> => {
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as unknown;
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : {};
    } catch (e) {
      if (errorCode(e) === 'ENOENT') return {};
      throw e;
    }
  };
  const writeAll = async (all: Record<string, string>) => {
    await writeFileDurable(file, JSON.stringify(all), 0o600);
    await chmod(file, 0o600);
  };
  return {
    description: `${file} (readable only by you; not encrypted)`,
    async get(name) {
      return (await readAll())[name];
    },
    async set(name, value) {
      await writeAll({ ...(await readAll()), [name]: value });
    },
    async delete(name) {
      const all = await readAll();
      delete all[name];
      await writeAll(all);
    },
  };
}
