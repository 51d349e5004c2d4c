// Editing one database's schedule: off, hourly, daily or weekly at a time, or cron; with the time
// zone it runs in and a preview of the next five runs.
import { useEffect, useState } from 'react';
import type { ScheduleView } from '../../shared/ipc-contract.ts';
import type { Schedule } from '../../shared/model.ts';
import { WEEKDAY_NAMES } from '../../shared/schedule-words.ts';
import { explain, scheduleWords, when } from './format.ts';

export function ScheduleEditor({ sourceId, onDone, onSaved }: { sourceId: string; onDone: () => void; onSaved: () => void }) {
  const [view, setView] = useState<ScheduleView | undefined>();
  const [draft, setDraft] = useState<Schedule>({ kind: 'off' });
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    void window.lifeboat['schedule:get']({ sourceId }).then((v) => {
      setView(v);
      setDraft(v.schedule);
    });
  }, [sourceId]);
  const kind = draft.kind;
  const time = 'time' in draft ? draft.time : '02:30';
  const change = (next: Schedule) => {
    setDraft(next);
    setError(undefined);
  };
  const save = async () => {
    try {
      setView(await window.lifeboat['schedule:set']({ sourceId, schedule: draft }));
      setError(undefined);
      onSaved();
    } catch (e) {
      setError(explain(e as Error & { hint?: string }));
    }
  };
  return (
    <div className="schedule" aria-label="Schedule">
      <div className="schedule-controls">
      <label>
        Back up{' '}
        <select
          aria-label="How often"
          value={kind}
          onChange={(e) => {
            const k = e.target.value as Schedule['kind'];
            change(k === 'off' ? { kind: 'off' } : k === 'hourly' ? { kind: 'hourly', minute: 0 } : k === 'daily' ? { kind: 'daily', time } : k === 'weekly' ? { kind: 'weekly', weekday: 1, time } : { kind: 'cron', expression: '30 2 * * *' });
          }}
        >
          <option value="off">never (off)</option>
          <option value="hourly">every hour</option>
          <option value="daily">every day</option>
          <option value="weekly">every week</option>
          <option value="cron">custom (a cron expression)</option>
        </select>
      </label>
      {draft.kind === 'hourly' && (
        <label>
          at minute <input aria-label="Minute" type="number" min={0} max={59} value={draft.minute} onChange={(e) => change({ kind: 'hourly', minute: Number(e.target.value) })} />
        </label>
      )}
      {draft.kind === 'weekly' && (
        <label>
          on{' '}
          <select aria-label="Day" value={draft.weekday} onChange={(e) => change({ ...draft, weekday: Number(e.target.value) })}>
            {WEEKDAY_NAMES.map((d, i) => (
              <option key={d} value={i}>
                {d}
              </option>
            ))}
          </select>
        </label>
      )}
      {(draft.kind === 'daily' || draft.kind === 'weekly') && (
        <label>
          at <input aria-label="Time" type="time" value={draft.time} onChange={(e) => change({ ...draft, time: e.target.value })} />
        </label>
      )}
      {draft.kind === 'cron' && (
        <label>
          <input aria-label="Cron expression" value={draft.expression} onChange={(e) => change({ kind: 'cron', expression: e.target.value })} />
        </label>
      )}
      </div>
      <div className="buttons">
        <button type="button" className="primary" onClick={() => void save()}>
          Save
        </button>
        <button type="button" onClick={onDone}>
          Close
        </button>
      </div>
      {error && (
        <p className="banner error" role="alert">
          {error}
        </p>
      )}
      {view && (
        <div className="muted">
          <p>
            Now: backed up {scheduleWords(view.schedule)} · time zone {view.timeZone} (Settings)
          </p>
          {view.next.length > 0 && (
            <>
              <p>Next runs:</p>
              <ol aria-label="Next runs">
                {view.next.map((n) => (
                  <li key={n}>{when(n, { timeZone: view.timeZone })}</li>
                ))}
              </ol>
            </>
          )}
        </div>
      )}
    </div>
  );
}
