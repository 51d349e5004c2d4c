// The page store's repository key: one secret per data folder, made once. It holds the id key (which
// names every blob, see blob-id.ts) and an age identity (which encrypted packs are encrypted to). It
// is kept in Lifeboat's secret store on this machine, and at each place wrapped with age to the
// remembered passphrase and/or to age recipients (`_pages/key-*.age`), so that a new machine opens
// it with what the person has. Changing the passphrase wraps it again; no pack is encrypted again.
/** age-encryption (its curves and scrypt) is loaded only by the work that needs a key. */
const loadAge = () => import('age-encryption');
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { LifeboatError } from '../common/errors.ts';

const keySchema = z.object({
  version: z.literal(1),
  repository: z.string().regex(/^[0-9a-f]{32}$/),
  idKey: z.string().regex(/^[0-9a-f]{64}$/),
  identity: z.string().regex(/^AGE-SECRET-KEY-1[0-9A-Z]+$/),
});
export type RepositoryKey = z.infer<typeof keySchema>;

/** What a place's `_pages/config.json` says: the store's id, and the id key where packs are plain. */
export const storeConfigSchema = z.object({
  version: z.literal(1),
  repository: z.string().regex(/^[0-9a-f]{32}$/),
  idKey: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});
export type StoreConfig = z.infer<typeof storeConfigSchema>;

/** A new repository key (random id key, new age identity). */
export async function newRepositoryKey(): Promise<RepositoryKey> {
  return { version: 1, repository: randomBytes(16).toString('hex'), idKey: randomBytes(32).toString('hex'), identity: await (await loadAge()).generateX25519Identity() };
}

/** The age recipient (`age1…`) that encrypted packs are encrypted to. */
export async function packRecipient(key: RepositoryKey): Promise<string> {
  return (await loadAge()).identityToRecipient(key.identity);
}

/** The key as text (for the secret store), and back, checked. */
export function serializeKey(key: RepositoryKey): string {
  return JSON.stringify(key);
}

/** Parses a repository key; throws 'bad-manifest' (the store cannot be trusted) when it is not one. */
export function parseKey(text: string, where: string): RepositoryKey {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new LifeboatError('bad-manifest', `${where} is not a repository key (not JSON)`, 'The page store\'s key file was damaged; use another copy of it (another destination), or the machine that made it');
  }
  const parsed = keySchema.safeParse(json);
  if (!parsed.success) throw new LifeboatError('bad-manifest', `${where} is not a valid repository key`, 'The page store\'s key file was damaged; use another copy of it (another destination), or the machine that made it');
  return parsed.data;
}

/** The key encrypted with age to a passphrase or to recipients: what `_pages/key-<id>.age` holds. */
export async function wrapKey(key: RepositoryKey, to: { passphrase: string; scryptWorkFactor?: number } | { recipients: string[] }): Promise<Uint8Array> {
  const { Encrypter } = await loadAge();
  const e = new Encrypter();
  if ('passphrase' in to) {
    e.setScryptWorkFactor(to.scryptWorkFactor ?? 18);
    e.setPassphrase(to.passphrase);
  } else {
    for (const r of to.recipients) e.addRecipient(r);
  }
  return e.encrypt(serializeKey(key));
}

/** Opens a wrapped key with any of the passphrases or identities; undefined when none opens it. */
export async function unwrapKey(wrapped: Uint8Array, keys: { passphrases?: string[]; identities?: string[] }, where: string): Promise<RepositoryKey | undefined> {
  const { Decrypter } = await loadAge();
  for (const passphrase of keys.passphrases ?? []) {
    const d = new Decrypter();
    d.addPassphrase(passphrase);
    const text = await d.decrypt(wrapped, 'text').catch(() => undefined);
    if (text !== undefined) return parseKey(text, where);
  }
  if (keys.identities?.length) {
    const d = new Decrypter();
    for (const identity of keys.identities) d.addIdentity(identity);
    const text = await d.decrypt(wrapped, 'text').catch(() => undefined);
    if (text !== undefined) return parseKey(text, where);
  }
  return undefined;
}
