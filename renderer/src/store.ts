// The dashboard's state (zustand): what main told us, what runs (from job events), the screen
// shown, and what just happened. Every call to main goes through `run`, which turns a failure into
// a problem shown where the person acted; changing screens clears what was said on the last one.
import { create } from 'zustand';
import type { RestorePointRow, RestoreSummary, StatusView } from '../../shared/ipc-contract.ts';
import type { OnConflict, RecoverSelection, RecoverSummary } from '../../shared/inside-view.ts';
import { errorCodeOf } from '../../shared/errors.ts';
import type { JobView, Schedule } from '../../shared/model.ts';
import { scheduleWords, when } from './format.ts';

export type Screen = 'overview' | 'restore-points' | 'databases' | 'destinations' | 'activity' | 'settings';

export interface Problem {
  message: string;
  hint?: string;
}

export interface Filters {
  sourceId: string;
  destinationId: string;
  trigger: string;
  from: string;
  to: string;
}

interface DashboardState {
  screen: Screen;
  status?: StatusView;
  rows: RestorePointRow[];
  /** Jobs running now, by id, kept current by job events. */
  jobs: Record<string, JobView>;
  busy?: string;
  problem?: Problem;
  notice?: string;
  lastRestore?: RestoreSummary;
  /** Rows just brought back (the banner offers Undo). */
  lastRecover?: RecoverSummary;
  /** The restore point being looked inside, if any. */
  inside?: string;
  selectedId?: string;
  filters: Filters;
  /** The kind of destination being set up now (a Google sign-in waiting in the browser, main's folder dialog open). */
  settingUp?: string;
  /** Bumped whenever settings change, so screens reload what they show. */
  revision: number;
  show(screen: Screen): void;
  refresh(): Promise<void>;
  listen(): () => void;
  run(busy: string, work: () => Promise<void>): Promise<void>;
  /** Adds a database: main's file dialog, an hourly schedule and the first restore point at once. */
  addSource(): Promise<void>;
  backUp(sourceId: string): Promise<void>;
  setSchedule(sourceId: string, schedule: Schedule): Promise<void>;
  /**
   * Sets a destination of `kind` up through its own flow (a folder from main's dialog; Google's
   * sign-in in the system browser, one click with the build's own client), with the values its
   * fields asked for; says what happened.
   */
  setUp(kind: string, values?: Record<string, string>): Promise<void>;
  cancel(jobId: string): Promise<void>;
  verify(id: string): Promise<void>;
  /** Main asks for confirmation itself (a native dialog naming the file) or for a file to restore into. */
  restore(id: string, toAnotherFile: boolean): Promise<void>;
  undo(): Promise<void>;
  /** Hides the Undo banner (undo stays possible from the safety copy). */
  dismissUndo(): void;
  openInside(id: string): void;
  closeInside(): void;
  /** Brings rows back; true when it went through. */
  recover(id: string, selections: RecoverSelection[], onConflict: OnConflict): Promise<boolean>;
  select(id: string | undefined): void;
  setFilters(f: Partial<Filters>): void;
}

const asProblem = (e: unknown): Problem => ({ message: (e as Error).message, hint: (e as { hint?: string }).hint });

export const useDashboard = create<DashboardState>((set, get) => ({
  screen: 'overview',
  rows: [],
  jobs: {},
  revision: 0,
  filters: { sourceId: '', destinationId: '', trigger: '', from: '', to: '' },
  // What was said about the last screen does not follow the person to the next one.
  show: (screen) => set({ screen, problem: undefined, notice: undefined, inside: screen === 'restore-points' ? get().inside : undefined }),
  async refresh() {
    try {
      const [status, rows] = await Promise.all([window.lifeboat['status:get'](undefined), window.lifeboat['restore-points:list']({})]);
      const jobs = Object.fromEntries(status.running.map((j) => [j.id, j]));
      set({ status, rows, jobs });
    } catch (e) {
      set({ problem: asProblem(e) });
    }
  },
  listen() {
    // Something the screens show changed elsewhere: they reload (revision) and so does the state.
    const reload = () => {
      set({ revision: get().revision + 1 });
      void get().refresh();
    };
    const offs = [
      window.lifeboat.on('job:progress', (job) => set({ jobs: { ...get().jobs, [job.id]: job } })),
      window.lifeboat.on('job:finished', (job) => {
        const { [job.id]: _done, ...rest } = get().jobs;
        set({ jobs: rest });
        void get().refresh();
      }),
      window.lifeboat.on('health:changed', (health) => {
        const status = get().status;
        if (status) set({ status: { ...status, health } });
        void get().refresh(); // a missing file changes the databases' cards too
      }),
      window.lifeboat.on('replicas:changed', reload),
      window.lifeboat.on('settings:changed', reload),
    ];
    return () => offs.forEach((off) => off());
  },
  async run(busy, work) {
    set({ busy, problem: undefined, notice: undefined });
    try {
      await work();
    } catch (e) {
      const p = asProblem(e);
      if (errorCodeOf(e) === 'cancelled') set({ notice: [p.message, p.hint].filter(Boolean).join('. ') });
      else set({ problem: p });
    } finally {
      // What was done (or a failure: a missing file) changes what the screens show.
      await get().refresh();
      set({ busy: undefined });
    }
  },
  addSource: () =>
    get().run('adding', async () => {
      const chosen = await window.lifeboat['sources:choose'](undefined);
      if (!chosen) return;
      const schedule = chosen.source.schedule ? scheduleWords(chosen.source.schedule) : undefined;
      set({
        notice: chosen.added
          ? `${chosen.source.name} was added and is backed up from now on: the first restore point was taken ${chosen.first ? when(chosen.first.createdAt) : 'now'}${schedule ? `, and it runs ${schedule}` : ''}.${chosen.startsAtLogin ? ' Lifeboat now starts when you log in (in the tray), so the schedule runs whenever this computer is on; Settings turns that off.' : ''}`
          : `${chosen.source.name} is protected already; nothing was changed.`,
      });
    }),
  backUp: (sourceId) =>
    get().run(`backup:${sourceId}`, async () => {
      const m = await window.lifeboat['backup:run']({ sourceId });
      set({ notice: m.integrity.status === 'ok' ? `Restore point taken ${when(m.createdAt)} and checked.` : 'The copy was taken but fails its check: the database itself may be damaged. Do not rely on it; see Restore points.' });
    }),
  setSchedule: (sourceId, schedule) =>
    get().run(`schedule:${sourceId}`, async () => {
      const v = await window.lifeboat['schedule:set']({ sourceId, schedule });
      set({ notice: `Backed up ${scheduleWords(v.schedule)} from now on${v.next[0] ? `; the next backup runs ${when(v.next[0])}` : ''}.` });
    }),
  async setUp(kind, values) {
    if (get().settingUp) return;
    set({ settingUp: kind });
    try {
      await get().run(`setup:${kind}`, async () => {
        const done = await window.lifeboat['destinations:setup']({ kind, values });
        if (done) set({ notice: done.notice });
      });
    } finally {
      set({ settingUp: undefined });
    }
  },
  async cancel(jobId) {
    await window.lifeboat['job:cancel']({ jobId });
  },
  verify: (id) =>
    get().run(`verify:${id}`, async () => {
      const r = await window.lifeboat['restore-points:verify']({ id });
      set({
        notice: !r.ok ? undefined : r.checked ? 'Checked again: this restore point is intact and can be restored.' : `Only partly checked: ${r.message}`,
        problem: r.ok ? undefined : { message: `This restore point is damaged: ${r.message}`, hint: 'Do not restore from it; choose another one' },
      });
    }),
  restore: (id, toAnotherFile) =>
    get().run(`restore:${id}`, async () => {
      const r = await window.lifeboat['restore:run']({ id, toAnotherFile });
      if (r?.inPlace) set({ lastRestore: r, lastRecover: undefined });
      else if (r) set({ notice: `Restored into ${r.target}. The database Lifeboat protects was not touched.` });
    }),
  undo: () =>
    get().run('undo', async () => {
      const rows = get().lastRecover !== undefined;
      if (!(await window.lifeboat['restore:undo'](undefined))) return;
      set({ lastRestore: undefined, lastRecover: undefined, notice: rows ? 'Undone: the database is back as it was before the rows were brought back.' : 'The restore was undone: the database is back as it was before.' });
    }),
  dismissUndo: () => set({ lastRestore: undefined, lastRecover: undefined }),
  openInside: (id) => set({ inside: id, problem: undefined, notice: undefined }),
  closeInside() {
    const id = get().inside;
    set({ inside: undefined });
    // Opening or comparing it is no longer wanted.
    for (const j of Object.values(get().jobs)) if (j.restorePointId === id && (j.kind === 'look' || j.kind === 'compare')) void get().cancel(j.id);
    void window.lifeboat['inside:close'](undefined).catch(() => undefined);
  },
  async recover(id, selections, onConflict) {
    let ok = false;
    await get().run(`recover:${id}`, async () => {
      const r = await window.lifeboat['recover:run']({ id, selections, onConflict });
      if (!r) return; // the person said no in main's confirmation
      if (r.nothingToDo) set({ notice: 'Nothing to bring back: every chosen row is already there. Nothing was changed.' });
      else set({ lastRecover: r, lastRestore: undefined });
      ok = true;
    });
    return ok;
  },
  select: (id) => set({ selectedId: id }),
  setFilters: (f) => set({ filters: { ...get().filters, ...f } }),
}));
