// Small SVG charts: a bar per restore point (database size or backup duration), and a usage bar.
import { bytes, duration, when } from './format.ts';

export function BarChart({ label, values, format }: { label: string; values: { at: string; value: number }[]; format: (n: number) => string }) {
  if (values.length === 0) return null;
  const max = Math.max(...values.map((v) => v.value), 1);
  const w = 240;
  const h = 60;
  const bw = w / Math.max(values.length, 10);
  const last = values[values.length - 1]!;
  return (
    <figure className="chart">
      <figcaption>
        {label}: <strong>{format(last.value)}</strong> <span className="muted">(max {format(max)})</span>
      </figcaption>
      <svg viewBox={`0 0 ${w} ${h}`} width={w} height={h} role="img" aria-label={`${label} over the last ${values.length} restore points`}>
        {values.map((v, i) => {
          const bh = Math.max(1, (v.value / max) * (h - 2));
          return (
            <rect key={v.at + i} x={i * bw + 1} y={h - bh} width={Math.max(1, bw - 2)} height={bh} className="bar">
              <title>{`${when(v.at)}: ${format(v.value)}`}</title>
            </rect>
          );
        })}
      </svg>
    </figure>
  );
}

export const sizeFormat = bytes;
export const durationFormat = (ms: number) => (ms < 1000 ? `${ms} ms` : duration(ms / 1000));

/** A horizontal usage bar with a label, warning colours from 80 % and 95 %. */
export function UsageBar({ label, used, total, detail }: { label: string; used: number; total?: number; detail?: string }) {
  const fraction = total ? Math.min(1, used / total) : 0;
  const level = fraction >= 0.95 ? 'critical' : fraction >= 0.8 ? 'warning' : 'ok';
  return (
    <div className="usage">
      <div className="usage-head">
        <span>{label}</span>
        <span className="muted">{total ? `${bytes(used)} of ${bytes(total)} (${Math.round(fraction * 100)}%)` : `${bytes(used)} used`}</span>
      </div>
      <div className={`usage-bar usage-${level}`} role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(fraction * 100)}>
        <div style={{ width: `${fraction * 100}%` }} />
      </div>
      {detail && <div className="muted">{detail}</div>}
    </div>
  );
}
