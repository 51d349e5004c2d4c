// Reading an object back from a destination, bounded and resumed: never more than the caller
// allows (what a manifest declares), and a connection cut part-way is picked up where it stopped
// with load(offset), after a backoff. What comes from a destination is foreign data: its size is
// what the caller expects, or it is refused.
import { isLifeboatError, LifeboatError } from '../common/errors.ts';
import type { Storage } from '../storage/storage.ts';

export interface BoundedReadOptions {
  signal?: AbortSignal;
  /** Waits between attempts (real time: a retry waits for the network). */
  sleep: (ms: number) => Promise<void>;
  /** The error for an object that holds more than allowed. */
  tooLarge: () => LifeboatError;
  /** The destination's name, for the message when it keeps failing. */
  where: string;
  /** Attempts in a row without progress before giving up (READ_ATTEMPTS). */
  attempts?: number;
}

/** Attempts that fail in a row (each after a longer wait: 2 s, 4 s … 30 s) before a download gives up. */
export const READ_ATTEMPTS = 7;

/** Whether a failed load may succeed if asked again (a cut connection, a server's bad moment). */
const transient = (e: unknown) => !isLifeboatError(e) || e.code === 'busy';

/**
 * Passes the bytes of `name` to `sink`, in order, and returns how many there were: at most `limit`
 * (one byte more is `tooLarge()`, and nothing of it reaches the sink). A load cut part-way resumes
 * from the byte it reached; `attempts` failures in a row without progress give up.
 */
export async function readBounded(storage: Storage, name: string, limit: number, sink: (chunk: Uint8Array) => unknown, opts: BoundedReadOptions): Promise<number> {
  let have = 0;
  for (let failures = 0; ; ) {
    opts.signal?.throwIfAborted();
    try {
      // One byte past the limit is asked for: if it comes, the object is larger than declared.
      const stream = await storage.load(name, { offset: have, length: limit + 1 - have, signal: opts.signal });
      for await (const chunk of stream as AsyncIterable<Uint8Array>) {
        if (have + chunk.length > limit) {
          stream.destroy();
          throw opts.tooLarge();
        }
        have += chunk.length;
        failures = 0;
        await sink(chunk);
      }
      return have;
    } catch (e) {
      if (opts.signal?.aborted || !transient(e)) throw e;
      if (++failures >= (opts.attempts ?? READ_ATTEMPTS)) {
        const why = isLifeboatError(e) ? e.message : (e as Error).message;
        throw new LifeboatError('busy', `Reading ${name} from ${opts.where} failed ${failures} times in a row (${why})`, 'Check the connection and try again later');
      }
      await opts.sleep(Math.min(1000 * 2 ** failures, 30_000));
    }
  }
}
