// The concurrent writer around a measurement (writer.ts in its own process): it commits a small
// transaction every 5 ms, idle for 3 s first as a baseline; the latency of its commits is reported
// per label the measurement sets ("idle", then each tool's name).
import { spawn } from 'node:child_process';
import path from 'node:path';

export type Latency = Record<string, { n: number; p50: number; p99: number; max: number }>;

/** Runs `fn` while the writer commits to `db`; returns its result and the writer's latency per label. */
export async function withWriter<T>(db: string, fn: (label: (name: string) => void) => T): Promise<{ result: T; latency: Record<string, { n: number; p50: number; p99: number; max: number }> }> {
  const writer = spawn(process.execPath, [path.join(import.meta.dirname, 'writer.ts'), db], { stdio: ['pipe', 'pipe', 'inherit'] });
  // A bench that fails half-way must not leave the writer running (it would skew every later run).
  process.on('exit', () => void (writer.exitCode === null && writer.kill()));
  let out = '';
  writer.stdout.on('data', (d: Buffer) => (out += d.toString()));
  while (!out.includes('ready')) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 3000)); // idle baseline
  const label = (name: string) => writer.stdin.write(`label ${name}\n`);
  const result = fn(label);
  label('idle-after');
  await new Promise((r) => setTimeout(r, 1000));
  writer.stdin.write('report\n');
  await new Promise((r) => writer.on('close', r));
  return { result, latency: JSON.parse(out.split('\n').find((l) => l.startsWith('{')) ?? '{}') };
}
