// The conformance suite can fail: each check run against a folder storage broken in one way (a
// listing that loses its last page, a save visible before it is complete, a load that ignores its
// offset…) throws, while the same checks pass on the folder storage as it is (folder-storage.test.ts).
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Storage } from '../../engine/storage/storage.ts';
import { useTestFolder } from '../../engine/testing/test-folder.ts';
import { folderStorage } from '../folder/folder-storage.ts';
import { conformanceChecks, type Check, type ConformanceTarget } from './conformance.ts';

const PAGE = 5;

/** Ways to break the contract, each over a working storage. */
const broken: Record<string, { check: Check; wrap: (inner: Storage, scratch: string) => Storage }> = {
  'a listing that drops its last page': {
    check: conformanceChecks.listByPrefix,
    wrap: (inner) => ({
      ...inner,
      list: async (prefix) => {
        const all = (await inner.list(prefix)).sort((a, b) => a.name.localeCompare(b.name));
        return all.length > PAGE ? all.slice(0, Math.floor((all.length - 1) / PAGE) * PAGE) : all;
      },
    }),
  },
  'a save visible before it is complete': {
    check: conformanceChecks.cancelledSave,
    wrap: (inner, scratch) => ({
      ...inner,
      save: async (name, file, opts) => {
        // Writes straight under the final name: whatever got there before a cancel stays visible.
        const partial = path.join(scratch, 'partial');
        writeFileSync(partial, 'the first bytes');
        await inner.save(name, partial);
        return inner.save(name, file, opts);
      },
    }),
  },
  'a load that ignores its offset': {
    check: conformanceChecks.loadRange,
    wrap: (inner) => ({ ...inner, load: (name, opts) => inner.load(name, { ...opts, offset: 0 }) }),
  },
  'a load that ignores its length': {
    check: conformanceChecks.loadRange,
    wrap: (inner) => ({ ...inner, load: (name, opts) => inner.load(name, { ...opts, length: undefined }) }),
  },
  'a stat that answers for a missing name': {
    check: conformanceChecks.statMissing,
    wrap: (inner) => ({ ...inner, stat: async (name) => (await inner.stat(name)) ?? { name, size: 0 } }),
  },
  'a remove that fails on a missing name': {
    check: conformanceChecks.removeObject,
    wrap: (inner) => ({
      ...inner,
      remove: async (name) => {
        if (!(await inner.stat(name))) throw new Error(`${name} is not there`);
        return inner.remove(name);
      },
    }),
  },
  'a save that keeps the old bytes of a name': {
    check: conformanceChecks.overwrite,
    wrap: (inner) => ({ ...inner, save: async (name, file, opts) => (await inner.stat(name)) ?? inner.save(name, file, opts) }),
  },
  'names changed on the way (spaces replaced)': {
    check: conformanceChecks.unusualNames,
    wrap: (inner) => ({ ...inner, save: (name, file, opts) => inner.save(name.replaceAll(' ', '_'), file, opts) }),
  },
};

describe('the conformance suite fails on a storage that breaks its contract', () => {
  const tmp = useTestFolder();
  /** A fresh, empty target (each check expects one). */
  const target = async (wrap: (inner: Storage, scratch: string) => Storage): Promise<ConformanceTarget> => {
    const dir = path.join(tmp.dir, `target-${readdirSync(tmp.dir).length}`);
    const scratch = path.join(dir, 'scratch');
    mkdirSync(scratch, { recursive: true });
    const inner = folderStorage(path.join(dir, 'disk'));
    await inner.init?.();
    return { storage: wrap(inner, scratch), scratch, pageSize: PAGE };
  };

  for (const [how, { check, wrap }] of Object.entries(broken)) {
    it(`${how}: ${check.name} fails`, async () => {
      await expect(check(await target(wrap))).rejects.toThrow();
    });
  }

  it('and the same checks pass on the storage unbroken', async () => {
    for (const { check } of Object.values(broken)) await check(await target((inner) => inner));
  });
});
