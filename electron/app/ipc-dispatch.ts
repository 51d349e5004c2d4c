// The transport-free half of IPC: validate a payload against the contract, call the handler, and
// turn any failure into an error a person can read. Bound to ipcMain in the app and to a
// Playwright binding in e2e, so both run the same checks.
import type { ChannelName, IpcContract, IpcHandlers, IpcResult } from '../../shared/ipc-contract.ts';
import { isLifeboatError } from '../engine/common/errors.ts';
import { noLog, type Log } from '../engine/common/log.ts';

/** Validates `payload` for `name` and runs its handler; never throws. */
export async function invokeChecked(contract: IpcContract, handlers: IpcHandlers, name: string, payload: unknown, log: Log = noLog): Promise<IpcResult<unknown>> {
  if (!Object.hasOwn(contract, name)) return { ok: false, error: { code: 'usage', message: `Unknown channel ${name}`, hint: '' } };
  const channel = name as ChannelName;
  const parsed = contract[channel].input.safeParse(payload);
  if (!parsed.success) {
    return { ok: false, error: { code: 'usage', message: `Invalid request for ${channel}: ${parsed.error.issues[0]?.message ?? 'bad input'}`, hint: '' } };
  }
  try {
    const handler = handlers[channel] as (input: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data) };
  } catch (e) {
    if (isLifeboatError(e)) return { ok: false, error: e.toJSON() };
    log.error(`unexpected error in ${channel}`, e);
    return { ok: false, error: { code: 'internal', message: 'Something went wrong inside Lifeboat', hint: 'The details are in the log (Settings → Open the log)' } };
  }
}
