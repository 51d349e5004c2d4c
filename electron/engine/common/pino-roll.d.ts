// pino-roll ships no types: the part of its API the log uses (it returns a SonicBoom stream).
declare module 'pino-roll' {
  import type { DestinationStream } from 'pino';
  interface RollStream extends DestinationStream {
    end(): void;
    /** Closes the file without writing what is buffered. */
    destroy(): void;
    flushSync?(): void;
    on(event: 'error', listener: (err: Error) => void): this;
    once(event: 'close', listener: () => void): this;
  }
  export default function roll(options: {
    file: string;
    extension?: string;
    size?: string | number;
    frequency?: string | number;
    limit?: { count?: number; removeOtherLogFiles?: boolean };
    mode?: number;
    sync?: boolean;
    mkdir?: boolean;
  }): Promise<RollStream>;
}
