/**
 * The plan as a document (schemas/plan-output.schema.json): every step in order with its reason and
 * RFC 6902 patch, the pending items, summary counts and the per-modem grouping. Sensitive values
 * (credentials digests) are replaced, and each step lists the pointers it hid.
 */
import type { PlanStep } from '../../reconciler/api.js';
import { summaryLine } from '../../reconciler/format.js';
import { keyOf } from '../../reconciler/item.js';
import type { MmagentPlan } from '../schemas/types.generated.js';
import type { PlanResult } from './plan-model.js';
import { REDACTED_VALUE, sensitivePointers } from './sensitive.js';

type Step = MmagentPlan['steps'][number];

export interface PlanSource {
  readonly kind: 'live' | 'snapshot';
  readonly takenAt: string;
  readonly modemManagerVersion: string;
}

function patchOf(s: PlanStep): Pick<Step, 'patch' | 'sensitive'> {
  if (!s.patch) return {};
  const hide = sensitivePointers(s.ref.type);
  const hidden = new Set<string>();
  const patch = s.patch.map((op) => {
    // fast-json-patch's type admits its internal `_get`; a plan's diff never contains one.
    const out: NonNullable<Step['patch']>[number] = { op: op.op as 'add', path: op.path };
    if ('from' in op && typeof op.from === 'string') out.from = op.from;
    if ('value' in op) {
      const secret = hide.includes(op.path) && op.value !== '';
      if (secret) hidden.add(op.path);
      out.value = secret ? REDACTED_VALUE : op.value;
    }
    return out;
  });
  return { patch, ...(hidden.size > 0 ? { sensitive: [...hidden].sort() } : {}) };
}

export function planDocument(r: PlanResult, source: PlanSource): MmagentPlan {
  const { plan } = r;
  const count = (op: string) => plan.steps.filter((s) => s.op === op && s.phase !== 'create').length;
  const steps: Step[] = plan.steps.map((s) => ({
    id: s.id,
    op: s.op,
    ...(s.phase ? { phase: s.phase } : {}),
    type: s.ref.type,
    name: s.ref.name,
    modem: r.groupOf(keyOf(s.ref)),
    reason: {
      kind: s.reason.kind,
      detail: s.reason.detail,
      ...(s.reason.fields ? { fields: [...s.reason.fields] } : {}),
      ...(s.reason.cause ? { cause: { type: s.reason.cause.type, name: s.reason.cause.name } } : {}),
    },
    ...patchOf(s),
    after: [...s.after],
  }));
  return {
    schemaVersion: 1,
    source: { ...source, network: r.network },
    changes: plan.steps.length > 0,
    summary: {
      create: count('create'),
      modify: count('modify'),
      recreate: count('recreate'),
      delete: count('delete'),
      pending: plan.pending.length,
    },
    summaryLine: summaryLine(plan),
    modems: r.groups.map((g) => ({
      name: g.name,
      status: g.status,
      ...(g.modem ? { modem: { ...g.modem } } : {}),
      steps: steps.filter((s) => s.modem === g.name).map((s) => s.id),
      pending: plan.pending.filter((p) => r.groupOf(keyOf(p.ref)) === g.name).map((p) => keyOf(p.ref)),
    })),
    steps,
    pending: plan.pending.map((p) => ({
      type: p.ref.type,
      name: p.ref.name,
      modem: r.groupOf(keyOf(p.ref)),
      waitingFor: { type: p.waitingFor.type, name: p.waitingFor.name },
      why: p.why,
      detail: p.detail,
    })),
    cycles: plan.cycles.map((c) => c.map((x) => ({ type: x.type, name: x.name }))),
    warnings: [...r.warnings],
  };
}
