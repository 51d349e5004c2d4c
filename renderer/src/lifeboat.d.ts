import type { LifeboatApi } from '../../shared/ipc-contract.ts';

declare global {
  interface Window {
    /** The typed API the preload exposes; the renderer's only way to reach main. */
    lifeboat: LifeboatApi;
  }
}
