// The dashboard's state (zustand): what main told us, what is running, and what just happened.
import { create } from 'zustand';
import type { RestoreSummary, StatusView } from '../../shared/ipc-contract.ts';
import type { Manifest } from '../../shared/model.ts';

interface Problem {
  message: string;
  hint?: string;
}

interface DashboardState {
  status?: StatusView;
  points: Manifest[];
  busy?: string;
  problem?: Problem;
  notice?: string;
  lastRestore?: RestoreSummary;
  confirming?: Manifest;
  verified: Record<string, { ok: boolean; message: string }>;
  refresh(): Promise<void>;
  addSource(): Promise<void>;
  backUp(sourceId: string): Promise<void>;
  verify(id: string): Promise<void>;
  askRestore(point: Manifest | undefined): void;
  restore(id: string): Promise<void>;
  undo(): Promise<void>;
}

const asProblem = (e: unknown): Problem => ({ message: (e as Error).message, hint: (e as { hint?: string }).hint });

export const useDashboard = create<DashboardState>((set, get) => {
  const run = async (busy: string, work: () => Promise<void>) => {
    set({ busy, problem: undefined, notice: undefined });
    try {
      await work();
    } catch (e) {
      set({ problem: asProblem(e) });
      await get().refresh(); // a failure often changes what health should say (a missing file)
    } finally {
      set({ busy: undefined });
    }
  };
  return {
    points: [],
    verified: {},
    async refresh() {
      try {
        const [status, points] = await Promise.all([window.lifeboat['status:get'](undefined), window.lifeboat['restore-points:list']({})]);
        set({ status, points });
      } catch (e) {
        set({ problem: asProblem(e) });
      }
    },
    addSource: () =>
      run('adding', async () => {
        const source = await window.lifeboat['sources:choose'](undefined);
        if (source) set({ notice: `${source.name} is now protected. Take its first restore point with Back Up Now.` });
        await get().refresh();
      }),
    backUp: (sourceId) =>
      run(`backup:${sourceId}`, async () => {
        const m = await window.lifeboat['backup:run']({ sourceId });
        set({ notice: m.integrity.status === 'ok' ? `Restore point taken: ${new Date(m.createdAt).toLocaleString()}, checked and checksummed.` : 'The copy was taken but fails its integrity check: the database itself may be damaged.' });
        await get().refresh();
      }),
    verify: (id) =>
      run(`verify:${id}`, async () => {
        const r = await window.lifeboat['restore-points:verify']({ id });
        set({ verified: { ...get().verified, [id]: r } });
      }),
    askRestore: (point) => set({ confirming: point, problem: undefined }),
    restore: (id) =>
      run(`restore:${id}`, async () => {
        set({ confirming: undefined });
        const r = await window.lifeboat['restore:run']({ id });
        set({ lastRestore: r, notice: undefined });
        await get().refresh();
      }),
    undo: () =>
      run('undo', async () => {
        await window.lifeboat['restore:undo'](undefined);
        set({ lastRestore: undefined, notice: 'The restore was undone: the database is back as it was before.' });
        await get().refresh();
      }),
  };
});
