/**
 * Plans as text for people, in the manner of `terraform plan`: `+` create, `~` modify with each changed
 * field old → new, `-/+` recreate with the reason, `-` delete, `…` pending with what it waits for,
 * and a summary line. Colour only when asked (the caller knows whether it writes to a terminal).
 */
import type { Json, Plan, PlanStep } from './api.js';
import type { Graph } from './graph.js';
import { formatRef, keyOf } from './item.js';

export interface FormatOptions {
  readonly color?: boolean;
  /** Field values to hide (e.g. passwords): JSON pointers whose values print as (sensitive). */
  readonly sensitive?: (pointer: string) => boolean;
}

const codes = { green: 32, yellow: 33, red: 31, cyan: 36, dim: 2, bold: 1 } as const;

export function formatPlan(plan: Plan, current: Graph, opts: FormatOptions = {}): string {
  const paint = (c: keyof typeof codes, s: string) => (opts.color ? `\x1b[${codes[c]}m${s}\x1b[0m` : s);
  const hide = opts.sensitive ?? (() => false);
  const show = (ptr: string, v: Json | undefined) =>
    v === undefined ? '(none)' : hide(ptr) ? '(sensitive)' : JSON.stringify(v);
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const s of plan.steps) {
    const k = keyOf(s.ref);
    if (s.op === 'recreate' && seen.has(k)) continue;
    seen.add(k);
    const name = s.label && s.label !== s.ref.name ? `${formatRef(s.ref)} (${s.label})` : formatRef(s.ref);
    switch (s.op) {
      case 'create':
        lines.push(paint('green', `  + ${name}`) + paint('dim', `  # ${s.reason.detail}`));
        break;
      case 'delete':
        lines.push(paint('red', `  - ${name}`) + paint('dim', `  # ${s.reason.detail}`));
        break;
      case 'modify':
        lines.push(paint('yellow', `  ~ ${name}`) + paint('dim', `  # ${s.reason.detail}`));
        lines.push(...fieldLines(s, current, show));
        break;
      case 'recreate':
        lines.push(paint('red', `-/+ ${name}`) + paint('dim', `  # ${s.reason.detail} (forces replacement)`));
        lines.push(...fieldLines(s, current, show));
        break;
    }
  }
  for (const p of plan.pending) {
    lines.push(
      paint('cyan', `  … ${formatRef(p.ref)}`) +
        paint('dim', `  # waits for ${formatRef(p.waitingFor)}: ${p.detail}`),
    );
  }
  for (const d of plan.deferred) {
    if (d.damped) {
      lines.push(
        paint('yellow', `  ⏲ ${formatRef(d.ref)}`) +
          paint('dim', `  # ${d.damped} (at ${new Date(d.nextAttemptAt).toISOString()})`),
      );
      continue;
    }
    const when = Number.isFinite(d.nextAttemptAt)
      ? `retry at ${new Date(d.nextAttemptAt).toISOString()}`
      : 'not retried until its spec changes';
    lines.push(
      paint('red', `  ! ${formatRef(d.ref)}`) +
        paint('dim', `  # failed ${d.attempts}x (${d.lastError}); ${when}`),
    );
  }
  for (const h of plan.hookErrors)
    lines.push(paint('red', `  ! ${formatRef(h.ref)}`) + paint('dim', `  # failed: ${h.detail}`));
  for (const c of plan.cycles)
    lines.push(paint('red', `  ✗ dependency cycle: ${c.map(formatRef).join(' -> ')}`));
  lines.push('', summaryLine(plan));
  return `${lines.join('\n')}\n`;
}

function fieldLines(
  s: PlanStep,
  current: Graph,
  show: (ptr: string, v: Json | undefined) => string,
): string[] {
  const old = current.nodes.get(keyOf(s.ref))?.item.spec;
  // Sorted by path for reading; the patch itself keeps the order it must be applied in.
  return [...(s.patch ?? [])]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((op) => {
      const before = pointerGet(old, op.path);
      const after = op.op === 'remove' ? undefined : 'value' in op ? (op.value as Json) : undefined;
      return `      ${op.path}: ${show(op.path, before)} → ${show(op.path, after)}`;
    });
}

/** Reads a JSON pointer (RFC 6901) from a value; undefined when absent. */
export function pointerGet(doc: Json | undefined, pointer: string): Json | undefined {
  if (pointer === '') return doc;
  let cur: Json | undefined = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = Array.isArray(cur)
      ? (cur as readonly Json[])[Number(seg)]
      : (cur as { readonly [k: string]: Json })[seg];
  }
  return cur;
}

export function summaryLine(plan: Plan): string {
  if (plan.steps.length === 0) {
    const extra = plan.pending.length > 0 ? ` (${plan.pending.length} pending)` : '';
    return `No changes.${extra}`;
  }
  const n = (op: string) => plan.steps.filter((s) => s.op === op && s.phase !== 'create').length;
  const parts = [
    `${n('create')} to create`,
    `${n('modify')} to modify`,
    `${n('recreate')} to recreate`,
    `${n('delete')} to delete`,
  ];
  const tail = [
    plan.pending.length > 0 ? `${plan.pending.length} pending` : '',
    plan.deferred.length > 0 ? `${plan.deferred.length} waiting to retry` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `Plan: ${parts.join(', ')}.${tail ? ` ${tail}.` : ''}`;
}
