/**
 * The probe's data shapes. A target names one remote end by IP literal (no name resolution here:
 * EVE probes only IP-addressed proxies, the bearer's DNS servers and an ICMP/TCP host).
 */

/** TCP handshake with `host:port`. */
export interface TcpTarget {
  readonly kind: 'tcp';
  readonly host: string;
  readonly port: number;
}

/** One UDP DNS query (question ".", type A, class IN) to `server:53`; any reply counts, even an error rcode. */
export interface DnsTarget {
  readonly kind: 'dns';
  readonly server: string;
}

/** ICMP (or ICMPv6) echo request; success is an echo reply from `host`. */
export interface IcmpTarget {
  readonly kind: 'icmp';
  readonly host: string;
}

export type ProbeTarget = TcpTarget | DnsTarget | IcmpTarget;

export interface ProbeOptions {
  /**
   * The modem's interface. The ICMP socket is bound to it (SO_BINDTODEVICE). TCP and DNS cannot be
   * bound to a device from Node; they are sourced from `source` and leave through the interface
   * because of the source-based rule NIM installs (table 500+ifindex), as in EVE.
   */
  readonly ifname: string;
  /** The modem's IP address (v4 or v6): every probe packet is sourced from it. */
  readonly source: string;
  /** Per target. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export type ProbeResult =
  | { readonly ok: true; readonly target: ProbeTarget; readonly rttMs: number }
  | { readonly ok: false; readonly target: ProbeTarget; readonly error: string };

export interface ProbeRunResult {
  /** True when one target answered (the later ones were not tried). */
  readonly ok: boolean;
  /** One result per target tried, in order. */
  readonly results: readonly ProbeResult[];
  /** The failures' errors joined with "; " as EVE does; "" when ok. */
  readonly error: string;
}
