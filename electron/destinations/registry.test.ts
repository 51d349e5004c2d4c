// The registry of destination kinds: settings.json as earlier versions wrote it (each kind's fields
// flat beside the common ones) reads unchanged and builds each kind's storage; a destination whose
// kind-specific settings are broken, or of a kind this build does not know, is refused with a clear
// message when its storage is built, and the rest keeps working.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../engine/engine.ts';
import { useTestFolder } from '../engine/testing/test-folder.ts';
import { destinationKinds } from './registry.ts';

const tmp = useTestFolder();

/** The destinations of a settings.json written before kinds had folders of their own. */
const EARLIER = (usb: string) => [
  { id: 'usb', kind: 'folder', name: 'USB disk', path: usb, enabled: true, priority: 100, upload: { manual: true, scheduled: true }, retention: { keepLast: 3 } },
  { id: 'drive', kind: 'drive', name: 'Google Drive', folderName: 'Lifeboat Backups', enabled: true, priority: 50, upload: { manual: true, scheduled: false }, compressLevel: 3, chunkBytes: 1048576, retryBaseMs: 5 },
];

describe('the registry of destination kinds', () => {
  it('reads settings written by earlier versions unchanged and builds each kind from them', async () => {
    const usb = path.join(tmp.dir, 'usb');
    mkdirSync(usb);
    mkdirSync(tmp.home);
    writeFileSync(path.join(tmp.home, 'settings.json'), JSON.stringify({ destinations: EARLIER(usb) }));
    const kinds = destinationKinds({ env: {} });
    const engine = await createEngine({ dataDir: tmp.home, appVersion: '0.0.0-test', storages: kinds.storages });
    try {
      expect(engine.destinations.list()).toEqual(EARLIER(usb));
      const [folder, drive] = engine.destinations.list();
      const ctx = { dataDir: tmp.home, secrets: engine.secrets, settings: () => engine.settings() };
      expect(kinds.storages(folder!, ctx).localPath).toBe(usb);
      expect(kinds.storages(drive!, ctx).localPath).toBeUndefined();
      expect([kinds.of(folder!).where(folder!), kinds.of(drive!).where(drive!)]).toEqual([usb, 'Google Drive']);
      // Saving any change keeps every field where it was.
      engine.destinations.setEnabled('usb', false);
      expect(JSON.parse(readFileSync(path.join(tmp.home, 'settings.json'), 'utf8')).destinations).toEqual([{ ...EARLIER(usb)[0], enabled: false }, EARLIER(usb)[1]]);
    } finally {
      engine.close();
    }
  });

  it('refuses a destination whose own settings are broken, or of a kind it does not know, saying which and what to do', async () => {
    mkdirSync(tmp.home);
    const broken = [
      { id: 'usb', kind: 'folder', name: 'USB disk', enabled: true, priority: 100, upload: { manual: true, scheduled: true } },
      { id: 'bucket', kind: 's3', name: 'Shop bucket', bucket: 'shop', enabled: true, priority: 100, upload: { manual: true, scheduled: true } },
    ];
    writeFileSync(path.join(tmp.home, 'settings.json'), JSON.stringify({ destinations: broken }));
    const kinds = destinationKinds({ env: {} });
    const engine = await createEngine({ dataDir: tmp.home, appVersion: '0.0.0-test', storages: kinds.storages });
    try {
      expect(engine.destinations.list()).toEqual(broken); // read as they are, nothing lost
      const [folder, s3] = engine.destinations.list();
      const ctx = { dataDir: tmp.home, secrets: engine.secrets, settings: () => engine.settings() };
      expect(() => kinds.storages(folder!, ctx)).toThrow(expect.objectContaining({ code: 'usage', message: expect.stringMatching(/^The settings of destination usb are not those of a folder destination \(path: /), hint: expect.stringMatching(/settings\.json/) }));
      expect(() => kinds.storages(s3!, ctx)).toThrow(expect.objectContaining({ code: 'usage', message: 'This build cannot copy to s3 destinations (it knows folder, drive)' }));
      // Copies to them fail on their own, with those messages; the status and the rest still work.
      const [remote] = await engine.destinations.listRemote('usb');
      expect(remote?.error).toMatch(/not those of a folder destination/);
      expect((await engine.status()).sources).toEqual([]);
      expect((await engine.destinations.remove('bucket')).id).toBe('bucket');
    } finally {
      engine.close();
    }
  });

  it('describes each kind for the dashboard and the command line', () => {
    const kinds = destinationKinds({ env: {} });
    expect(kinds.list.map((k) => [k.describe.kind, k.describe.single, k.describe.browserSignIn])).toEqual([
      ['folder', false, false],
      ['drive', true, true],
    ]);
    expect(kinds.get('folder').describe.fields.find((f) => f.type === 'folder')?.name).toBe('path');
    expect(kinds.get('drive').describe.fields.filter((f) => f.type === 'secret').map((f) => f.name)).toEqual(['clientSecret']);
    expect(() => kinds.get('ftp')).toThrow(/cannot copy to ftp destinations/);
    expect(destinationKinds({ env: { LIFEBOAT_GOOGLE_CLIENT_SECRET: 'GOCSPX-x' } }).logSecrets).toEqual(['GOCSPX-x']);
  });
});
