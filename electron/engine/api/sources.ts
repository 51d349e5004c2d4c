// The sources and settings parts of the Engine: the databases Lifeboat protects, the settings that
// carry no rule of their own (checked before they are saved), and the remembered passphrase.
import type { Schedule, Source } from '../../../shared/model.ts';
import { forgetPassphrase, rememberedKeyId, rememberPassphrase } from '../artifact/keys.ts';
import { LifeboatError } from '../common/errors.ts';
import { settingsPatchSchema, type Settings, type SettingsPatch } from '../common/settings.ts';
import type { EngineContext } from '../vault/context.ts';
import { addSource, findSourceByPath, getSource, listSources, removeSource, updateSource, type SourcePatch } from '../vault/sources.ts';

export interface SourcesApi {
  list(): Source[];
  get(id: string): Source;
  /** Registers a readable SQLite file (or returns its registration), with its own schedule if given. */
  add(file: string, o?: { id?: string; schedule?: Schedule }): Promise<Source>;
  remove(id: string): Source;
  /** Changes a source's settings; refuses encryption it could not carry out. */
  update(id: string, patch: SourcePatch): Promise<Source>;
  findByPath(file: string): Promise<Source | undefined>;
}

export interface PassphraseApi {
  /** Remembers the passphrase for encrypted backups under a new key id. */
  remember(passphrase: string): Promise<{ keyId: string; where: string }>;
  /** Forgets it; refused while a source or destination encrypts with it. */
  forget(): Promise<void>;
  current(): Promise<{ keyId: string; setAt: string } | undefined>;
}

/** The sources part of the Engine over `ctx`. */
export function sourcesApi(ctx: EngineContext): SourcesApi {
  return {
    list: () => listSources(ctx),
    get: (id) => getSource(ctx, id),
    add: (file, o) => addSource(ctx, file, o),
    remove: (id) => removeSource(ctx, id),
    update: (id, patch) => updateSource(ctx, id, patch),
    findByPath: (file) => findSourceByPath(ctx, file),
  };
}

/** The remembered passphrase, over `ctx`. */
export function passphraseApi(ctx: EngineContext): PassphraseApi {
  return {
    remember: (p) => rememberPassphrase(ctx, p),
    forget: () => forgetPassphrase(ctx),
    current: () => rememberedKeyId(ctx),
  };
}

/** Changes settings that carry no rule of their own, after checking them; says clearly what is wrong. */
export function updateSettings(ctx: EngineContext, patch: SettingsPatch): Settings {
  const parsed = settingsPatchSchema.safeParse(patch);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const what = issue?.path.join('.') || 'the change';
    if (what === 'timeZone') throw new LifeboatError('usage', `"${String((patch as { timeZone?: unknown }).timeZone)}" is not a time zone this machine knows`, 'Give an IANA name such as Europe/Paris or America/New_York');
    throw new LifeboatError('usage', `${what}: ${issue?.message ?? 'not a valid setting'}`, 'Nothing was changed; fix the value and try again');
  }
  const change = parsed.data;
  return ctx.settings.update((s) => ({ ...s, ...change, app: { ...s.app, ...change.app }, verification: { ...s.verification, ...change.verification } }) as Settings);
}
