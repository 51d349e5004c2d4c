// A year unattended, in minutes: the real app (sim-app.ts: scheduler, upload queue, retention,
// verification, health) in its own process on a simulated clock, backing up a real small database
// that another process keeps writing, every hour, to a folder on another disk and to Google Drive
// (the project's emulator), through the faults a year brings: the folder's disk unplugged for a
// week, Drive access revoked for three days, the app's disk nearly full and then full, the app
// killed at random moments, the clock set back an hour and forward a day, daylight-saving changes
// and a change of time zone, the catalog deleted. Every simulated day it checks, from the files
// themselves: the vault within its retention's bound, the newest good restore point there, every
// restore point the vault keeps at every enabled destination within a day of it being reachable,
// every fault visible in health while it lasts and gone after, scheduled verification running,
// and no file Lifeboat did not create touched. It ends with one summary line.
import Database from 'better-sqlite3';
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { manifestSchema, retentionPolicySchema, type Health, type Manifest, type RetentionPolicy } from '../../../shared/model.ts';
import { startDriveEmulator, type DriveEmulator } from '../../destinations/drive/testing/drive-emulator.ts';
import { makeBankDb, mountSmallDisk, startHelper, type SmallDisk } from '../../engine/testing/fixtures.ts';
import type { SimAppArgs, SimEvent, SimRequest } from './sim-app.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MB = 1024 * 1024;

export interface SimulationOptions {
  days: number;
  seed?: number;
  /** Verification periods (the defaults are 7 and 30 days; a short run uses shorter ones). */
  verification?: { newestEveryDays: number; allEveryDays: number; destinationSample: number };
  kills?: number;
  log?: (line: string) => void;
  /** Stops the run early (Ctrl-C): what was set up (mounts, processes) is still cleaned up. */
  signal?: AbortSignal;
}

export interface SimulationResult {
  days: number;
  backups: number;
  failedBackups: number;
  prunedInVault: number;
  prunedAtDestinations: number;
  copies: Record<string, number>;
  verifications: number;
  faults: string[];
  faultsSurvived: number;
  kills: number;
  violations: string[];
  skipped: string[];
  seconds: number;
  summary: string;
}

/** A small seeded PRNG (mulberry32), so a run can be repeated. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The most restore points of one source a policy can keep (every rule's count at once, the newest good one, the minimum). */
export function retentionBound(p: RetentionPolicy): number {
  return p.keepLast + p.keepDaily + p.keepWeekly + p.keepMonthly + p.keepYearly + 1 + p.minCount;
}

type Action =
  | 'unplug-usb'
  | 'plug-usb'
  | 'revoke-drive'
  | 'reconnect-drive'
  | 'disk-nearly-full'
  | 'disk-full'
  | 'disk-free'
  | 'jump-back-hour'
  | 'jump-forward-day'
  | 'time-zone'
  | 'catalog-lost'
  | 'kill';

interface Fault {
  name: string;
  /** Loop hours (the simulation's own count, not the wall clock, which jumps). */
  from: number;
  to: number;
  /** Whether a health reason shows this fault. */
  shows: (h: Health) => boolean;
  seenWhileActive: boolean;
  goneAfter: boolean;
  /** Whether the check 3 hours in was made. */
  checkedEarly?: boolean;
}

/** Runs the simulation; resolves with its counts and any invariant violation (there should be none). */
export async function runYearSimulation(opts: SimulationOptions): Promise<SimulationResult> {
  const started = Date.now();
  const log = opts.log ?? (() => undefined);
  const seed = opts.seed ?? 20270101;
  const rand = random(seed);
  const days = opts.days;
  const hours = days * 24;
  const at = (day: number, hour = 0) => Math.round(day * 24 + hour);
  // When each fault comes, in days of this run: a year's calendar, or for a short run the same
  // faults one after another, each lasting long enough to be seen.
  const when =
    days >= 300
      ? { usb: [40, 47], drive: [100, 103], nearlyFull: [150, 156], full: [155.5, 156], jumpBack: 200, jumpForward: 220, zone: 250, catalog: 280 }
      : // The USB disk is away for a whole day of its calendar, so that day's kept restore point waits long.
        { usb: [1.25, 3], drive: [3.25, 3.75], nearlyFull: [4.25, 5], full: [4.75, 5], jumpBack: 5.5, jumpForward: 6, zone: 6.75, catalog: 7.25 };
  if (days < 9) throw new Error('the simulation needs at least 9 days for every fault once (and a day after the last)');
  const violations: string[] = [];
  const skipped: string[] = [];
  const violate = (hour: number, what: string) => {
    const line = `day ${Math.floor(hour / 24)} ${String(hour % 24).padStart(2, '0')}:00 (loop time): ${what}`;
    violations.push(line);
    log(`VIOLATION ${line}`);
  };

  // --- the machine: a database on its disk, the app's data folder on another, a USB disk, Google ---
  const base = mkdtempSync(path.join(os.tmpdir(), 'lifeboat-year-'));
  const disks: SmallDisk[] = [];
  const mount = (name: string, bytes: number): string => {
    const dir = path.join(base, name);
    const disk = mountSmallDisk(dir, bytes);
    if (typeof disk === 'string') {
      mkdirSync(dir, { recursive: true });
      if (!skipped.some((s) => s.startsWith('disk'))) skipped.push(`disk nearly full / full: ${disk}; the app's data folder and the USB folder are plain folders`);
      return dir;
    }
    disks.push(disk);
    return dir;
  };
  const appDisk = mount('app-disk', 160 * MB);
  const usbDisk = mount('usb-disk', 96 * MB);
  const dataDiskHandle = disks.find((d) => d.dir === appDisk);
  const dataDir = path.join(appDisk, 'Lifeboat');
  const vault = path.join(dataDir, 'vault');
  const usb = path.join(usbDisk, 'Lifeboat');
  const unplugged = path.join(usbDisk, '.unplugged');
  const db = path.join(base, 'store.db');
  makeBankDb(db, { accounts: 50 });
  const writer = startHelper('steady-writer.ts', [db, '20']);
  await writer.waitFor('ready');
  const em: DriveEmulator = await startDriveEmulator({ email: 'shop@example.com' });
  const env = {
    LIFEBOAT_GOOGLE_OAUTH_ROOT: em.root,
    LIFEBOAT_GOOGLE_API_ROOT: em.root,
    LIFEBOAT_GOOGLE_CLIENT_ID: 'lifeboat-simulation.apps.googleusercontent.com',
    LIFEBOAT_GOOGLE_CLIENT_SECRET: 'not-a-secret',
  };

  // --- time: the loop's hours (monotonic) and the wall clock, which can jump ---
  let loopMs = 0;
  let wallOffset = Date.parse('2027-01-01T00:30:00Z');
  const wall = () => loopMs + wallOffset;

  // --- what the app tells us ---
  const counts = { backups: 0, failedBackups: 0, prunedInVault: 0, prunedAtDestinations: 0, copies: {} as Record<string, number>, verifications: 0, verificationsFailed: 0 };
  const backupsByDay = new Map<number, number>();
  let newestGood: { id: string; createdAt: string } | undefined;

  // --- the app process ---
  let app: ChildProcess | undefined;
  let nextId = 0;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const startApp = async () => {
    const args: SimAppArgs = { dataDir, wall: new Date(wall()).toISOString(), env, db, usb };
    const child = fork(path.join(import.meta.dirname, 'sim-app.ts'), [JSON.stringify(args)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: process.env.LIFEBOAT_SIM_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.LIFEBOAT_SIM_PROFILE}`] : [] });
    app = child;
    const ready = new Promise<void>((resolve, reject) => {
      child.on('message', (m: { ready?: boolean; id?: number; result?: unknown; error?: string } & Partial<SimEvent>) => {
        if (m.ready) return resolve();
        if (m.id !== undefined) {
          const w = waiting.get(m.id);
          waiting.delete(m.id);
          if (m.error !== undefined) w?.reject(new Error(m.error));
          else w?.resolve(m.result);
          return;
        }
        const e = m as SimEvent;
        if (e.ev === 'backup') {
          counts.backups++;
          const day = Math.floor(loopMs / DAY);
          backupsByDay.set(day, (backupsByDay.get(day) ?? 0) + 1);
          if (e.ok && (!newestGood || e.createdAt > newestGood.createdAt)) newestGood = { id: e.restorePointId, createdAt: e.createdAt };
        } else if (e.ev === 'backup-failed') counts.failedBackups++;
        else if (e.ev === 'pruned') {
          if (e.where === 'vault') counts.prunedInVault += e.n;
          else counts.prunedAtDestinations += e.n;
        } else if (e.ev === 'copy') counts.copies[e.destinationId] = (counts.copies[e.destinationId] ?? 0) + 1;
        else if (e.ev === 'verification') {
          counts.verifications++;
          if (e.outcome !== 'ok') counts.verificationsFailed++;
        }
      });
      child.once('exit', (code, signal) => {
        for (const w of waiting.values()) w.reject(new Error(`the app exited (${code ?? signal})`));
        waiting.clear();
        if (app === child) app = undefined;
        reject(new Error(`the app exited before it was ready (${code ?? signal})`));
      });
    });
    await ready;
  };
  const ask = <T>(req: SimRequest, timeoutMs = 180_000): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (!app) return reject(new Error('the app is not running'));
      const id = nextId++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`the app did not answer ${req.op} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      app.send({ id, req });
    });
  const killApp = async () => {
    const child = app;
    if (!child) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  };

  // --- files Lifeboat did not create, which nothing may touch ---
  const foreign: { file: string; fingerprint: string }[] = [];
  const fingerprint = (file: string) => {
    const st = statSync(file);
    return `${st.size} ${st.mtimeMs} ${createHash('sha256').update(readFileSync(file)).digest('hex')}`;
  };
  const plantForeign = (file: string) => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `not Lifeboat's: ${path.basename(file)}\n`);
    foreign.push({ file, fingerprint: fingerprint(file) });
  };
  let driveForeignId: string | undefined;

  // --- the faults, in loop hours ---
  const reasonFor = (h: Health, f: (r: Health['reasons'][number]) => boolean) => h.reasons.some(f);
  const fUsb: Fault = { name: 'USB disk unplugged', from: at(when.usb[0]!, 10), to: at(when.usb[1]!, 10), shows: (h) => reasonFor(h, (r) => r.destinationId === 'lifeboat'), seenWhileActive: false, goneAfter: false };
  const fDrive: Fault = { name: 'Google Drive access revoked', from: at(when.drive[0]!, 9), to: at(when.drive[1]!, 9), shows: (h) => reasonFor(h, (r) => r.text.includes('needs reconnecting')), seenWhileActive: false, goneAfter: false };
  const fNearlyFull: Fault = { name: "app's disk nearly full", from: at(when.nearlyFull[0]!), to: at(when.nearlyFull[1]!), shows: (h) => reasonFor(h, (r) => r.text.startsWith("The vault's disk is almost full")), seenWhileActive: false, goneAfter: false };
  const fFull: Fault = { name: "app's disk full", from: at(when.full[0]!), to: at(when.full[1]!), shows: (h) => reasonFor(h, (r) => /backup of store\.db failed: .*(disk|full)/i.test(r.text)), seenWhileActive: false, goneAfter: false };
  const faults: Fault[] = [fUsb, fDrive, ...(dataDiskHandle ? [fNearlyFull, fFull] : [])];
  const events = new Map<number, Action[]>();
  const plan = (hour: number, a: Action) => events.set(hour, [...(events.get(hour) ?? []), a]);
  plan(fUsb.from, 'unplug-usb');
  plan(fUsb.to, 'plug-usb');
  plan(fDrive.from, 'revoke-drive');
  plan(fDrive.to, 'reconnect-drive');
  if (dataDiskHandle) {
    plan(fNearlyFull.from, 'disk-nearly-full');
    plan(fFull.from, 'disk-full');
    plan(fFull.to, 'disk-free');
  }
  const jumpBackAt = at(when.jumpBack, 10);
  const jumpForwardAt = at(when.jumpForward, 10);
  const zoneAt = at(when.zone, 14);
  const catalogAt = at(when.catalog, 10);
  plan(jumpBackAt, 'jump-back-hour');
  plan(jumpForwardAt, 'jump-forward-day');
  plan(zoneAt, 'time-zone');
  plan(catalogAt, 'catalog-lost');
  const busyHours = new Set(events.keys());
  const killCount = opts.kills ?? Math.max(3, Math.round(days / 15));
  for (let i = 0; i < killCount; i++) {
    let h: number;
    do h = 24 + Math.floor(rand() * (hours - 48));
    while ([...busyHours].some((b) => Math.abs(b - h) < 6));
    busyHours.add(h);
    plan(h, 'kill');
  }
  const transient = ['app killed at random moments', 'clock set back an hour', 'clock set forward a day', 'daylight-saving changes and a change of time zone', 'catalog deleted'];
  /** Loop hours in which the app was down or time jumped, so fewer backups are expected that day. */
  const disturbedDays = new Set<number>();
  /** When each destination last became reachable (wall ms); copies are due within a day of it. */
  const reachableSince: Record<string, number> = { lifeboat: 0, drive: 0 };
  const reachable: Record<string, boolean> = { lifeboat: true, drive: true };
  let kills = 0;
  let nextDaily = DAY;

  const restart = async (downHours: number) => {
    loopMs += downHours * HOUR;
    await startApp();
    await ask({ op: 'start' });
  };

  // --- daily checks, from the files themselves ---
  const policy = retentionPolicySchema.parse({});
  const drivePolicy = { ...policy, keepDaily: 14 };
  const readManifests = (dir: string): Manifest[] => {
    if (!existsSync(dir)) return [];
    const out: Manifest[] = [];
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.manifest.json'))) {
      try {
        out.push(manifestSchema.parse(JSON.parse(readFileSync(path.join(dir, name), 'utf8'))));
      } catch {
        // an unreadable manifest is not a restore point
      }
    }
    return out;
  };
  const onDrive = () =>
    new Set(
      [...em.files.values()]
        // A manifest is written after everything it names (an artifact, or pages): it says the copy is whole.
        .filter((f) => f.appProperties.lifeboat === 'manifest')
        .map((f) => f.appProperties.restorePointId as string),
    );
  const daily = async (hour: number) => {
    const day = Math.floor(hour / 24);
    const points = readManifests(path.join(vault, 'store')).filter((m) => m.trigger !== 'safety');
    // 1. The vault within its retention's bound.
    if (points.length > retentionBound(policy)) violate(hour, `the vault holds ${points.length} restore points, above the policy's bound of ${retentionBound(policy)}`);
    // 2. The newest good restore point is there.
    if (newestGood && !points.some((m) => m.id === newestGood!.id)) violate(hour, `the newest good restore point ${newestGood.id} is gone from the vault`);
    const newest = newestGood && points.find((m) => m.id === newestGood!.id);
    if (newest && !storedBytesThere(vault, newest)) violate(hour, `the stored bytes of ${newest.id} are gone`);
    // 3. Every restore point the vault keeps is at every destination within a day of it being reachable.
    const atUsb = new Set(readManifests(path.join(usb, 'store')).map((m) => m.id));
    const atDrive = onDrive();
    for (const [id, held] of [['lifeboat', atUsb], ['drive', atDrive]] as const) {
      if (!reachable[id]) continue;
      const late = points.filter((m) => m.integrity.status === 'ok' && Math.max(Date.parse(m.createdAt), reachableSince[id]!) + DAY <= wall() && !held.has(m.id));
      if (late.length) violate(hour, `${late.length} restore point(s) kept in the vault are not at ${id} a day after they could be: ${late.slice(0, 3).map((m) => m.id).join(', ')}`);
    }
    if (atUsb.size > 2 * retentionBound(policy)) violate(hour, `the USB folder holds ${atUsb.size} restore points, above twice its retention's bound`);
    if (atDrive.size > 2 * retentionBound(drivePolicy)) violate(hour, `Google Drive holds ${atDrive.size} restore points, above twice its retention's bound`);
    // 4. Every fault visible while it lasts, and gone after.
    const health = await ask<Health>({ op: 'health' });
    for (const f of faults) {
      if (hour >= f.from + 3 && hour < f.to) {
        if (f.shows(health)) f.seenWhileActive = true;
        else violate(hour, `${f.name}, and health does not say so: ${health.summary}; ${health.reasons.map((r) => r.text).join(' | ')}`);
      }
      if (hour >= f.to + 24 && !f.goneAfter) {
        if (f.shows(health)) violate(hour, `${f.name} ended a day ago, and health still says so`);
        else f.goneAfter = true;
      }
    }
    // 5. Nothing Lifeboat did not create was touched.
    for (const f of foreign) {
      if (!reachable.lifeboat && f.file.startsWith(`${usb}${path.sep}`)) continue; // the disk is unplugged: its files are with it
      if (!existsSync(f.file)) violate(hour, `${f.file} (not Lifeboat's) is gone`);
      else if (fingerprint(f.file) !== f.fingerprint) violate(hour, `${f.file} (not Lifeboat's) was changed`);
    }
    if (driveForeignId && !em.files.has(driveForeignId)) violate(hour, 'the file on Google Drive that Lifeboat did not create is gone');
    // 6. Scheduled verification keeps running.
    const verifyState = (() => {
      try {
        return JSON.parse(readFileSync(path.join(dataDir, 'verify-state.json'), 'utf8')) as { last?: { at: string; error?: string } };
      } catch {
        return {};
      }
    })();
    const period = (opts.verification?.newestEveryDays ?? 7) * DAY;
    if (loopMs > period + 2 * DAY && !(dataDiskHandle && hour >= fFull.from && hour < fFull.to + 24)) {
      const last = verifyState.last?.at ? Date.parse(verifyState.last.at) : undefined;
      if (last === undefined || wall() - last > period + 2 * DAY) violate(hour, `no scheduled verification since ${verifyState.last?.at ?? 'the start'}`);
    }
    // 7. The schedule keeps going: a backup nearly every hour on an undisturbed day.
    const done = backupsByDay.get(day - 1) ?? 0;
    if (day >= 2 && !disturbedDays.has(day - 1) && done < 20) violate(hour, `only ${done} backups on day ${day - 1}`);
  };

  try {
    await startApp();
    const destinations = await ask<string[]>({
      op: 'setup',
      timeZone: 'Europe/Berlin',
      lowSpaceBytes: 32 * MB,
      verification: opts.verification ?? { newestEveryDays: 7, allEveryDays: 30, destinationSample: 2 },
      driveRetention: { keepDaily: 14 },
    });
    if (destinations.join(',') !== 'lifeboat,drive') throw new Error(`unexpected destinations: ${destinations.join(',')}`);
    disturbedDays.add(0);

    for (let hour = 0; hour < hours; hour++) {
      if (opts.signal?.aborted) {
        skipped.push(`stopped early at day ${Math.floor(hour / 24)}`);
        break;
      }
      for (const action of events.get(hour) ?? []) {
        const day = Math.floor(hour / 24);
        log(`day ${day}: ${action}`);
        switch (action) {
          case 'unplug-usb':
            renameSync(usb, unplugged);
            reachable.lifeboat = false;
            break;
          case 'plug-usb':
            renameSync(unplugged, usb);
            reachable.lifeboat = true;
            reachableSince.lifeboat = wall();
            break;
          case 'revoke-drive':
            em.revokeAll();
            reachable.drive = false;
            break;
          case 'reconnect-drive':
            await ask({ op: 'reconnect-drive' });
            reachable.drive = true;
            reachableSince.drive = wall();
            break;
          case 'disk-nearly-full':
            dataDiskHandle?.fill(24 * MB);
            break;
          case 'disk-full':
            dataDiskHandle?.fill(1 * MB);
            disturbedDays.add(day);
            disturbedDays.add(day + 1);
            break;
          case 'disk-free':
            dataDiskHandle?.empty();
            break;
          case 'jump-back-hour':
            wallOffset -= HOUR;
            await ask({ op: 'jump', ms: -HOUR });
            disturbedDays.add(day);
            break;
          case 'jump-forward-day':
            wallOffset += DAY;
            await ask({ op: 'jump', ms: DAY });
            disturbedDays.add(day);
            // Copies of what was made before the jump are due a day after they could be: the day passed in an instant.
            break;
          case 'time-zone':
            await ask({ op: 'time-zone', zone: 'America/New_York' });
            break;
          case 'catalog-lost': {
            await killApp();
            kills++;
            for (const f of ['catalog.db', 'catalog.db-wal', 'catalog.db-shm']) rmSync(path.join(dataDir, f), { force: true });
            await restart(0);
            disturbedDays.add(day);
            break;
          }
          case 'kill':
            break; // below: in the middle of the hour's work
        }
      }
      if (events.get(hour)?.includes('kill')) {
        // Killed at a random moment of the hour's work (the backup, a copy, a prune, a check), down a while, started again.
        const advancing = ask({ op: 'advance', ms: HOUR }).catch(() => undefined);
        await new Promise((r) => setTimeout(r, Math.floor(rand() * 120)));
        await killApp();
        await advancing;
        kills++;
        loopMs += HOUR;
        const down = Math.floor(rand() * 3);
        for (let d = 0; d <= down; d++) disturbedDays.add(Math.floor((loopMs + d * HOUR) / DAY));
        await restart(down);
        hour += down;
        disturbedDays.add(Math.floor((loopMs - HOUR) / DAY));
      } else {
        await ask({ op: 'advance', ms: HOUR });
        loopMs += HOUR;
      }
      if (hour === 2) {
        // Once the first copies are there: files Lifeboat did not create, beside its own.
        plantForeign(path.join(dataDir, 'my notes.txt'));
        plantForeign(path.join(vault, 'README (mine).txt'));
        plantForeign(path.join(vault, 'store', 'store-export.csv'));
        plantForeign(path.join(usb, 'family photos', 'beach.jpg'));
        plantForeign(path.join(usb, 'store', 'invoice.pdf'));
        const folder = [...em.files.values()].find((f) => f.name === 'store' && f.appProperties.lifeboat === 'source');
        if (folder) {
          driveForeignId = 'foreign-file';
          em.files.set(driveForeignId, { id: driveForeignId, name: 'notes.txt', mimeType: 'text/plain', parents: [folder.id], appProperties: {}, content: Buffer.from('mine'), createdTime: new Date().toISOString() });
        } else violate(hour, 'no store folder on Google Drive after two hours');
      }
      const now = loopMs / HOUR;
      for (const f of faults) {
        if (!f.checkedEarly && now >= f.from + 3 && now < f.to) {
          f.checkedEarly = true;
          const health = await ask<Health>({ op: 'health' });
          if (f.shows(health)) f.seenWhileActive = true;
          else violate(now, `${f.name} for 3 hours, and health does not say so: ${health.reasons.map((r) => r.text).join(' | ')}`);
        }
      }
      while (loopMs >= nextDaily) {
        await daily(nextDaily / HOUR);
        if ((nextDaily / DAY) % 30 === 0) log(`day ${nextDaily / DAY}: ${counts.backups} backups, ${violations.length} violations`);
        nextDaily += DAY;
      }
    }
    for (const f of faults) if (!f.seenWhileActive) violate(hours, `${f.name} was never seen in health`);
  } finally {
    const last = app;
    if (last) {
      const gone = new Promise((r) => last.once('exit', r));
      last.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
      await killApp().catch(() => undefined);
    }
    await writer.stop().catch(() => '');
    await em.close();
    for (const d of disks) {
      try {
        d.unmount();
      } catch {
        // already gone
      }
    }
    rmSync(base, { recursive: true, force: true });
  }

  const survived = faults.filter((f) => f.seenWhileActive && f.goneAfter).length + transient.length;
  const copies = Object.entries(counts.copies).map(([d, n]) => `${n} to ${d === 'lifeboat' ? 'the USB folder' : 'Google Drive'}`).join(', ');
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  const summary =
    `${days} days of hourly backups: ${counts.backups} backups (${counts.failedBackups} failed while the disk was full or the app was killed), ` +
    `${counts.prunedInVault} pruned in the vault and ${counts.prunedAtDestinations} at destinations, copies ${copies}, ${counts.verifications} scheduled verifications, ` +
    `faults survived ${survived}/${faults.length + transient.length} (${kills} kills), invariant violations ${violations.length} (${seconds} s)`;
  return {
    days,
    backups: counts.backups,
    failedBackups: counts.failedBackups,
    prunedInVault: counts.prunedInVault,
    prunedAtDestinations: counts.prunedAtDestinations,
    copies: counts.copies,
    verifications: counts.verifications,
    faults: [...faults.map((f) => f.name), ...transient],
    faultsSurvived: survived,
    kills,
    violations,
    skipped,
    seconds,
    summary,
  };
}

/**
 * Whether what a restore point's manifest names is in the vault: a whole-file one's artifact, or a
 * page-level one's map chunks in packs of the page store (the local page index says which pack
 * holds each, and the pack must be there).
 */
function storedBytesThere(vault: string, m: Manifest): boolean {
  if (!m.pages) return existsSync(path.join(vault, 'store', `store_${m.id}.sqlite`));
  const index = new Database(path.join(path.dirname(vault), 'page-index.db'), { readonly: true, fileMustExist: true });
  try {
    const packOf = index.prepare("SELECT b.pack FROM blobs b JOIN packs p ON p.id = b.pack AND p.place = 'vault' WHERE b.id = ?").pluck();
    return m.pages.map.every((id) => {
      const pack = packOf.get(id) as string | undefined;
      return pack !== undefined && readdirSync(path.join(vault, '_pages')).some((f) => f.startsWith(`${pack}.pack.`));
    });
  } finally {
    index.close();
  }
}

