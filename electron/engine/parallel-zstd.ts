// zstd on more than one core: the input is cut into blocks that are compressed as independent
// frames at the same time (Node's zlib runs each on the libuv thread pool) and written out in
// order. A file of concatenated frames is a standard .zst: `zstd -d` and Node's decompressor give
// back the concatenation. Memory stays flat: at most `concurrency` blocks are in flight.
import { availableParallelism } from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import { promisify } from 'node:util';
import { constants, zstdCompress } from 'node:zlib';

const compress = promisify(zstdCompress);

/** A Transform that zstd-compresses at `level`, `blockBytes` per frame, on `concurrency` threads. */
export function parallelZstdCompress(level: number, opts: { blockBytes?: number; concurrency?: number } = {}): Transform {
  const blockBytes = opts.blockBytes ?? 8 * 1024 * 1024;
  const concurrency = Math.max(1, opts.concurrency ?? Math.min(4, availableParallelism()));
  const params = { [constants.ZSTD_c_compressionLevel]: level };
  let parts: Buffer[] = [];
  let partBytes = 0;
  let frames = 0;
  const inflight: Promise<Buffer>[] = [];
  const start = (block: Buffer) => {
    frames++;
    inflight.push(compress(block, { params, chunkSize: 1024 * 1024 }));
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      parts.push(chunk);
      partBytes += chunk.length;
      const work = async () => {
        while (partBytes >= blockBytes) {
          const all = parts.length === 1 ? parts[0]! : Buffer.concat(parts, partBytes);
          start(all.subarray(0, blockBytes));
          const rest = all.subarray(blockBytes);
          parts = rest.length ? [rest] : [];
          partBytes = rest.length;
          // Keep at most `concurrency` frames in flight; emit the oldest in order.
          while (inflight.length >= concurrency) this.push(await inflight.shift());
        }
      };
      work().then(() => callback(), callback);
    },
    flush(callback: TransformCallback) {
      // An empty input still makes one (empty) frame, so the output is a valid .zst.
      if (partBytes > 0 || frames === 0) start(parts.length === 1 ? parts[0]! : Buffer.concat(parts, partBytes));
      (async () => {
        while (inflight.length) this.push(await inflight.shift());
      })().then(() => callback(), callback);
    },
  });
}
