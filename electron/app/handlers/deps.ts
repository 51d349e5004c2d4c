// What every IPC handler is given: the engine, the jobs, the scheduler, the shell's effects and the
// desktop services' own actions.
import type { Health, Manifest, Trigger } from '../../../shared/model.ts';
import type { DestinationKinds } from '../../destinations/registry.ts';
import type { Engine, VaultStatus } from '../../engine/engine.ts';
import type { Scheduler } from '../../schedule/scheduler.ts';
import type { VerificationSummary } from '../../schedule/verification-scheduler.ts';
import type { DesktopEffects } from '../effects.ts';
import type { Jobs } from '../jobs.ts';
import type { Alerts } from '../alerts/alerts.ts';

export interface HandlerDeps {
  engine: Engine;
  jobs: Jobs;
  scheduler: Scheduler;
  effects: DesktopEffects;
  env: NodeJS.ProcessEnv;
  backUp: (sourceId: string, trigger: Extract<Trigger, 'manual' | 'scheduled'>, o?: { firstBackup?: boolean }) => Promise<Manifest>;
  /** Judges health, from `status` when the caller already read it. */
  checkHealth: (status?: VaultStatus) => Promise<Health>;
  /** Something the other screens, the tray or the scheduler show has changed. */
  settingsChanged: () => void;
  /** Sends what waits for a destination now, in the background (after one is set up or signed in again). */
  sendNow: (destinationId: string) => void;
  setPaused: (paused: boolean) => boolean;
  /** The log file written now, if there is one. */
  logFile: () => Promise<string | undefined>;
  /** Every kind of destination this build can set up (the registry). */
  kinds: DestinationKinds;
  /** The verification schedule's last run and next one. */
  verificationStatus?: () => { last?: VerificationSummary; nextAt?: string };
  /** What runs the schedule, in words (the Overview). */
  scheduleRunner?: () => Promise<{ text: string }>;
  /** The alerts that leave the machine (a test from Settings). */
  alerts?: Pick<Alerts, 'test'>;
}
