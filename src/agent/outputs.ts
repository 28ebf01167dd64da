/**
 * The agent's outputs, projected from what it knows: one WwanNetworkStatus per configured modem
 * (present or not) and per unmanaged modem, metrics for present modems, and the location of the
 * tracking modem. The config's DPCKey and timestamps are echoed as the exact strings received.
 */

import { GO_ZERO_TIME } from '../io/go-json.js';
import type {
  WwanLocationInfo,
  WwanMetrics,
  WwanNetworkMetrics,
  WwanNetworkStatus,
  WwanStatus,
} from '../schemas/types.generated.js';
import { locationInfo } from '../wwan/location.js';
import { networkMetrics } from '../wwan/metrics.js';
import { lookupsFrom, missingNetworkStatus, networkStatus, providersFromScan } from '../wwan/status.js';
import type { AgentView } from './agent.js';
import { configErrorOf } from './config-errors.js';

export interface OutputFacts {
  /** The config file is missing or invalid (the last good config stays in force). */
  readonly fileError?: string | undefined;
  /** Label → why its credentials cannot be used. */
  readonly credentialErrors?: ReadonlyMap<string, string>;
}

export interface AgentOutputs {
  readonly status: WwanStatus;
  readonly metrics: WwanMetrics;
  readonly location: WwanLocationInfo | undefined;
}

export function buildOutputs(view: AgentView, facts: OutputFacts = {}): AgentOutputs {
  const cfg = view.config;
  const lookups = lookupsFrom(view.snapshot);
  const byName = new Map<string, (typeof view.modems)[number]>();
  for (const f of view.modems) byName.set(view.names.get(f.key) ?? '', f);
  const networks: WwanNetworkStatus[] = [];
  const metrics: WwanNetworkMetrics[] = [];
  let location: WwanLocationInfo | undefined;
  const fileError = facts.fileError ? `config file: ${facts.fileError}` : undefined;
  for (const n of cfg.Networks ?? []) {
    const label = n.LogicalLabel ?? '';
    if (label === '') continue;
    const f = byName.get(label);
    const buildError = view.modelErrors.get(label) ?? view.modelErrors.get('');
    const configError = configErrorOf(
      label,
      view.controller,
      fileError ??
        facts.credentialErrors?.get(label) ??
        (buildError ? `cannot apply the config: ${buildError}` : undefined) ??
        view.notices.get(label),
    );
    if (!f) {
      const missing = missingNetworkStatus(n);
      networks.push(
        configError && configError !== 'modem not found' ? { ...missing, ConfigError: configError } : missing,
      );
      continue;
    }
    const visible = view.visibleNetworks(label);
    networks.push(
      networkStatus(f.view, {
        label,
        physAddrs: f.physAddrs,
        configError,
        probeError: view.probeError(label),
        ...(visible ? { visibleProviders: providersFromScan(visible) } : {}),
        ...lookups,
      }),
    );
    metrics.push(networkMetrics(f.view, label, f.physAddrs));
    if (n.LocationTracking && !location) location = locationInfo(f.view, label);
  }
  for (const f of view.modems) {
    const name = view.names.get(f.key) ?? '';
    if (!name.startsWith('unmanaged:')) continue;
    networks.push(
      networkStatus(f.view, {
        label: '',
        physAddrs: f.physAddrs,
        ...(fileError ? { configError: fileError } : {}),
        ...lookups,
      }),
    );
    metrics.push(networkMetrics(f.view, '', f.physAddrs));
  }
  return {
    status: {
      DPCKey: cfg.DPCKey ?? '',
      DPCTimestamp: cfg.DPCTimestamp ?? GO_ZERO_TIME,
      RSConfigTimestamp: cfg.RSConfigTimestamp ?? GO_ZERO_TIME,
      Networks: networks.length > 0 ? networks : null,
    },
    metrics: { Networks: metrics.length > 0 ? metrics : null },
    location,
  };
}
