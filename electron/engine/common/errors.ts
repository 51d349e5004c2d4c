// One error type for everything a person can cause or fix: what happened, and what to do about it.
// The codes and the JSON shape are shared/errors.ts's, so the CLI and the renderer read them alike.
import type { ErrorCode, ErrorJson } from '../../../shared/errors.ts';

/** A failure explained for a person: `message` says what happened, `hint` what to do. */
export class LifeboatError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;

  constructor(code: ErrorCode, message: string, hint = '', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LifeboatError';
    this.code = code;
    this.hint = hint;
  }

  /** The message and the hint on one line. */
  get oneLine(): string {
    return this.hint ? `${this.message}. ${this.hint}` : this.message;
  }

  toJSON(): ErrorJson {
    return { code: this.code, message: this.message, hint: this.hint };
  }
}

export function isLifeboatError(e: unknown): e is LifeboatError {
  return e instanceof LifeboatError;
}

/** The errno-style code of a Node or SQLite error, if it has one. */
export function errorCode(e: unknown): string | undefined {
  if (e && typeof e === 'object' && 'code' in e && typeof e.code === 'string') return e.code;
  return undefined;
}

/**
 * Turns a filesystem error met while writing into the vault (or next to a database) into a
 * LifeboatError that says which folder and what to do. Other errors pass through unchanged.
 */
export function explainWriteError(e: unknown, where: string): unknown {
  switch (errorCode(e)) {
    case 'ENOSPC':
    case 'EDQUOT':
    case 'SQLITE_FULL':
      return new LifeboatError('disk-full', `The disk holding ${where} is full`, 'Free some space (or prune old restore points with `lifeboat prune`) and try again', { cause: e });
    case 'EROFS':
    case 'EACCES':
    case 'EPERM':
    case 'SQLITE_READONLY':
    case 'SQLITE_CANTOPEN':
      return new LifeboatError('read-only', `Lifeboat cannot write to ${where}`, 'Check that the folder exists, is writable by you and is not on a read-only disk', { cause: e });
    default:
      return e;
  }
}
