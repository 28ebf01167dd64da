/**
 * JSON scenario files: the modems to plug in at start and an optional timeline of scripted events.
 * Shape (see docs/examples/mmsim-scenario.json):
 *
 *   {
 *     "version": "1.20.4",                      // optional, Manager.Version
 *     "timing": { "step": 5 },                  // optional, see Timing in types.ts
 *     "modems": [ ModemSpec, ... ],             // types.ts; give each an "id" to script it
 *     "events": [ { "atMs": 3000, "action": "dropBearer", "modem": "A" }, ... ]   // optional
 *   }
 *
 * Event actions (fields besides atMs/action): setRegistration {modem, network}, dropBearer {modem,
 * errorName?, message?}, failNextConnect {modem, errorName?, message?, times?}, removeSim {modem,
 * slot?}, insertSim {modem, sim, slot?}, unplug {modem}, replug {modem}, restart {downtimeMs?},
 * setSignal {modem, rat, values}, setLocation {modem, location}, setScanResults {modem, results},
 * setProfiles {modem, profiles}, addModem {spec}. `modem` is a modem id or object path.
 */
import { readFile } from 'node:fs/promises';
import { isMMErrorName } from './errors.js';
import type { Rat } from './signal-location.js';
import type { ModemManagerSimulator } from './simulator.js';
import type {
  LocationSpec,
  ModemSpec,
  NetworkSpec,
  ProfileSpec,
  ScanResultSpec,
  SignalValues,
  SimSpec,
  Timing,
} from './types.js';

export type ScenarioEvent = { readonly atMs: number } & (
  | { readonly action: 'setRegistration'; readonly modem: string; readonly network: NetworkSpec }
  | {
      readonly action: 'dropBearer';
      readonly modem: string;
      readonly errorName?: string;
      readonly message?: string;
    }
  | {
      readonly action: 'failNextConnect';
      readonly modem: string;
      readonly errorName?: string;
      readonly message?: string;
      readonly times?: number;
    }
  | { readonly action: 'removeSim'; readonly modem: string; readonly slot?: number }
  | { readonly action: 'insertSim'; readonly modem: string; readonly sim: SimSpec; readonly slot?: number }
  | { readonly action: 'unplug'; readonly modem: string }
  | { readonly action: 'replug'; readonly modem: string }
  | { readonly action: 'restart'; readonly downtimeMs?: number }
  | { readonly action: 'setSignal'; readonly modem: string; readonly rat: Rat; readonly values: SignalValues }
  | { readonly action: 'setLocation'; readonly modem: string; readonly location: LocationSpec }
  | { readonly action: 'setScanResults'; readonly modem: string; readonly results: readonly ScanResultSpec[] }
  | { readonly action: 'setProfiles'; readonly modem: string; readonly profiles: readonly ProfileSpec[] }
  | { readonly action: 'addModem'; readonly spec: ModemSpec }
);

export interface Scenario {
  readonly version?: string;
  readonly timing?: Partial<Timing>;
  readonly modems: readonly ModemSpec[];
  readonly events?: readonly ScenarioEvent[];
}

const ACTIONS = new Set([
  'setRegistration',
  'dropBearer',
  'failNextConnect',
  'removeSim',
  'insertSim',
  'unplug',
  'replug',
  'restart',
  'setSignal',
  'setLocation',
  'setScanResults',
  'setProfiles',
  'addModem',
]);
const NEEDS_MODEM = new Set([...ACTIONS].filter((a) => a !== 'restart' && a !== 'addModem'));
const RATS = new Set(['gsm', 'umts', 'lte', 'nr5g']);

function isObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** Checks the scenario's shape; throws an Error naming the first problem. */
export function parseScenario(json: unknown, source = 'scenario'): Scenario {
  const fail = (msg: string): never => {
    throw new Error(`${source}: ${msg}`);
  };
  if (!isObject(json)) return fail('must be a JSON object');
  for (const k of Object.keys(json)) {
    if (!['version', 'timing', 'modems', 'events', '$comment'].includes(k)) fail(`unknown key '${k}'`);
  }
  if (json.version !== undefined && typeof json.version !== 'string') fail("'version' must be a string");
  if (json.timing !== undefined) {
    if (!isObject(json.timing)) fail("'timing' must be an object");
    for (const [k, x] of Object.entries(json.timing as Record<string, unknown>)) {
      if (typeof x !== 'number' || x < 0) fail(`timing.${k} must be a non-negative number`);
    }
  }
  if (!Array.isArray(json.modems)) return fail("'modems' must be an array");
  const ids = new Set<string>();
  json.modems.forEach((m, i) => {
    if (!isObject(m)) fail(`modems[${i}] must be an object`);
    const id = (m as Record<string, unknown>).id;
    if (id !== undefined) {
      if (typeof id !== 'string') fail(`modems[${i}].id must be a string`);
      if (ids.has(id as string)) fail(`modems[${i}].id '${id}' is duplicated`);
      ids.add(id as string);
    }
  });
  const events = json.events ?? [];
  if (!Array.isArray(events)) return fail("'events' must be an array");
  for (const [i, e] of events.entries()) {
    if (!isObject(e)) return fail(`events[${i}] must be an object`);
    if (typeof e.atMs !== 'number' || e.atMs < 0) fail(`events[${i}].atMs must be a non-negative number`);
    if (typeof e.action !== 'string' || !ACTIONS.has(e.action))
      fail(`events[${i}].action '${e.action}' is unknown`);
    if (NEEDS_MODEM.has(e.action as string) && typeof e.modem !== 'string')
      fail(`events[${i}].modem is required`);
    if (typeof e.errorName === 'string' && !isMMErrorName(e.errorName)) {
      fail(`events[${i}].errorName '${e.errorName}' is not an org.freedesktop.ModemManager1.Error.* name`);
    }
    if (e.action === 'setSignal' && !RATS.has(e.rat as string))
      fail(`events[${i}].rat must be gsm|umts|lte|nr5g`);
  }
  return json as unknown as Scenario;
}

export async function loadScenario(file: string): Promise<Scenario> {
  const text = await readFile(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: invalid JSON: ${(e as Error).message}`);
  }
  return parseScenario(json, file);
}

/**
 * Plugs in the scenario's modems and schedules its events. Returns a function that cancels the
 * events not yet run. Errors of scheduled events go to `onError` (default: console.error).
 */
export function applyScenario(
  sim: ModemManagerSimulator,
  scenario: Scenario,
  onError: (err: unknown, ev: ScenarioEvent) => void = (err, ev) =>
    console.error(`mmsim: event ${ev.action} at ${ev.atMs} ms failed:`, err),
): () => void {
  if (scenario.timing) sim.setTiming(scenario.timing);
  for (const m of scenario.modems) sim.addModem(m);
  const timers = (scenario.events ?? []).map((ev) =>
    setTimeout(() => {
      runEvent(sim, ev).catch((err: unknown) => onError(err, ev));
    }, ev.atMs),
  );
  return () => {
    for (const t of timers) clearTimeout(t);
  };
}

export async function runEvent(sim: ModemManagerSimulator, ev: ScenarioEvent): Promise<void> {
  switch (ev.action) {
    case 'setRegistration':
      return sim.setRegistration(ev.modem, ev.network);
    case 'dropBearer':
      sim.dropBearer(ev.modem, ev.errorName, ev.message);
      return;
    case 'failNextConnect':
      return sim.failNextConnect(ev.modem, ev.errorName, ev.message, ev.times);
    case 'removeSim':
      return sim.removeSim(ev.modem, ev.slot);
    case 'insertSim':
      sim.insertSim(ev.modem, ev.sim, ev.slot);
      return;
    case 'unplug':
      return sim.unplug(ev.modem);
    case 'replug':
      sim.replug(ev.modem);
      return;
    case 'restart':
      return sim.restart({ downtimeMs: ev.downtimeMs });
    case 'setSignal':
      return sim.setSignal(ev.modem, ev.rat, ev.values);
    case 'setLocation':
      return sim.setLocation(ev.modem, ev.location);
    case 'setScanResults':
      return sim.setScanResults(ev.modem, ev.results);
    case 'setProfiles':
      return sim.setProfiles(ev.modem, ev.profiles);
    case 'addModem':
      sim.addModem(ev.spec);
      return;
  }
}
