/**
 * The probe's entry points: one target (`probeTarget`), or a list in order where the first success
 * wins (`probeInOrder`, EVE's probeModemConnectivity loop). Neither ever rejects: every failure,
 * invalid input included, is a result with an error text.
 */
import { probeDns, type UdpSocketFactory } from './dns.js';
import { probeIcmp } from './icmp.js';
import { type AddonLoad, loadIcmpAddon } from './icmp-native.js';
import { probeTcp, type TcpConnect } from './tcp.js';
import type { ProbeOptions, ProbeResult, ProbeRunResult, ProbeTarget } from './types.js';
import { invalidReason, targetAddress } from './validate.js';

/** What the probes open; tests replace them (a TCP connect that never completes, a fake addon). */
export interface ProbeDeps {
  readonly connectTcp?: TcpConnect;
  readonly createUdp?: UdpSocketFactory;
  /** The DNS server port: 53 unless a test that cannot bind a privileged port says otherwise. */
  readonly dnsPort?: number;
  readonly loadIcmp?: () => AddonLoad;
}

export interface Prober {
  probeTarget(t: ProbeTarget, o: ProbeOptions): Promise<ProbeResult>;
  probeInOrder(targets: readonly ProbeTarget[], o: ProbeOptions): Promise<ProbeRunResult>;
}

export function createProber(deps: ProbeDeps = {}): Prober {
  const probeTarget = async (t: ProbeTarget, o: ProbeOptions): Promise<ProbeResult> => {
    const invalid = invalidReason(t, o);
    if (invalid !== undefined)
      return { ok: false, target: t, error: `invalid ${t.kind} probe of ${targetAddress(t)}: ${invalid}` };
    try {
      switch (t.kind) {
        case 'tcp':
          return await probeTcp(t, o, deps.connectTcp);
        case 'dns':
          return await probeDns(t, o, { createUdp: deps.createUdp, port: deps.dnsPort });
        case 'icmp':
          return await probeIcmp(t, o, deps.loadIcmp ?? loadIcmpAddon);
      }
    } catch (err) {
      // Not expected (every probe turns its errors into results); kept so a bug cannot reject.
      return { ok: false, target: t, error: `${t.kind} probe of ${targetAddress(t)}: ${String(err)}` };
    }
  };
  return { probeTarget, probeInOrder: (targets, o) => runInOrder(targets, o, probeTarget) };
}

/**
 * Tries the targets one after another until one succeeds. After an abort the remaining targets are
 * not tried (the aborted one's result says "aborted").
 */
export async function runInOrder(
  targets: readonly ProbeTarget[],
  o: ProbeOptions,
  probeOne: (t: ProbeTarget, o: ProbeOptions) => Promise<ProbeResult>,
): Promise<ProbeRunResult> {
  const results: ProbeResult[] = [];
  for (const t of targets) {
    const r = await probeOne(t, o);
    results.push(r);
    if (r.ok) return { ok: true, results, error: '' };
    if (o.signal?.aborted) break;
  }
  const errors = results.flatMap((r) => (r.ok ? [] : [r.error]));
  return { ok: false, results, error: errors.length > 0 ? errors.join('; ') : 'no probe targets' };
}

const defaultProber = createProber();

/** Probes one target; never rejects. */
export function probeTarget(t: ProbeTarget, o: ProbeOptions): Promise<ProbeResult> {
  return defaultProber.probeTarget(t, o);
}

/** Probes the targets in order, first success wins; `error` joins the failures with "; " as EVE does. */
export function probeInOrder(targets: readonly ProbeTarget[], o: ProbeOptions): Promise<ProbeRunResult> {
  return defaultProber.probeInOrder(targets, o);
}
