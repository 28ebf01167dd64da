/** A SIM card object (/org/freedesktop/ModemManager1/SIM/N, interface ...ModemManager1.Sim). */
import { SimEsimStatus, SimRemovability, SimType } from './enums.js';
import { MMError, mmError } from './errors.js';
import { makeInterface, type SimInterface } from './iface.js';
import { simSpec } from './spec.js';
import type { SimSpec } from './types.js';

export class SimCard {
  readonly path: string;
  readonly spec: SimSpec;
  readonly iface: SimInterface;
  #locked: boolean;
  #retries: number;

  constructor(
    path: string,
    spec: SimSpec,
    active: boolean,
    onUnlock: () => void,
    onWrongPin: (retriesLeft: number) => void = () => {},
  ) {
    this.path = path;
    this.spec = spec;
    this.#locked = spec.pin !== undefined;
    this.#retries = spec.pinRetries ?? 3;
    const esim = spec.type === 'esim';
    this.iface = makeInterface(
      simSpec,
      {
        Active: active,
        SimIdentifier: spec.iccid,
        Imsi: spec.imsi ?? '',
        Eid: spec.eid ?? '',
        OperatorIdentifier: spec.operatorId ?? '',
        OperatorName: spec.operatorName ?? '',
        EmergencyNumbers: [...(spec.emergencyNumbers ?? [])],
        PreferredNetworks: [],
        Gid1: Buffer.alloc(0),
        Gid2: Buffer.alloc(0),
        SimType: esim ? SimType.ESIM : SimType.PHYSICAL,
        EsimStatus: esim
          ? spec.esimHasProfiles === false
            ? SimEsimStatus.NO_PROFILES
            : SimEsimStatus.WITH_PROFILES
          : SimEsimStatus.UNKNOWN,
        Removability: esim ? SimRemovability.NOT_REMOVABLE : SimRemovability.REMOVABLE,
      },
      {
        SendPin: (pin: string) => {
          if (!this.#locked)
            throw mmError(MMError.WrongState, 'Cannot send PIN: device is not SIM-PIN locked');
          if (this.#retries <= 0) throw mmError(MMError.SimPuk, 'SIM PUK required');
          if (pin !== this.spec.pin) {
            this.#retries--;
            onWrongPin(this.#retries);
            throw mmError(MMError.IncorrectPassword, 'Incorrect password');
          }
          this.#locked = false;
          onUnlock();
        },
      },
    );
  }

  get locked(): boolean {
    return this.#locked;
  }

  /** PIN tries left; 0 means PUK-locked. */
  get pinRetries(): number {
    return this.#retries;
  }

  /** Unlocks with `pin`; false when the PIN is wrong. */
  unlock(pin: string): boolean {
    if (!this.#locked) return true;
    if (pin !== this.spec.pin) return false;
    this.#locked = false;
    return true;
  }

  setActive(active: boolean): void {
    this.iface.update({ Active: active });
  }
}
