// "Back up when it closes": the watcher notices a program closing a database it kept open, with the
// real process list, and takes one restore point if the database changed since the last one.
import { expect, it } from 'vitest';
import { createEngine } from '../engine/engine.ts';
import { makeBankDb, setMarker, startHelper } from '../engine/testing/fixtures.ts';
import { useTestFolder } from '../engine/testing/test-folder.ts';
import { setupCloseWatcher } from './setup-scheduler.ts';

const tmp = useTestFolder();

it('backs a database up when the program holding it closes it, once, and only if it changed', async () => {
  makeBankDb(tmp.db, { mode: 'delete' });
  const engine = await createEngine({ dataDir: tmp.home, appVersion: '0.0.0-test' });
  const taken: string[] = [];
  try {
    const source = await engine.sources.add(tmp.db);
    const watcher = setupCloseWatcher(engine, { backup: async (id) => taken.push((await engine.backup({ sourceId: id }, { trigger: 'scheduled' })).id) });
    const program = startHelper('db-holder.ts', [tmp.db]);
    await program.waitFor('open');
    expect(await watcher.check()).toEqual([]); // not set to: nothing watched
    await engine.sources.update(source.id, { backUpWhenClosed: true });
    expect(await watcher.check()).toEqual([]); // held open: wait
    setMarker(tmp.db, 'written while open');
    expect(await watcher.check()).toEqual([]);
    await program.stop();
    expect(await watcher.check()).toEqual(['store']);
    expect(taken).toHaveLength(1);
    expect(await watcher.check()).toEqual([]); // closed and unchanged: nothing more

    // Opened and closed again without a change: no new restore point.
    const reader = startHelper('db-holder.ts', [tmp.db]);
    await reader.waitFor('open');
    expect(await watcher.check()).toEqual([]);
    await reader.stop();
    expect(await watcher.check()).toEqual([]);
    expect(engine.list()).toHaveLength(1);
  } finally {
    engine.close();
  }
});
