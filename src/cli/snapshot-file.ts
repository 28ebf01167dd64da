/**
 * The snapshot document (schemas/snapshot.schema.json): an {@link Observation} written for a person to
 * attach to a bug report and for `mmagent plan --snapshot` to read back. Secrets are redacted on the
 * way out (a bearer's `Properties` may carry a password); reading checks the version first, so a
 * snapshot from a newer mmagent gets one clear line instead of a list of schema errors.
 */
import type { Item } from '../../reconciler/api.js';
import { readConfigFileOnce } from '../io/config-file.js';
import { redactDeep } from '../io/log.js';
import type { Snapshot } from '../modemmanager/snapshot.js';
import { addressItem, dnsItem, linkItem, routeItem } from '../netitems/builders.js';
import {
  ADDRESS,
  type AddressSpec,
  DNS,
  type DnsSpec,
  LINK,
  type LinkSpec,
  ROUTE,
  type RouteSpec,
} from '../netitems/types.js';
import type { KernelItem, MmagentSnapshot } from '../schemas/types.generated.js';
import { formatErrors, type Validation, validateAgainst } from '../schemas/validate.js';
import type { Observation } from './observation.js';

export const SNAPSHOT_SCHEMA_VERSION = 1;

/** The document for an observation; every value passed through redactDeep. */
export function toSnapshotDocument(obs: Observation, mmagentVersion: string): MmagentSnapshot {
  const doc: MmagentSnapshot = {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    takenAt: obs.takenAt,
    mmagentVersion,
    modemManager: {
      owner: obs.snapshot.owner ?? '',
      version: obs.snapshot.version ?? '',
      objects: obs.snapshot.objects as MmagentSnapshot['modemManager']['objects'],
    },
    physAddrs: { ...obs.physAddrs },
    kernel: {
      interfaces: [...obs.kernel.interfaces],
      items: obs.kernel.items.map((it) => ({ type: it.type, name: it.name, spec: it.spec }) as KernelItem),
      ...(obs.kernel.unavailable !== undefined ? { unavailable: obs.kernel.unavailable } : {}),
    },
  };
  return redactDeep(doc) as MmagentSnapshot;
}

/**
 * Kernel items rebuilt with the observer's builders, so they carry the same dependencies and pass the
 * same checks as live ones (a route needs the first address of its family on its link).
 */
function kernelItems(raw: readonly KernelItem[]): Item[] {
  const out: Item[] = [];
  const firstAddr = new Map<string, Item>();
  for (const [i, k] of raw.entries()) {
    try {
      if (k.type === LINK) out.push(linkItem(k.name, k.spec as unknown as LinkSpec));
      else if (k.type === ADDRESS) {
        const a = addressItem(k.spec as unknown as AddressSpec);
        const fam = `${a.spec.ifname}/${a.spec.family}`;
        if (!firstAddr.has(fam)) firstAddr.set(fam, a);
        out.push(a);
      } else if (k.type === ROUTE) {
        const r = k.spec as unknown as RouteSpec;
        const via = firstAddr.get(`${r.ifname}/${r.family}`);
        out.push(routeItem(r, via ? { type: via.type, name: via.name } : undefined));
      } else if (k.type === DNS) {
        const d = k.spec as unknown as DnsSpec;
        out.push(dnsItem(d.ifname, d.servers));
      }
    } catch (err) {
      throw new Error(`/kernel/items/${i}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const built = out[out.length - 1];
    if (built && built.name !== k.name)
      throw new Error(
        `/kernel/items/${i}/name: is ${JSON.stringify(k.name)}, its spec makes ${JSON.stringify(built.name)}`,
      );
  }
  return out;
}

/** Version first, then the schema, then the items; every failure one message with its JSON path. */
function checkDocument(value: unknown): Validation<MmagentSnapshot> {
  const v = (value as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof value === 'object' && value !== null && typeof v === 'number' && v > SNAPSHOT_SCHEMA_VERSION)
    return {
      ok: false,
      errors: [
        {
          path: '/schemaVersion',
          message: `is ${v}, newer than this mmagent reads (${SNAPSHOT_SCHEMA_VERSION}): use a newer mmagent`,
        },
      ],
    };
  return validateAgainst<MmagentSnapshot>('snapshot.schema.json', value);
}

export type SnapshotRead = { ok: true; observation: Observation } | { ok: false; message: string };

/** Reads a snapshot file; never throws. The message is one line. */
export async function readSnapshotFile(file: string): Promise<SnapshotRead> {
  const r = await readConfigFileOnce(file, checkDocument);
  if (!r.ok) {
    if (r.kind === 'missing') return { ok: false, message: `snapshot file missing: ${file}` };
    if (r.kind === 'json')
      return { ok: false, message: r.message.replace(/^invalid JSON in/, 'invalid JSON in snapshot') };
    if (r.kind !== 'schema')
      return { ok: false, message: r.message.replace(/^cannot read/, 'cannot read snapshot') };
    const newer = r.errors.find((e) => e.path === '/schemaVersion' && e.message.includes('newer'));
    if (newer) return { ok: false, message: `snapshot ${file}: schemaVersion ${newer.message}` };
    // ajv reports a failed if/then twice: the field itself and "must match then"; the field says it all.
    const errors = r.errors.filter((e) => !e.message.startsWith('must match "then"'));
    return { ok: false, message: `invalid snapshot ${file}: ${formatErrors(errors).split('\n').join('; ')}` };
  }
  const doc = r.value;
  let items: Item[];
  try {
    items = kernelItems(doc.kernel.items);
  } catch (err) {
    return {
      ok: false,
      message: `invalid snapshot ${file}: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  const snapshot: Snapshot = {
    owner: doc.modemManager.owner,
    version: doc.modemManager.version || undefined,
    generation: 1,
    objects: doc.modemManager.objects as Snapshot['objects'],
  };
  const physAddrs: Record<string, { USB: string; PCI: string }> = {};
  for (const [k, a] of Object.entries(doc.physAddrs)) if (a) physAddrs[k] = a;
  return {
    ok: true,
    observation: {
      takenAt: doc.takenAt,
      snapshot,
      physAddrs,
      kernel: {
        interfaces: doc.kernel.interfaces,
        items,
        ...(doc.kernel.unavailable !== undefined ? { unavailable: doc.kernel.unavailable } : {}),
      },
    },
  };
}
