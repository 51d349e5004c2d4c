// The app process of the year-long simulation (year-simulation.ts): the real desktop services
// (scheduler, upload queue, retention, verification, health, jobs) over a real data folder, on a
// simulated clock that the parent moves forward over IPC. The parent kills this process with
// SIGKILL at random moments and starts it again, as a machine crashing would.
import { createDesktopServices } from '../desktop-services.ts';
import { createSimClock } from '../../engine/testing/sim-clock.ts';
import type { JobView } from '../../../shared/model.ts';

export interface SimAppArgs {
  dataDir: string;
  /** The wall clock when this process starts. */
  wall: string;
  env: Record<string, string>;
  db: string;
  usb: string;
}

export type SimRequest =
  | { op: 'setup'; timeZone: string; lowSpaceBytes: number; verification: { newestEveryDays: number; allEveryDays: number; destinationSample: number }; driveRetention: { keepDaily: number } }
  | { op: 'start' }
  | { op: 'advance'; ms: number }
  | { op: 'jump'; ms: number }
  | { op: 'health' }
  | { op: 'reconnect-drive' }
  | { op: 'time-zone'; zone: string };

/** What the app tells the parent as it happens (counted there: they survive this process being killed). */
export type SimEvent =
  | { ev: 'backup'; ok: boolean; restorePointId: string; createdAt: string }
  | { ev: 'backup-failed'; error: string }
  | { ev: 'pruned'; n: number; where: 'vault' | 'destinations' }
  | { ev: 'copy'; destinationId: string }
  | { ev: 'verification'; outcome: JobView['outcome']; message?: string };

const args = JSON.parse(process.argv[2] ?? '{}') as SimAppArgs;
const send = (m: unknown) => process.send?.(m);
const clock = createSimClock(args.wall);
const services = await createDesktopServices({
  dataDir: args.dataDir,
  appVersion: '0.0.0-simulation',
  clock,
  env: { ...process.env, ...args.env },
  schedulerPollMs: 15 * 60_000,
  healthEveryMs: 60 * 60_000,
  effects: {
    chooseDatabase: async () => args.db,
    chooseFolder: async () => args.usb,
    chooseRestoreTarget: async () => undefined,
    chooseExportTarget: async () => undefined,
    // The simulation never restores, undoes or deletes: nothing is confirmed.
    confirm: async () => false,
    openPath: async () => undefined,
    // The browser: Google's consent page (the emulator) sends it back to Lifeboat's loopback server.
    openExternal: async (url) => void fetch(url).catch(() => undefined),
  },
});
const { engine, handlers } = services;
engine.events.on('backup-finished', ({ manifest }) => send({ ev: 'backup', ok: manifest.integrity.status === 'ok', restorePointId: manifest.id, createdAt: manifest.createdAt } satisfies SimEvent));
engine.events.on('backup-failed', ({ error }) => send({ ev: 'backup-failed', error: error.message } satisfies SimEvent));
engine.events.on('retention-applied', ({ removed }) => removed.length && send({ ev: 'pruned', n: removed.length, where: 'vault' } satisfies SimEvent));
engine.events.on('destination-retention-applied', ({ removed }) => removed && send({ ev: 'pruned', n: removed, where: 'destinations' } satisfies SimEvent));
engine.events.on('replica-changed', ({ replica }) => replica.status === 'completed' && send({ ev: 'copy', destinationId: replica.destinationId } satisfies SimEvent));
services.events.on('job:finished', (job) => job.kind === 'verify' && send({ ev: 'verification', outcome: job.outcome, message: job.message } satisfies SimEvent));

const settle = () => services.idle();

async function handle(req: SimRequest): Promise<unknown> {
  switch (req.op) {
    case 'setup': {
      // As a person sets it up in the app: the database, an hourly schedule, a folder on another disk, Google Drive.
      const chosen = await handlers['sources:choose'](undefined);
      if (!chosen) throw new Error('no database chosen');
      await handlers['schedule:set']({ sourceId: chosen.source.id, schedule: { kind: 'hourly', minute: 0 } });
      engine.updateSettings({ timeZone: req.timeZone, lowSpaceWarningBytes: req.lowSpaceBytes, verification: req.verification });
      await handlers['destinations:setup']({ kind: 'folder' });
      await handlers['destinations:setup']({ kind: 'drive' });
      engine.destinations.setRetention('drive', req.driveRetention);
      services.start();
      await settle();
      return engine.destinations.list().map((d) => d.id);
    }
    case 'start':
      services.start();
      await settle();
      return null;
    case 'advance':
      await clock.advanceTo(clock.monotonic() + req.ms, settle);
      return clock.now().toISOString();
    case 'jump':
      clock.jump(req.ms);
      services.wake();
      await settle();
      return clock.now().toISOString();
    case 'health':
      return services.checkHealth();
    case 'reconnect-drive':
      await handlers['destinations:setup']({ kind: 'drive' });
      await settle();
      return null;
    case 'time-zone':
      engine.updateSettings({ timeZone: req.zone });
      services.scheduler.refresh();
      return null;
  }
}

process.on('message', (m: { id: number; req: SimRequest }) => {
  handle(m.req).then(
    (result) => send({ id: m.id, result }),
    (e: unknown) => send({ id: m.id, error: e instanceof Error ? `${e.message}\n${e.stack}` : String(e) }),
  );
});
// The end of the run (not a kill): exit cleanly (a CPU profile, when asked for, is written then).
process.on('SIGTERM', () => {
  services.stop();
  process.exit(0);
});
send({ ready: true });
