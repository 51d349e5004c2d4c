// pino-roll ships no types: the part of its API the log uses (it returns a SonicBoom stream).
declare module 'pino-roll' {
  import type { DestinationStream } from 'pino';
  interface RollStream extends DestinationStream {
    end(): void;
    flushSync?(): void;
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
