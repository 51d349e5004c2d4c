// The folder storage against the conformance suite (a real folder on this machine's disk), and
// what only a folder meets: a disk that is not mounted, and links and pipes planted in it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../engine/testing/fixtures.ts';
import { useTestFolder } from '../../engine/testing/test-folder.ts';
import { describeStorageConformance } from '../testing/conformance.ts';
import { folderStorage, MARKER } from './folder-storage.ts';

describeStorageConformance('folder', async () => {
  const t = tempDir();
  mkdirSync(path.join(t.dir, 'scratch'));
  const storage = folderStorage(path.join(t.dir, 'disk'), 'USB disk');
  await storage.init?.();
  return { storage, scratch: path.join(t.dir, 'scratch'), close: async () => t.cleanup() };
});

describe('a folder destination', () => {
  const tmp = useTestFolder();
  const ready = async () => {
    const root = path.join(tmp.dir, 'disk');
    const storage = folderStorage(root, 'USB disk');
    await storage.init?.();
    const file = path.join(tmp.dir, 'bytes');
    writeFileSync(file, 'some bytes');
    return { root, storage, file };
  };

  it('whose disk is not mounted (the marker is gone) refuses every operation and writes nothing', async () => {
    const { root, storage, file } = await ready();
    rmSync(path.join(root, MARKER));
    for (const op of [() => storage.check(), () => storage.save('store/x', file), () => storage.load('store/x'), () => storage.stat('store/x'), () => storage.list(''), () => storage.remove('store/x')]) {
      await expect(op()).rejects.toMatchObject({ code: 'not-found', message: expect.stringMatching(/looks disconnected: its \.lifeboat-destination file is missing/) });
    }
    expect(readdirSync(root)).toEqual([]);
  });

  it('never makes a whole missing path: only the last folder, when its parent is there', async () => {
    const unmounted = folderStorage(path.join(tmp.dir, 'media', 'usb', 'Lifeboat'));
    await expect(unmounted.init?.()).rejects.toMatchObject({ code: 'not-found', message: expect.stringMatching(/media\/usb does not exist/) });
    expect(existsSync(path.join(tmp.dir, 'media'))).toBe(false);
  });

  it('lists links and pipes planted in it as refused, reads none of them, and writes through no linked folder', async () => {
    const { root, storage, file } = await ready();
    const outside = path.join(tmp.dir, 'elsewhere');
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'secret'), 'not for Lifeboat');
    mkdirSync(path.join(root, 'store'));
    symlinkSync(path.join(outside, 'secret'), path.join(root, 'store', 'linked'));
    execFileSync('mkfifo', [path.join(root, 'store', 'pipe')]);
    symlinkSync(outside, path.join(root, 'other'));
    const listed = Object.fromEntries((await storage.list('')).map((o) => [o.name, o.refused ?? 'ok']));
    expect(listed).toEqual({
      'store/linked': expect.stringMatching(/store\/linked is a symbolic link/),
      'store/pipe': expect.stringMatching(/store\/pipe is not a regular file \(a device, a pipe or a socket\)/),
      other: expect.stringMatching(/other is a symbolic link/),
    });
    await expect(storage.load('store/linked')).rejects.toMatchObject({ code: 'tampered', message: expect.stringMatching(/is a symbolic link, so Lifeboat will not read it/) });
    await expect(storage.load('store/pipe')).rejects.toMatchObject({ code: 'tampered', message: expect.stringMatching(/is not a regular file/) });
    await expect(storage.load('other/secret')).rejects.toMatchObject({ code: 'tampered', message: expect.stringMatching(/is not inside/) });
    await expect(storage.save('other/new', file)).rejects.toMatchObject({ code: 'tampered', message: expect.stringMatching(/is a link to a folder outside/) });
    await expect(storage.remove('other/secret')).rejects.toMatchObject({ code: 'tampered' });
    expect(readdirSync(outside)).toEqual(['secret']);
  });

  it('keeps its own bookkeeping to itself: the marker and temp names are not objects', async () => {
    const { root, storage, file } = await ready();
    writeFileSync(path.join(root, '.lifeboat-tmp-left-behind'), 'half');
    expect(await storage.list('')).toEqual([]);
    await expect(storage.save(MARKER, file)).rejects.toMatchObject({ code: 'usage' });
    await expect(storage.save('store/.lifeboat-tmp-x', file)).rejects.toMatchObject({ code: 'usage' });
    await expect(storage.save('../escape', file)).rejects.toMatchObject({ code: 'usage' });
    await expect(storage.save('store//x', file)).rejects.toMatchObject({ code: 'usage' });
    await expect(storage.save('a/b/c', file)).rejects.toMatchObject({ code: 'usage' });
    // Someone's own deeper folders beside Lifeboat's are never walked.
    mkdirSync(path.join(root, 'family photos', '2020'), { recursive: true });
    writeFileSync(path.join(root, 'family photos', '2020', 'beach.jpg'), 'photo');
    writeFileSync(path.join(root, 'family photos', 'list.txt'), 'list');
    expect((await storage.list('')).map((o) => o.name)).toEqual(['family photos/list.txt']);
    await expect(storage.load(MARKER)).rejects.toMatchObject({ code: 'usage' });
  });
});
