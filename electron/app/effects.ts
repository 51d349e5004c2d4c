// What only the Electron shell can do for the desktop services (dialogs, the system browser, login
// items). main/ implements it with Electron; the e2e harness and the tests pass stand-ins.

/** A question main asks in a native dialog before something that cannot be taken back by the renderer. */
export interface ConfirmRequest {
  /** What is about to happen, naming the real file: "Replace /home/me/store.db with …?" */
  message: string;
  /** What follows from it (the safety copy, programs that have the file open, copies elsewhere). */
  detail: string;
  /** The button that goes ahead ("Restore", "Undo", "Delete"); the other one cancels. */
  confirmLabel: string;
}

/** What only the shell can do; the harness passes stand-ins. */
export interface DesktopEffects {
  /**
   * A native confirmation dialog shown by main, never drawn by the renderer, before an in-place
   * restore, an undo or a delete: a compromised renderer cannot do any of them alone. True only
   * when the person confirmed.
   */
  confirm(request: ConfirmRequest): Promise<boolean>;
  /** The system "open file" dialog for a database; undefined when cancelled. */
  chooseDatabase(): Promise<string | undefined>;
  /** The system folder dialog (for a destination, or with `purpose` 'vault' for the vault's new place); undefined when cancelled. */
  chooseFolder(purpose?: 'destination' | 'vault'): Promise<string | undefined>;
  /** The system "save as" dialog for restoring into another file; undefined when cancelled. */
  chooseRestoreTarget(suggestedName: string): Promise<string | undefined>;
  /** The system "save as" dialog for a table written out of a restore point (CSV or SQLite); undefined when cancelled. */
  chooseExportTarget(suggestedName: string): Promise<string | undefined>;
  /** Opens Google's sign-in page in the system browser (the shell accepts only checked https URLs). */
  openExternal(url: string): Promise<void>;
  /** Opens a file Lifeboat wrote (the log) with the system's default program for it. */
  openPath(file: string): Promise<void>;
  /** Applies "start at login" to the operating system. */
  setOpenAtLogin?(on: boolean): void;
}
