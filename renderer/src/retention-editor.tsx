// The retention policy of one database, each rule a sentence with its number, with a preview of
// what it would delete now. Nothing is deleted from here: pruning happens after backups, under the
// same never-delete rules.
import { useEffect, useState } from 'react';
import type { RetentionPreview } from '../../shared/ipc-contract.ts';
import type { RetentionPolicy } from '../../shared/model.ts';
import { explain, whenExact } from './format.ts';

/** Each rule as a sentence around its number ("Keep one a day for the last [7] days"). */
const RULES: { key: keyof RetentionPolicy; before: string; after: (n: number) => string }[] = [
  { key: 'keepLast', before: 'Keep the last', after: (n) => (n === 1 ? 'restore point' : 'restore points') },
  { key: 'keepDaily', before: 'Keep one a day for the last', after: (n) => (n === 1 ? 'day' : 'days') },
  { key: 'keepWeekly', before: 'Keep one a week for the last', after: (n) => (n === 1 ? 'week' : 'weeks') },
  { key: 'keepMonthly', before: 'Keep one a month for the last', after: (n) => (n === 1 ? 'month' : 'months') },
  { key: 'keepYearly', before: 'Keep one a year for the last', after: (n) => (n === 1 ? 'year' : 'years') },
  { key: 'keepWithinDays', before: 'Keep every restore point from the last', after: (n) => (n === 1 ? 'day' : 'days') },
  { key: 'minCount', before: 'Never keep fewer than', after: (n) => (n === 1 ? 'restore point' : 'restore points') },
];

export function RetentionEditor({ sourceId, onSave }: { sourceId: string; onSave: (policy: Partial<RetentionPolicy> | null) => Promise<void> }) {
  const [draft, setDraft] = useState<Partial<RetentionPolicy>>({});
  const [preview, setPreview] = useState<RetentionPreview | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    let live = true;
    void window.lifeboat['retention:preview']({ sourceId, policy: draft }).then(
      (p) => {
        if (!live) return;
        setPreview(p);
        setError(undefined);
      },
      (e: Error & { hint?: string }) => live && setError(explain(e)),
    );
    return () => {
      live = false;
    };
  }, [sourceId, draft]);
  if (!preview) return <div className="retention">Loading…</div>;
  return (
    <div className="retention" aria-label="Retention">
      <p className="muted">A restore point is kept when any rule keeps it; 0 switches a rule off.</p>
      <ul className="rules">
        {RULES.map((r) => {
          const value = draft[r.key] ?? preview.policy[r.key];
          return (
            <li key={r.key}>
              <label>
                {r.before}{' '}
                <input
                  type="number"
                  min={0}
                  max={10000}
                  aria-label={`${r.before} … ${r.after(2)}`}
                  value={value}
                  onChange={(e) => setDraft({ ...draft, [r.key]: Math.max(0, Math.floor(Number(e.target.value) || 0)) })}
                />{' '}
                {r.after(value)}
              </label>
            </li>
          );
        })}
      </ul>
      <p className="muted">Pinned restore points, the newest good one and safety copies from the last days are always kept.</p>
      {error && <p className="banner error">{error}</p>}
      <div aria-label="Retention preview" className="preview">
        {preview.remove.length === 0 ? (
          <p>With these rules nothing would be deleted now ({preview.keep.length} kept).</p>
        ) : (
          <>
            <p>
              With these rules, <strong>{preview.remove.length}</strong> restore point{preview.remove.length === 1 ? '' : 's'} would be deleted after the next backup ({preview.keep.length} kept):
            </p>
            <ul>
              {preview.remove.slice(0, 8).map((d) => (
                <li key={d.id}>{whenExact(d.createdAt)}</li>
              ))}
              {preview.remove.length > 8 && <li>and {preview.remove.length - 8} more</li>}
            </ul>
          </>
        )}
      </div>
      <div className="buttons">
        <button type="button" className="primary" disabled={Object.keys(draft).length === 0} onClick={() => void onSave(draft).then(() => setDraft({}))}>
          Save rules
        </button>
        <button type="button" onClick={() => void onSave(null).then(() => setDraft({}))}>
          Use the default rules
        </button>
      </div>
    </div>
  );
}
