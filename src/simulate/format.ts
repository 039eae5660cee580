import type { StatementTrace } from '../policy/explain.js';
import { policyTypeName } from '../policy/messages.js';
import type { CaseResult } from './case.js';

/** A readable account of one simulated request, for `irsa simulate --explain`. */
export function formatExplanation(index: number, input: Record<string, unknown>, r: CaseResult): string {
  const lines: string[] = [];
  const resource = typeof input['resource'] === 'string' ? input['resource'] : '*';
  lines.push(`case ${index}: ${String(input['caller'])} → ${String(input['action'])} on ${resource}`);
  lines.push(`  decision: ${r.decision}`);
  if (r.message) lines.push(`  AccessDenied: ${r.message}`);
  for (const w of r.warnings ?? []) lines.push(`  warning: ${w}`);
  for (const reason of r.reasons) lines.push(`  ${policyTypeName(reason.policyType)}: ${reason.result} — ${reason.detail}`);
  if (r.matchedStatements.length) {
    lines.push('  decided by:');
    for (const s of r.matchedStatements) lines.push(`    ${s.policyId} statement ${s.statementIndex}${s.sid ? ` (${s.sid})` : ''} ${s.effect}`);
  }
  if (r.trace?.length) {
    lines.push('  statements:');
    for (const t of r.trace) lines.push(...traceLines(t));
  }
  return lines.join('\n');
}

const mark = (ok: boolean): string => (ok ? '✓' : '✗');

function traceLines(t: StatementTrace): string[] {
  const head = `    ${t.applies ? '●' : '○'} ${t.policyId} statement ${t.statementIndex}${t.sid ? ` (${t.sid})` : ''} ${t.effect}: ${t.applies ? 'applies' : 'does not apply'}`;
  const out = [head];
  out.push(`        ${mark(t.action.matched)} ${t.action.element} ${t.action.patterns.join(', ')}`);
  if (t.principal) out.push(`        ${mark(t.principal.matched)} ${t.principal.element}${t.principal.matched ? ` (${t.principal.how})` : ''}`);
  out.push(`        ${mark(t.resource.matched)} ${t.resource.element} ${t.resource.patterns.join(', ')}`);
  for (const c of t.conditions) {
    const req = c.requestValues === undefined ? 'absent from the request' : `request has ${JSON.stringify(c.requestValues)}`;
    out.push(`        ${mark(c.holds)} ${c.operator} ${c.key} ${JSON.stringify(c.policyValues)}: ${req}`);
  }
  if (t.hint) out.push(`        hint: ${t.hint}`);
  return out;
}
