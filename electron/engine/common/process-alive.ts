// Whether a process that left a note (a pending restore, a temp file named after its pid) still runs.
import { errorCode } from './errors.ts';

/** True when `pid` is a running process (one we may not signal counts as running). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errorCode(e) === 'EPERM';
  }
}
