// The error codes every layer speaks and the shape an error takes when it crosses a boundary (IPC,
// `lifeboat --json`): what happened, and what to do about it. The engine throws them, the CLI prints
// them, the renderer shows them and decides on `code`, never on the wording.

export const errorCodes = [
  'usage',
  'not-found',
  'is-directory',
  'empty-file',
  'not-sqlite',
  'corrupt',
  'locked',
  'hot-journal',
  'unreadable',
  'too-large',
  'disk-full',
  'read-only',
  'busy',
  'in-use',
  'tampered',
  'bad-manifest',
  'unknown-restore-point',
  'unknown-source',
  'unknown-destination',
  'exists',
  'cancelled',
  'integrity-failed',
  'wrong-key',
  /** Rows brought back would break a constraint of the database (a unique value, a foreign key). */
  'conflict',
  /** A table's layout differs between a restore point and the database now (gone, or another key). */
  'schema-changed',
  /** An IPC call from something other than the app's own window. */
  'forbidden',
  'internal',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/** An error as it crosses a boundary: `message` says what happened, `hint` what to do. */
export interface ErrorJson {
  code: ErrorCode;
  message: string;
  hint: string;
}

/** The error code an error thrown across IPC carries (undefined for anything else). */
export function errorCodeOf(e: unknown): ErrorCode | undefined {
  const code = e && typeof e === 'object' && 'code' in e ? (e as { code: unknown }).code : undefined;
  return typeof code === 'string' && (errorCodes as readonly string[]).includes(code) ? (code as ErrorCode) : undefined;
}
