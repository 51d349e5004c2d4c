// Every IPC payload is validated before a handler runs: malformed input is an error, never a call.
import { expect, it } from 'vitest';
import { channelNames, ipcContract, type IpcHandlers } from '../../shared/ipc-contract.ts';
import { LifeboatError } from '../engine/common/errors.ts';
import { invokeChecked } from './ipc-dispatch.ts';

function recordingHandlers(calls: string[]): IpcHandlers {
  const handler = (name: string) => async (input: unknown) => {
    calls.push(`${name} ${JSON.stringify(input)}`);
    if (name === 'restore-points:verify') throw new LifeboatError('tampered', 'bad artifact', 'pick another');
    return undefined as never;
  };
  return Object.fromEntries(channelNames.map((n) => [n, handler(n)])) as unknown as IpcHandlers;
}

it('rejects unknown channels and malformed payloads without calling anything', async () => {
  const calls: string[] = [];
  const handlers = recordingHandlers(calls);
  const bad: [string, unknown][] = [
    ['shell:open', {}],
    ['__proto__', {}],
    ['backup:run', undefined],
    ['backup:run', { sourceId: '../etc' }],
    ['backup:run', { sourceId: 'store', extra: true }],
    ['restore-points:verify', { id: '../../x' }],
    ['restore-points:list', 'store'],
    ['status:get', { anything: 1 }],
  ];
  for (const [name, payload] of bad) {
    const r = await invokeChecked(ipcContract, handlers, name, payload);
    expect(r.ok, `${name} ${JSON.stringify(payload)}`).toBe(false);
  }
  expect(calls).toEqual([]);
});

it('fuzz: random payloads on every channel never throw and never reach a handler unless valid', async () => {
  const calls: string[] = [];
  const handlers = recordingHandlers(calls);
  const values: unknown[] = [
    null, 0, -1, 1e308, '', 'x'.repeat(10_000), [], {}, { sourceId: 1 }, { id: null }, { sourceId: 'ok', id: '20261122T103700Z-a1b2c3' }, Symbol.for('x'), () => 1, new Date(),
    { id: '20261122T103700Z-a1b2c3', pinned: 'yes' }, { paused: 1 }, { passphrase: 'short' }, { passphrase: 'x'.repeat(5000) }, { jobId: '../x' },
    { sourceId: 'store', patch: { compressLevel: 99 } }, { sourceId: 'store', patch: { encryption: { kind: 'recipients', recipients: ['not-a-key'] } } },
    { sourceId: 'store', patch: { retention: { keepLast: -1 } } }, { sourceId: 'store', policy: { keepLast: 1.5 } }, { clientId: 'short' }, { closeToTray: 'no' },
    { id: '20261122T103700Z-a1b2c3', toAnotherFile: 'yes' }, { sourceId: 'store', schedule: { kind: 'cron' } }, { id: '../../etc', enabled: true },
    { __proto__: { sourceId: 'store' } }, JSON.parse('{"__proto__": {"polluted": true}, "sourceId": "store"}'),
  ];
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < 500; i++) {
    const name = channelNames[Math.floor(rand() * channelNames.length)]!;
    const payload = values[Math.floor(rand() * values.length)];
    const r = await invokeChecked(ipcContract, handlers, name, payload);
    if (r.ok) expect(ipcContract[name].input.safeParse(payload).success).toBe(true);
  }
  // Whatever reached a handler was valid for its channel, and nothing polluted Object's prototype.
  expect(calls.length).toBeGreaterThan(0);
  for (const call of calls) {
    const [name, json] = [call.slice(0, call.indexOf(' ')), call.slice(call.indexOf(' ') + 1)];
    expect(ipcContract[name as keyof typeof ipcContract].input.safeParse(json === 'undefined' ? undefined : JSON.parse(json)).success, call).toBe(true);
  }
  expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
});

it('turns a LifeboatError into a readable error and hides anything else', async () => {
  const r = await invokeChecked(ipcContract, recordingHandlers([]), 'restore-points:verify', { id: '20261122T103700Z-a1b2c3' });
  expect(r).toEqual({ ok: false, error: { code: 'tampered', message: 'bad artifact', hint: 'pick another' } });
});

it('answers an unexpected failure with a plain message and puts its details (stack included) in the log', async () => {
  const { openLog, readLog } = await import('../engine/common/log.ts');
  const { tempDir } = await import('../engine/testing/fixtures.ts');
  const t = tempDir();
  try {
    const log = await openLog(t.dir, { process: 'app' });
    const handlers = { ...recordingHandlers([]), 'status:get': async () => JSON.parse('{oops') as never } as IpcHandlers;
    const r = await invokeChecked(ipcContract, handlers, 'status:get', undefined, log);
    await log.close();
    expect(r).toEqual({ ok: false, error: { code: 'internal', message: 'Something went wrong inside Lifeboat', hint: expect.stringMatching(/log/) } });
    const [entry] = await readLog(t.dir, 1);
    expect(entry).toMatchObject({ level: 'error', msg: 'unexpected error in status:get', err: { message: expect.stringMatching(/JSON/), stack: expect.stringMatching(/ipc-dispatch\.test\.ts/) } });
  } finally {
    t.cleanup();
  }
});
