// What only the Electron shell can do for the desktop services (dialogs, the system browser, login
// items). main/ implements it with Electron; the e2e harness and the tests pass stand-ins.

/** What only the shell can do; the harness passes stand-ins. */
export interface DesktopEffects {
  /** The system "open file" dialog for a database; undefined when cancelled. */
  chooseDatabase(): Promise<string | undefined>;
  /** The system folder dialog for a destination; undefined when cancelled. */
  chooseFolder(): Promise<string | undefined>;
  /** The system "save as" dialog for restoring into another file; undefined when cancelled. */
  chooseRestoreTarget(suggestedName: string): Promise<string | undefined>;
  /** The system "save as" dialog for a table written out of a restore point (CSV or SQLite); undefined when cancelled. */
  chooseExportTarget(suggestedName: string): Promise<string | undefined>;
  /** Opens Google's sign-in page in the system browser (the shell accepts only checked https URLs). */
  openExternal(url: string): Promise<void>;
  /** Applies "start at login" to the operating system. */
  setOpenAtLogin?(on: boolean): void;
}
