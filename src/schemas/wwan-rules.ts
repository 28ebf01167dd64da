/**
 * What a JSON Schema cannot say about a WwanConfig: uniqueness across the Networks entries. Run
 * after the schema (the value has its shape) by validateWwanConfig, so every reader gets it.
 */
import type { WwanConfig } from './types.generated.js';
import type { FieldError } from './validate.js';

/**
 * A LogicalLabel names one modem's items: a second config with the same label would silently be
 * ignored by the matcher. Two configs naming one interface would fight over one modem. Each error
 * is on the later entry; empty labels (unmanaged) and empty interfaces (wildcards) may repeat.
 */
export function checkWwanConfigRules(cfg: WwanConfig): FieldError[] {
  const errors: FieldError[] = [];
  const labels = new Map<string, number>();
  const interfaces = new Map<string, number>();
  (cfg.Networks ?? []).forEach((n, i) => {
    const label = n.LogicalLabel ?? '';
    if (label !== '') {
      const first = labels.get(label);
      if (first === undefined) labels.set(label, i);
      else
        errors.push({
          path: `/Networks/${i}/LogicalLabel`,
          message: `repeats the label of /Networks/${first} (each modem's label must be unique)`,
        });
    }
    const ifname = n.PhysAddrs?.Interface ?? '';
    if (ifname !== '') {
      const first = interfaces.get(ifname);
      if (first === undefined) interfaces.set(ifname, i);
      else
        errors.push({
          path: `/Networks/${i}/PhysAddrs/Interface`,
          message: `names the interface of /Networks/${first} too (one interface, one config)`,
        });
    }
  });
  return errors;
}
