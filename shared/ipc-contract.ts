// The one IPC contract between the renderer and main: for each channel, the input schema (checked
// in main before any service runs) and the output type. The main-side binder and the preload
// client are both derived from this table; nothing here is written twice.
import { z } from 'zod';
import type { Manifest, Source } from './model.ts';
import { restorePointIdSchema, scheduleSchema, sourceIdSchema, type Schedule } from './model.ts';

/** A channel: its input schema and (as a phantom type) its output. */
export interface Channel<I extends z.ZodType, O> {
  input: I;
  output?: O;
}
const channel = <O>() => <I extends z.ZodType>(input: I): Channel<I, O> => ({ input });

export interface SourceSummary {
  source: Source;
  missing: boolean;
  restorePoints: number;
  bytes: number;
  newest?: Manifest;
}

export interface StatusView {
  vaultDir: string;
  freeBytes?: number;
  sources: SourceSummary[];
}

export const ipcContract = {
  'status:get': channel<StatusView>()(z.undefined()),
  'restore-points:list': channel<Manifest[]>()(z.object({ sourceId: sourceIdSchema.optional() }).strict()),
  'backup:run': channel<Manifest>()(z.object({ sourceId: sourceIdSchema }).strict()),
  'restore-points:verify': channel<{ ok: boolean; message: string }>()(z.object({ id: restorePointIdSchema }).strict()),
  /** Opens the system file dialog (in main) and registers the chosen database. */
  'sources:choose': channel<Source | null>()(z.undefined()),
  'restore:run': channel<RestoreSummary>()(z.object({ id: restorePointIdSchema }).strict()),
  'restore:undo': channel<RestoreSummary>()(z.undefined()),
  'schedule:get': channel<ScheduleView>()(z.object({ sourceId: sourceIdSchema }).strict()),
  'schedule:set': channel<ScheduleView>()(z.object({ sourceId: sourceIdSchema, schedule: scheduleSchema }).strict()),
} as const;

/** A source's schedule with the time zone it runs in and its next five runs (ISO, UTC). */
export interface ScheduleView {
  sourceId: string;
  schedule: Schedule;
  timeZone: string;
  next: string[];
}

/** What the renderer learns about a restore: never paths it did not already show, never secrets. */
export interface RestoreSummary {
  restoredId: string;
  target: string;
  safetyCopyId?: string;
  requiresRestart: boolean;
  holders: { pid: number; name: string }[];
}

export type IpcContract = typeof ipcContract;
export type ChannelName = keyof IpcContract;
export type ChannelInput<C extends ChannelName> = z.input<IpcContract[C]['input']>;
export type ChannelOutput<C extends ChannelName> = IpcContract[C] extends Channel<z.ZodType, infer O> ? O : never;

/** A handler table that serves the whole contract. */
export type IpcHandlers = { [C in ChannelName]: (input: z.output<IpcContract[C]['input']>) => Promise<ChannelOutput<C>> };

/** The object the preload exposes as `window.lifeboat`: one method per channel. */
export type LifeboatApi = { [C in ChannelName]: (input: ChannelInput<C>) => Promise<ChannelOutput<C>> };

/** What an IPC call returns across the boundary: a value, or an error a person can read. */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string; hint: string } };

export const channelNames = Object.keys(ipcContract) as ChannelName[];
