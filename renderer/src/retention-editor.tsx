// The retention policy of one database, with a preview of what it would delete now. Nothing is
// deleted from here: pruning happens after backups, under the same never-delete rules.
import { useEffect, useState } from 'react';
import type { RetentionPreview } from '../../shared/ipc-contract.ts';
import type { RetentionPolicy } from '../../shared/model.ts';
import { explain, when } from './format.ts';

const RULES: { key: keyof RetentionPolicy; label: string }[] = [
  { key: 'keepLast', label: 'the last' },
  { key: 'keepDaily', label: 'one a day for days' },
  { key: 'keepWeekly', label: 'one a week for weeks' },
  { key: 'keepMonthly', label: 'one a month for months' },
  { key: 'keepYearly', label: 'one a year for years' },
  { key: 'keepWithinDays', label: 'everything from the last days' },
  { key: 'minCount', label: 'never fewer than' },
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
      <p className="muted">Keep:</p>
      <div className="rules">
        {RULES.map((r) => (
          <label key={r.key}>
            <input
              type="number"
              min={0}
              max={10000}
              aria-label={`Keep ${r.label}`}
              value={draft[r.key] ?? preview.policy[r.key]}
              onChange={(e) => setDraft({ ...draft, [r.key]: Math.max(0, Math.floor(Number(e.target.value) || 0)) })}
            />{' '}
            {r.label}
          </label>
        ))}
      </div>
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
                <li key={d.id}>{when(d.createdAt)}</li>
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
