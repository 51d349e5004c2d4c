/// <reference lib="dom" />
// The renderer's share of the bench: the production bundle's size, and how long the restore point
// list takes with 10,000 entries (real manifests in a real vault, the real services, Debian's
// Chromium): opening the screen, filtering, and scrolling to the end.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Manifest } from '../shared/model.ts';
import { createEngine } from '../electron/engine/engine.ts';
import { restorePointFiles } from '../electron/engine/vault/names.ts';
import { writeManifest } from '../electron/engine/vault/manifest.ts';
import { makeBankDb } from '../electron/engine/testing/fixtures.ts';
import { formatBytes } from '../shared/bytes.ts';
import { e2eUnavailable, startHarness } from '../e2e/harness.ts';

const REPO = path.resolve(import.meta.dirname, '..');
const ENTRIES = 10_000;

/** Sizes of the built renderer's files: raw and gzipped. */
function bundleRows(): string[][] {
  const dir = path.join(REPO, 'out', 'renderer', 'assets');
  return readdirSync(dir)
    .filter((f) => /\.(js|css)$/.test(f))
    .map((f) => {
      const raw = readFileSync(path.join(dir, f));
      return [`renderer bundle: ${f.endsWith('.js') ? 'JavaScript' : 'CSS'}`, formatBytes(statSync(path.join(dir, f)).size), formatBytes(gzipSync(raw).length)];
    });
}

/** Puts `count` restore points in a vault: one real backup, then manifests copied from it an hour apart. */
async function seed(home: string, db: string, count: number): Promise<void> {
  const engine = await createEngine({ dataDir: home, appVersion: '0.0.0-bench' });
  const real = await engine.backup({ path: db }, { trigger: 'manual' });
  const start = Date.parse(real.createdAt);
  for (let i = 1; i < count; i++) {
    const at = new Date(start - i * 3_600_000);
    const id = `${at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${i.toString(16).padStart(6, '0')}`;
    const files = restorePointFiles(real.source.id, id, real.artifact.format);
    const m: Manifest = { ...real, id, createdAt: at.toISOString(), trigger: i % 2 ? 'scheduled' : 'manual', artifact: { ...real.artifact, path: files.artifactRel } };
    await writeManifest(engine.vaultDir, m);
  }
  engine.close();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs the renderer bench in `work`; returns table rows (name, value, detail). */
export async function benchRenderer(work: string): Promise<string[][]> {
  const rows: string[][] = [['', 'size / time', 'gzip / detail'], ...bundleRows()];
  const unavailable = e2eUnavailable();
  if (unavailable) return [...rows, ['10,000-entry list', 'skipped', unavailable]];
  const home = path.join(work, 'ui-home');
  const db = path.join(work, 'ui-store.db');
  for (const stale of [home, db, `${db}-wal`, `${db}-shm`]) rmSync(stale, { recursive: true, force: true });
  makeBankDb(db, { blobRows: 10 });
  await seed(home, db, ENTRIES);
  const t0 = performance.now();
  const h = await startHarness(home, {});
  const startup = performance.now() - t0;
  try {
    const listMs: number[] = [];
    const cloneMs: number[] = [];
    let listBytes = 0;
    for (let i = 0; i < 3; i++) {
      const s = performance.now();
      const list = await h.services.handlers['restore-points:list']({});
      if (list.length !== ENTRIES) throw new Error(`expected ${ENTRIES} rows, got ${list.length}`);
      listMs.push(performance.now() - s);
      // Electron's IPC copies a reply with the structured clone algorithm.
      const c = performance.now();
      structuredClone(list);
      cloneMs.push(performance.now() - c);
      listBytes = JSON.stringify(list).length;
    }
    // The overview has drawn its health (what it says depends on the seeded copies; not measured here).
    await h.page.getByLabel('Health').waitFor();
    // Time inside the page, from the action to the first frame that shows its result.
    const measure = (kind: 'fetch' | 'open' | 'filter' | 'scroll') =>
      h.page.evaluate(
        async ([what, n]) => {
          const frame = () => new Promise((r) => requestAnimationFrame(r));
          const start = performance.now();
          let done: () => boolean;
          if (what === 'fetch') {
            const api = (window as unknown as { lifeboat: Record<string, (x: unknown) => Promise<unknown[]>> }).lifeboat;
            const list = await api['restore-points:list']!({});
            done = () => list.length === n;
          } else if (what === 'open') {
            [...document.querySelectorAll('nav button')].find((b) => b.textContent === 'Restore points')?.dispatchEvent(new MouseEvent('click', { bubbles: true }));
            done = () => document.querySelectorAll('[role=row][data-id]').length > 0 && (document.body.textContent ?? '').includes(`${n} restore points`);
          } else if (what === 'filter') {
            const select = document.querySelector('select[aria-label=Why]') as HTMLSelectElement;
            Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value')?.set?.call(select, 'scheduled');
            select.dispatchEvent(new Event('change', { bubbles: true }));
            done = () => (document.body.textContent ?? '').includes(`${n / 2} of ${n}`);
          } else {
            const scroller = document.querySelector('.scroller') as HTMLElement;
            scroller.scrollTop = scroller.scrollHeight;
            done = () => document.querySelector(`[aria-rowindex="${n}"]`) !== null;
          }
          while (!done()) await frame();
          return performance.now() - start;
        },
        [kind, ENTRIES] as const,
      );
    const fetchMs: number[] = [];
    const open: number[] = [];
    const filter: number[] = [];
    const scroll: number[] = [];
    let domRows = 0;
    for (let i = 0; i < 3; i++) {
      await h.page.getByRole('navigation').getByRole('button', { name: 'Overview' }).click();
      fetchMs.push(await measure('fetch'));
      open.push(await measure('open'));
      domRows = await h.page.locator('[role=row][data-id]').count();
      filter.push(await measure('filter'));
      await h.page.getByLabel('Why', { exact: true }).selectOption('');
      await h.page.getByText(`${ENTRIES} restore points`).waitFor();
      scroll.push(await measure('scroll'));
    }
    const ms = (xs: number[]) => `${median(xs).toFixed(0)} ms`;
    rows.push(
      [`app start with ${ENTRIES.toLocaleString('en')} restore points (services + first paint)`, `${(startup / 1000).toFixed(2)} s`, 'catalog rebuilt from the manifests'],
      ['restore-points:list handler (10,000 rows)', ms(listMs), 'median of 3'],
      ['structured clone of the list (the copy Electron IPC makes)', ms(cloneMs), `median of 3; ${formatBytes(listBytes)} as JSON`],
      ['the list fetched in the e2e harness (handler + Playwright binding)', ms(fetchMs), 'median of 3; a test transport, far slower than IPC'],
      ['open the Restore points screen (rows already fetched)', ms(open), `median of 3; ${domRows} rows in the DOM (virtualised)`],
      ['filter to "scheduled" (5,000 rows)', ms(filter), 'median of 3'],
      ['scroll to the last row', ms(scroll), 'median of 3'],
    );
  } finally {
    await h.close();
  }
  return rows;
}
