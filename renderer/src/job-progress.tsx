// A running job: what it does, the phase in plain words, bytes or rows done, percent, time left, and Cancel.
import type { JobView } from '../../shared/model.ts';
import { bytes, timeLeft } from './format.ts';
import { useDashboard } from './store.ts';

/** Each phase in plain words. */
const PHASES: Record<string, string> = {
  preparing: 'Getting ready',
  copying: 'Copying the database',
  checking: 'Checking the copy',
  hashing: 'Checking the copy',
  compressing: 'Compressing',
  encrypting: 'Encrypting',
  finishing: 'Finishing',
  'safety-copy': 'Taking the safety copy',
  restoring: 'Restoring',
  uploading: 'Copying',
  downloading: 'Downloading',
  opening: 'Opening the restore point',
  comparing: 'Comparing',
  'bringing-back': 'Bringing rows back',
  exporting: 'Saving',
  moving: 'Copying the restore points to the new folder',
};

export function JobProgress({ job }: { job: JobView }) {
  const cancel = useDashboard((s) => s.cancel);
  const p = job.progress;
  // Bytes and rows mean something to a person; database pages do not (the percent says it).
  const amount = p ? (p.unit === 'bytes' ? `${bytes(p.done)} of ${bytes(p.total)}` : p.unit === 'rows' ? `${p.done.toLocaleString()} of ${p.total.toLocaleString()} rows` : '') : '';
  return (
    <div className="job" role="status" aria-label={`${job.title} progress`}>
      <div className="job-head">
        <strong>{job.title}</strong>
        {job.kind !== 'undo' && (
          <button type="button" onClick={() => void cancel(job.id)}>
            Cancel
          </button>
        )}
      </div>
      <progress max={100} value={p?.percent ?? undefined} aria-label="Percent done" />
      <div className="muted">
        {p ? [PHASES[p.phase] ?? p.phase, amount, p.percent !== undefined ? `${p.percent}%` : '', p.etaSeconds !== undefined && p.percent !== 100 ? timeLeft(p.etaSeconds) : ''].filter(Boolean).join(' · ') : 'Starting…'}
      </div>
    </div>
  );
}

/** Every running job, shown on every screen. */
export function RunningJobs() {
  const jobs = Object.values(useDashboard((s) => s.jobs));
  if (jobs.length === 0) return null;
  return (
    <section className="running" aria-label="Running">
      {jobs.map((j) => (
        <JobProgress key={j.id} job={j} />
      ))}
    </section>
  );
}
