/**
 * The plan as text for people, grouped per modem by logical label, in the manner of `terraform plan`:
 * `+` create, `~` modify with each changed field old → new, `-/+` recreate (delete, then create) with
 * the reason, `-` delete, `…` pending with what it waits for, and the summary line. Credentials fields
 * print as (sensitive): specs only ever hold a digest, and even that stays out of sight.
 */
import type { Json, PendingItem, PlanStep } from '../../reconciler/api.js';
import { pointerGet, summaryLine } from '../../reconciler/format.js';
import { formatRef, keyOf } from '../../reconciler/item.js';
import { MODEM } from '../modemitems/types.js';
import type { ModemGroup, PlanResult } from './plan-model.js';
import { isSensitive } from './sensitive.js';

export interface TextOptions {
  readonly color: boolean;
  /** The first line: where the state came from. */
  readonly source: string;
}

const codes = { green: 32, yellow: 33, red: 31, cyan: 36, dim: 2, bold: 1 } as const;

const show = (type: string, ptr: string, v: Json | undefined): string =>
  v === undefined ? '(none)' : isSensitive(type, ptr) && v !== '' ? '(sensitive)' : JSON.stringify(v);

function groupTitle(g: ModemGroup): string {
  const m = g.modem;
  if (!m) return g.name;
  const what = [m.model, m.key, m.interface].filter((s) => s !== '').join(', ');
  return what ? `${g.name} (${what})` : g.name;
}

/** The modem a configured label names is absent: that is the one thing everything waits for. */
function pendingDetail(p: PendingItem): string {
  if (p.waitingFor.type === MODEM && p.why === 'missing') return 'modem not found';
  return p.detail;
}

export function formatPlanText(r: PlanResult, opts: TextOptions): string {
  const paint = (c: keyof typeof codes, s: string) => (opts.color ? `\x1b[${codes[c]}m${s}\x1b[0m` : s);
  const { plan } = r;
  const lines: string[] = [paint('bold', opts.source), ''];
  if (plan.steps.length > 0 || plan.pending.length > 0)
    lines.push(
      paint('dim', 'Symbols: + create, ~ modify, -/+ recreate (delete, then create), - delete, … pending'),
      '',
    );
  const current = (s: PlanStep) => r.current.nodes.get(keyOf(s.ref))?.item.spec;
  const desired = (s: PlanStep) => r.desired.nodes.get(keyOf(s.ref))?.item.spec;
  const fields = (s: PlanStep): string[] =>
    [...(s.patch ?? [])]
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .map((op) => {
        const before = pointerGet(current(s), op.path);
        const after = op.op === 'remove' ? undefined : 'value' in op ? (op.value as Json) : undefined;
        return `      ${op.path}: ${show(s.ref.type, op.path, before)} → ${show(s.ref.type, op.path, after)}`;
      });
  const specLine = (s: PlanStep): string[] => {
    const spec = desired(s);
    if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) return [];
    const parts = Object.entries(spec as { readonly [k: string]: Json }).map(
      ([k, v]) => `${k}=${show(s.ref.type, `/${k}`, v)}`,
    );
    return parts.length > 0 ? [paint('dim', `      ${parts.join(' ')}`)] : [];
  };

  for (const g of r.groups) {
    const seen = new Set<string>();
    const body: string[] = [];
    for (const s of plan.steps) {
      const k = keyOf(s.ref);
      if (r.groupOf(k) !== g.name || seen.has(k)) continue;
      seen.add(k);
      const name = formatRef(s.ref);
      const why = paint('dim', `  # ${s.reason.detail}`);
      switch (s.op) {
        case 'create':
          body.push(paint('green', `  + ${name}`) + why, ...specLine(s));
          break;
        case 'modify':
          body.push(paint('yellow', `  ~ ${name}`) + why, ...fields(s));
          break;
        case 'recreate':
          body.push(`${paint('red', `-/+ ${name}`)}${why}`, ...fields(s));
          break;
        case 'delete':
          body.push(paint('red', `  - ${name}`) + why);
          break;
      }
    }
    for (const p of plan.pending) {
      if (r.groupOf(keyOf(p.ref)) !== g.name) continue;
      body.push(
        paint('cyan', `  … ${formatRef(p.ref)}`) +
          paint('dim', `  # waits for ${formatRef(p.waitingFor)}: ${pendingDetail(p)}`),
      );
    }
    const note =
      g.status === 'not-found'
        ? ': modem not found (no present modem matches its PhysAddrs)'
        : g.status === 'unmanaged'
          ? ' (no config claims it)'
          : '';
    if (body.length === 0) {
      lines.push(paint('bold', `# ${groupTitle(g)}${note}`) + paint('dim', ': no changes'), '');
      continue;
    }
    lines.push(paint('bold', `# ${groupTitle(g)}${note}`), ...body, '');
  }
  for (const c of plan.cycles)
    lines.push(paint('red', `  ✗ dependency cycle: ${c.map(formatRef).join(' -> ')}`), '');
  lines.push(paint('bold', summaryLine(plan)));
  return `${lines.join('\n')}\n`;
}
