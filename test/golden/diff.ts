/** A line diff (LCS) in unified style with three lines of context, for golden mismatches. */
export function lineDiff(expected: string, actual: string): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: { kind: ' ' | '-' | '+'; line: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i]! });
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) ops.push({ kind: '-', line: a[i++]! });
    else ops.push({ kind: '+', line: b[j++]! });
  }
  while (i < n) ops.push({ kind: '-', line: a[i++]! });
  while (j < m) ops.push({ kind: '+', line: b[j++]! });
  const keep = ops.map((o, k) => o.kind !== ' ' || ops.slice(Math.max(0, k - 3), k + 4).some((x) => x.kind !== ' '));
  const out: string[] = ['--- fixture', '+++ response'];
  let skipped = false;
  ops.forEach((o, k) => {
    if (keep[k]) {
      if (skipped) out.push('@@');
      skipped = false;
      out.push(`${o.kind}${o.line}`);
    } else skipped = true;
  });
  return out.join('\n');
}
