// The bench's output: a titled Markdown-style table, columns padded to their widest cell.

/** Prints rows as a table. */
export function printTable(title: string, rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  console.log(`\n${title}\n`);
  for (const r of rows) console.log(`| ${r.map((c, i) => (c ?? '').padEnd(widths[i]!)).join(' | ')} |`);
}
