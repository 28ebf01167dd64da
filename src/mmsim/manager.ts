/** The org.freedesktop.ModemManager1 interface on /org/freedesktop/ModemManager1. */
import { MMError, mmError } from './errors.js';
import { makeInterface, type SimInterface } from './iface.js';
import { managerSpec } from './spec.js';
import { unwrap } from './wire.js';

/** MM 1.20's log levels (mm-log.c); EVE maps its levels onto these. */
export const LOG_LEVELS: readonly string[] = ['ERR', 'WARN', 'MSG', 'INFO', 'DEBUG'];

export interface KernelEvent {
  readonly action: 'add' | 'remove';
  readonly name: string;
  readonly subsystem: string;
}

export interface ManagerCallbacks {
  scanDevices(): void;
  setLogging(level: string): void;
  kernelEvent(ev: KernelEvent): void;
}

export function makeManagerInterface(version: string, cb: ManagerCallbacks): SimInterface {
  return makeInterface(
    managerSpec,
    { Version: version },
    {
      ScanDevices: () => cb.scanDevices(),
      SetLogging: (level: string) => {
        if (!LOG_LEVELS.includes(level)) throw mmError(MMError.InvalidArgs, `Unknown log level '${level}'`);
        cb.setLogging(level);
      },
      ReportKernelEvent: (props: unknown) => cb.kernelEvent(parseKernelEvent(props)),
    },
  );
}

/** The dictionary `mmcli --report-kernel-event` sends: action, name, subsystem (all `s`). */
export function parseKernelEvent(props: unknown): KernelEvent {
  const d = (unwrap(props) ?? {}) as Record<string, unknown>;
  const { action, name, subsystem } = d;
  for (const k of Object.keys(d)) {
    if (!['action', 'name', 'subsystem', 'uid'].includes(k)) {
      throw mmError(MMError.InvalidArgs, `Invalid kernel event properties: unexpected key '${k}'`);
    }
  }
  if (action !== 'add' && action !== 'remove') {
    throw mmError(MMError.InvalidArgs, "Invalid kernel event: 'action' must be 'add' or 'remove'");
  }
  if (typeof name !== 'string' || name === '' || typeof subsystem !== 'string' || subsystem === '') {
    throw mmError(MMError.InvalidArgs, "Invalid kernel event: 'name' and 'subsystem' are required");
  }
  return { action, name, subsystem };
}
