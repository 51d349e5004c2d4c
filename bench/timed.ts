// Runs a command the way the benchmark measures it: wall time and peak resident memory.
import { spawnSync } from 'node:child_process';

export interface Run {
  seconds: number;
  peakKb: number;
  /** User + system CPU time of the command and its children (s), where measured. */
  cpuSeconds?: number;
}

/** How long one run may take before it is reported as "gave up". */
export const GIVE_UP_S = 120;

/** Runs a command under /usr/bin/time: wall time, peak resident memory and CPU time. */
export function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Run & { stdout: string } {
  const t0 = performance.now();
  // `timeout` (inside `time`, so the tool itself is killed, not left running beside the next one):
  // a stepped copy that a writer keeps restarting may never finish; report that, do not wait forever.
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', 'timeout', '-s', 'KILL', String(GIVE_UP_S), cmd, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status === 137 || /Command terminated by signal 9|exit status 137/.test(r.stderr)) return { seconds: Number.POSITIVE_INFINITY, peakKb: 0, stdout: '{"id":""}' };
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const [peakKb, user, sys] = (r.stderr.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
  return { seconds, peakKb: peakKb ?? 0, cpuSeconds: (user ?? 0) + (sys ?? 0), stdout: r.stdout };
}
