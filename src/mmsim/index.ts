/** The ModemManager simulator's public API. */
export * from './enums.js';
export { isMMErrorName, MMError } from './errors.js';
export {
  BEARER_PATH_PREFIX,
  IFACE,
  MM_BUS_NAME,
  MM_PATH,
  MODEM_PATH_PREFIX,
  SIM_PATH_PREFIX,
} from './names.js';
export {
  type CallFilter,
  CallRecorder,
  isStateChanging,
  READ_ONLY_MEMBERS,
  type RecordedCall,
} from './recorder.js';
export {
  applyScenario,
  loadScenario,
  parseScenario,
  runEvent,
  type Scenario,
  type ScenarioEvent,
} from './scenario.js';
export type { Rat } from './signal-location.js';
export {
  type HangOptions,
  ModemManagerSimulator,
  type ModemRef,
  type RestartOptions,
  type SimulatorOptions,
} from './simulator.js';
export { type InterfaceSpec, mmInterfaceSpecs, objectManagerSpec } from './spec.js';
export * from './types.js';
