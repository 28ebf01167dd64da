/**
 * Fixtures for the wwan projection tests: a ModemManager snapshot captured from the simulator
 * (fixtures/mmsim-connected.json), views derived from it with a few properties changed, and the
 * schema checks every output goes through inside its top-level document.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { type ModemView, modemView, type Snapshot } from '../../src/modemmanager/snapshot.js';
import type { BearerProps, Modem3gppProps, ModemProps, SignalProps } from '../../src/modemmanager/types.js';
import type {
  WwanLocationInfo,
  WwanNetworkMetrics,
  WwanNetworkStatus,
} from '../../src/schemas/types.generated.js';
import {
  formatErrors,
  validateWwanLocation,
  validateWwanMetrics,
  validateWwanStatus,
} from '../../src/schemas/validate.js';

export const MODEM0 = '/org/freedesktop/ModemManager1/Modem/0';
export const MODEM1 = '/org/freedesktop/ModemManager1/Modem/1';
export const SIM0 = '/org/freedesktop/ModemManager1/SIM/0';
export const SIM1 = '/org/freedesktop/ModemManager1/SIM/1';
export const BEARER0 = '/org/freedesktop/ModemManager1/Bearer/0';

/** Modem/0: USB QMI modem, two SIM slots (physical active, eSIM), connected ipv4v6, GPS fix. */
export function capturedSnapshot(): Snapshot {
  return JSON.parse(
    readFileSync(new URL('fixtures/mmsim-connected.json', import.meta.url), 'utf8'),
  ) as Snapshot;
}

export function viewOf(snap: Snapshot, path: string): ModemView {
  const v = modemView(snap, path);
  assert.ok(v, `no modem ${path} in the snapshot`);
  return v;
}

export function captured(path = MODEM0): ModemView {
  return viewOf(capturedSnapshot(), path);
}

/** The view with some Modem / Modem3gpp / Signal properties replaced. */
export function withProps(
  view: ModemView,
  p: { modem?: Partial<ModemProps>; modem3gpp?: Partial<Modem3gppProps>; signal?: Partial<SignalProps> },
): ModemView {
  return {
    ...view,
    modem: { ...view.modem, ...p.modem },
    modem3gpp: p.modem3gpp ? { ...view.modem3gpp, ...p.modem3gpp } : view.modem3gpp,
    signal: p.signal ? { ...view.signal, ...p.signal } : view.signal,
  };
}

/** The view with bearer `i` replaced (other properties kept) or, with `undefined` props, removed. */
export function withBearer(view: ModemView, i: number, props: Partial<BearerProps> | undefined): ModemView {
  const bearers = [...view.bearers];
  const old = bearers[i];
  if (props === undefined) bearers.splice(i, 1);
  else
    bearers[i] = {
      path: old?.path ?? `/org/freedesktop/ModemManager1/Bearer/${i}`,
      props: { ...old?.props, ...props },
    };
  return { ...view, bearers };
}

/**
 * The real-MM kit's modem as the real ModemManager 1.20 reports it (fixtures/real-mm-connected.json):
 * primary port ttyHS0 (AT), net port wwan0, a static IPv4 /32 with DNS but no gateway or MTU,
 * Ip6Config {method: 0}, SimType unknown, AccessTechnologies 0 although connected, no Location.
 */
export function kitView(): ModemView {
  const snap = JSON.parse(
    readFileSync(new URL('fixtures/real-mm-connected.json', import.meta.url), 'utf8'),
  ) as Snapshot;
  return viewOf(snap, MODEM0);
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

export function assertValidStatus(networks: readonly WwanNetworkStatus[]): void {
  const doc = {
    DPCKey: 'dpc-key',
    DPCTimestamp: '2026-11-24T09:41:07.123456789Z',
    RSConfigTimestamp: ZERO_TIME,
    Networks: networks,
  };
  const r = validateWwanStatus(JSON.parse(JSON.stringify(doc)));
  assert.ok(r.ok, r.ok ? '' : formatErrors(r.errors));
}

export function assertValidMetrics(networks: readonly WwanNetworkMetrics[]): void {
  const r = validateWwanMetrics(JSON.parse(JSON.stringify({ Networks: networks })));
  assert.ok(r.ok, r.ok ? '' : formatErrors(r.errors));
}

export function assertValidLocation(info: WwanLocationInfo): void {
  const r = validateWwanLocation(JSON.parse(JSON.stringify(info)));
  assert.ok(r.ok, r.ok ? '' : formatErrors(r.errors));
}
