// How numbers and times read on screen.

/** Bytes as KB/MB/GB (powers of 1000, as file managers show them). */
export const bytes = (n: number): string => (n === 0 ? '0 KB' : n >= 1e9 ? `${(n / 1e9).toFixed(1)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1e3))} KB`);
/** A date and time in the person's locale. */
export const when = (iso: string): string => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
/** The same with seconds, for lists where several restore points share a minute. */
export const whenExact = (iso: string): string => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'medium' });
/** A duration in words: "12 s", "3 min 5 s". */
export const duration = (seconds: number): string => (seconds < 60 ? `${Math.max(0, Math.round(seconds))} s` : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`);
/** An error's message and its hint as one sentence pair. */
export const explain = (e: { message: string; hint?: string }): string => `${e.message}${e.hint ? `. ${e.hint}` : ''}`;
