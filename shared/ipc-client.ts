// The client side of the IPC contract: one async method per channel over an `invoke` transport,
// and `on` over a `subscribe` transport for the events main pushes. The preload uses it over
// ipcRenderer; the e2e harness injects the same function over a Playwright binding. It is
// self-contained (no imports, no closures over module state) so it can be shipped as text.
import type { ErrorJson } from './errors.ts';
import type { IpcResult, LifeboatApi } from './ipc-contract.ts';

/** Builds `window.lifeboat` from the channel and event names and a transport. */
export function createLifeboatApi(
  names: readonly string[],
  invoke: (channel: string, input: unknown) => Promise<unknown>,
  eventNames: readonly string[],
  subscribe: (event: string, listener: (payload: unknown) => void) => () => void,
): LifeboatApi {
  const api: Record<string, unknown> = {};
  for (const name of names) {
    api[name] = async (input: unknown) => {
      const result = (await invoke(name, input)) as IpcResult<unknown>;
      if (!result.ok) {
        const error = new Error(result.error.message) as Error & Partial<ErrorJson>;
        error.code = result.error.code;
        error.hint = result.error.hint;
        throw error;
      }
      return result.value;
    };
  }
  api.on = (event: string, listener: (payload: unknown) => void) => {
    if (!eventNames.includes(event)) throw new Error(`Unknown event ${event}`);
    return subscribe(event, listener);
  };
  return api as LifeboatApi;
}
