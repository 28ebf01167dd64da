/** Connectivity probes through one interface from one source address (see README.md). */
export { type AddonLoad, loadIcmpAddon } from './icmp-native.js';
export { createProber, type ProbeDeps, type Prober, probeInOrder, probeTarget } from './probe.js';
export type {
  DnsTarget,
  IcmpTarget,
  ProbeOptions,
  ProbeResult,
  ProbeRunResult,
  ProbeTarget,
  TcpTarget,
} from './types.js';
