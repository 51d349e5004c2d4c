// Which key encrypts a backup and which keys may open one: the request's own, the source's
// settings, and the remembered passphrase (kept through the SecretStore, never in plaintext
// settings). Changing the passphrase gives it a new key id; old restore points keep the id of the
// one they were made with, so a person can tell which passphrase opens which.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { EncryptionInfo, Source } from '../../../shared/model.ts';
import { checkTarget, type DecryptWith, type EncryptTo } from './artifact-codec.ts';
import type { SecretStore } from '../common/secrets.ts';
import type { SettingsStore } from '../common/settings.ts';
import { LifeboatError } from '../common/errors.ts';

const SECRET_NAME = 'backup-passphrase';
const rememberedSchema = z.object({ passphrase: z.string().min(1), keyId: z.string(), setAt: z.string() });
export type RememberedPassphrase = z.infer<typeof rememberedSchema>;

/** What a person asked for on one backup: nothing (use the source's settings), off, or a key. */
/** What choosing and remembering keys needs: the secret store, the settings and the clock. */
export interface KeyContext {
  secrets: SecretStore;
  settings: SettingsStore;
  now: () => Date;
}

export type EncryptRequest = false | { passphrase: string } | { recipients: string[] };

async function remembered(ctx: KeyContext): Promise<RememberedPassphrase | undefined> {
  const raw = await ctx.secrets.get(SECRET_NAME);
  if (!raw) return undefined;
  const parsed = rememberedSchema.safeParse(JSON.parse(raw));
  return parsed.success ? parsed.data : undefined;
}

/** The remembered passphrase and its key id, for the work that needs the secret itself (wrapping a key). */
export async function rememberedPassphrase(ctx: KeyContext): Promise<{ passphrase: string; keyId: string } | undefined> {
  const r = await remembered(ctx);
  return r ? { passphrase: r.passphrase, keyId: r.keyId } : undefined;
}

/** Remembers the passphrase for scheduled backups, under a new key id; returns the id. */
export async function rememberPassphrase(ctx: KeyContext, passphrase: string): Promise<{ keyId: string; where: string }> {
  if (passphrase.length < 8) throw new LifeboatError('usage', 'That passphrase is too short', 'Use at least 8 characters (a few random words is best)');
  const current = await remembered(ctx);
  if (current?.passphrase === passphrase) return { keyId: current.keyId, where: ctx.secrets.description };
  const keyId = `key-${ctx.now().toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`;
  await ctx.secrets.set(SECRET_NAME, JSON.stringify({ passphrase, keyId, setAt: ctx.now().toISOString() }));
  return { keyId, where: ctx.secrets.description };
}

/** Forgets the remembered passphrase; refused while a source or destination encrypts with it. */
export async function forgetPassphrase(ctx: KeyContext): Promise<void> {
  const s = ctx.settings.read();
  const uses = [...s.sources.filter((x) => x.encryption?.kind === 'passphrase'), ...s.destinations.filter((d) => d.encrypt?.kind === 'passphrase')].map((x) => x.name);
  if (uses.length) {
    throw new LifeboatError(
      'usage',
      `${uses.join(', ')} ${uses.length === 1 ? 'is' : 'are'} set to encrypt with this passphrase`,
      'Switch their encryption off or to keys first (Databases or Destinations in the app; `lifeboat sources set <id> --no-encrypt` or `lifeboat destinations set <id> --no-encrypt`)',
    );
  }
  await ctx.secrets.delete(SECRET_NAME);
}

/**
 * Checks an encryption setting before it is saved, so a scheduled backup never finds out later:
 * passphrase encryption needs a remembered passphrase, keys must be age public keys.
 */
export async function checkEncryptionSetting(ctx: KeyContext, encryption: NonNullable<Source['encryption']>): Promise<void> {
  if (encryption.kind === 'passphrase') {
    if (!(await remembered(ctx))) {
      throw new LifeboatError('usage', 'No passphrase is set for encrypted backups', 'Set one first (Databases → Encryption in the app, `lifeboat passphrase set` in a terminal); scheduled backups need it');
    }
    return;
  }
  await checkTarget({ recipients: encryption.recipients });
}

/** The remembered passphrase's id and date, never the passphrase. */
export async function rememberedKeyId(ctx: KeyContext): Promise<{ keyId: string; setAt: string } | undefined> {
  const r = await remembered(ctx);
  return r ? { keyId: r.keyId, setAt: r.setAt } : undefined;
}

/** How this backup of `source` is encrypted, or undefined for none. */
export async function resolveEncryption(ctx: KeyContext, source: Pick<Source, 'id' | 'encryption'>, request: EncryptRequest | undefined): Promise<{ to: EncryptTo; info: EncryptionInfo } | undefined> {
  if (request === false) return undefined;
  const scryptWorkFactor = ctx.settings.read().scryptWorkFactor;
  const wanted = request ?? (source.encryption?.kind === 'recipients' ? { recipients: source.encryption.recipients } : source.encryption?.kind === 'passphrase' ? 'remembered' : undefined);
  if (wanted === undefined) return undefined;
  if (wanted !== 'remembered' && 'recipients' in wanted) {
    return { to: { recipients: wanted.recipients }, info: { kind: 'recipients', recipients: wanted.recipients } };
  }
  const known = await remembered(ctx);
  if (wanted === 'remembered') {
    if (!known) {
      throw new LifeboatError(
        'wrong-key',
        `"${source.id}" is set to encrypt with the remembered passphrase, but none is remembered`,
        'Set one (Databases → Encryption passphrase in the app, `lifeboat passphrase set` in a terminal), or back up with --encrypt and a passphrase',
      );
    }
    return { to: { passphrase: known.passphrase, scryptWorkFactor }, info: { kind: 'passphrase', keyId: known.keyId } };
  }
  const keyId = known?.passphrase === wanted.passphrase ? known.keyId : undefined;
  return { to: { passphrase: wanted.passphrase, scryptWorkFactor }, info: { kind: 'passphrase', ...(keyId ? { keyId } : {}) } };
}

/** The keys to try on an encrypted artifact: the ones given, then the remembered passphrase. */
export async function resolveDecryption(ctx: KeyContext, given: DecryptWith = {}): Promise<DecryptWith> {
  const known = await remembered(ctx);
  return {
    passphrases: [...(given.passphrases ?? []), ...(known ? [known.passphrase] : [])],
    identities: given.identities ?? [],
  };
}
