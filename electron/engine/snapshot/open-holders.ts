// Who else has a file open. A restore must never rename over a database another process holds:
// that process would go on writing to the unlinked file.
import { execFile } from 'node:child_process';
import { readdir, readFile, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

export interface Holder {
  pid: number;
  name: string;
}

/**
 * The other processes that hold any of `files` open, or `undefined` when this platform cannot tell
 * (then the caller must assume someone might). Linux reads /proc; macOS asks `lsof`.
 */
export async function findHolders(files: string[]): Promise<Holder[] | undefined> {
  const targets = new Set<string>();
  for (const f of files) targets.add(await realpath(f).catch(() => f));
  if (process.platform === 'linux') return linuxHolders(targets);
  if (process.platform === 'darwin') return lsofHolders([...targets]);
  return undefined;
}

async function linuxHolders(targets: Set<string>): Promise<Holder[] | undefined> {
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid);
  } catch {
    return undefined;
  }
  const holders: Holder[] = [];
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to look at
    }
    for (const fd of fds) {
      const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      if (targets.has(link)) {
        // The program's file name (comm is a thread's name: Node calls its main thread "MainThread").
        const exe = await readlink(`/proc/${pid}/exe`).catch(() => '');
        const name = exe ? path.basename(exe).replace(/ \(deleted\)$/, '') : (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim();
        holders.push({ pid: Number(pid), name });
        break;
      }
    }
  }
  return holders;
}

async function lsofHolders(targets: string[]): Promise<Holder[] | undefined> {
  try {
    const { stdout } = await promisify(execFile)('lsof', ['-F', 'pc', '--', ...targets]);
    return parseLsof(stdout);
  } catch (e) {
    // lsof exits 1 when no process has the files open
    if (e && typeof e === 'object' && 'code' in e && e.code === 1) return [];
    return undefined;
  }
}

function parseLsof(out: string): Holder[] {
  const holders: Holder[] = [];
  let pid = 0;
  for (const line of out.split('\n')) {
    if (line.startsWith('p')) pid = Number(line.slice(1));
    else if (line.startsWith('c') && pid && pid !== process.pid && !holders.some((h) => h.pid === pid)) holders.push({ pid, name: line.slice(1) });
  }
  return holders;
}

/** "pid 123 (store-app), pid 456 (sqlite3)" */
export function describeHolders(holders: Holder[]): string {
  return holders.map((h) => `pid ${h.pid} (${h.name})`).join(', ');
}

/** "chromium", "store-app and sqlite3": who holds a file, by program name. */
export function holderNames(holders: Holder[]): string {
  const names = [...new Set(holders.map((h) => h.name))];
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
