/**
 * eksctl's table output: Go's text/tabwriter with tab padding (minwidth 0, tabwidth 8,
 * padding 1, padchar '\t'), which is why `eksctl get iamserviceaccount` prints
 * `NAMESPACE\tNAME\t\t\t\tROLE ARN`. Cells are padded with tabs to the column's width
 * (longest cell + 1, rounded up to a multiple of 8); the last column is not padded.
 */
const TAB_WIDTH = 8;
const PADDING = 1;

export function tabTable(rows: readonly (readonly string[])[]): string {
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const widths: number[] = [];
  for (let c = 0; c < columns - 1; c++) {
    const w = Math.max(0, ...rows.map((r) => [...(r[c] ?? '')].length)) + PADDING;
    widths.push(Math.ceil(w / TAB_WIDTH) * TAB_WIDTH);
  }
  return rows
    .map((r) =>
      r
        .map((cell, c) => {
          if (c === r.length - 1) return cell;
          const gap = (widths[c] as number) - [...cell].length;
          return cell + '\t'.repeat(Math.ceil(gap / TAB_WIDTH));
        })
        .join(''),
    )
    .map((l) => `${l}\n`)
    .join('');
}
