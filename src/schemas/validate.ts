/**
 * Validation of every external input against schemas/ (ajv, JSON Schema 2020-12). Errors name the
 * failing field as a JSON pointer and say what is wrong in plain words.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { packageFile } from '../repo-files.js';
import type {
  ConfigItemValueMap,
  WwanConfig,
  WwanLocationInfo,
  WwanMetrics,
  WwanStatus,
} from './types.generated.js';

export interface FieldError {
  /** JSON pointer of the failing field ('' for the document itself). */
  readonly path: string;
  readonly message: string;
}

export type Validation<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly errors: readonly FieldError[] };

const load = (f: string) => JSON.parse(readFileSync(packageFile('schemas', f), 'utf8')) as object;

let ajv: Ajv2020 | undefined;
function instance(): Ajv2020 {
  if (!ajv) {
    // verbose: error objects carry their schema, whose description explains a pattern in words.
    ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
    for (const f of [
      'wwan-common.schema.json',
      'wwan-config.schema.json',
      'wwan-status.schema.json',
      'wwan-metrics.schema.json',
      'wwan-location.schema.json',
      'global-config.schema.json',
      'graph-export.schema.json',
      'snapshot.schema.json',
      'plan-output.schema.json',
    ]) {
      ajv.addSchema(load(f));
    }
  }
  return ajv;
}

const base = 'https://lf-edge.org/mmagent-ts/schemas/';
const compiled = new Map<string, ValidateFunction>();
function validator(file: string): ValidateFunction {
  let v = compiled.get(file);
  if (!v) {
    v = instance().getSchema(base + file);
    if (!v) throw new Error(`schema ${file} is not loaded`);
    compiled.set(file, v);
  }
  return v;
}

/** Validates `value` against a schema file in schemas/. */
export function validateAgainst<T>(file: string, value: unknown): Validation<T> {
  const v = validator(file);
  if (v(value)) return { ok: true, value: value as T };
  return { ok: false, errors: describe(v.errors ?? []) };
}

export const validateWwanConfig = (v: unknown) => validateAgainst<WwanConfig>('wwan-config.schema.json', v);
export const validateGlobalConfig = (v: unknown) =>
  validateAgainst<ConfigItemValueMap>('global-config.schema.json', v);
export const validateWwanStatus = (v: unknown) => validateAgainst<WwanStatus>('wwan-status.schema.json', v);
export const validateWwanMetrics = (v: unknown) =>
  validateAgainst<WwanMetrics>('wwan-metrics.schema.json', v);
export const validateWwanLocation = (v: unknown) =>
  validateAgainst<WwanLocationInfo>('wwan-location.schema.json', v);

/** One plain message per failing field (ajv reports some failures several times, e.g. for unions). */
function describe(errors: readonly ErrorObject[]): FieldError[] {
  const byPath = new Map<string, string>();
  for (const e of errors) {
    let path = e.instancePath;
    let message: string;
    switch (e.keyword) {
      case 'required':
        path = `${path}/${(e.params as { missingProperty: string }).missingProperty}`;
        message = 'is required';
        break;
      case 'additionalProperties':
        path = `${path}/${(e.params as { additionalProperty: string }).additionalProperty}`;
        message = 'is not a known field';
        break;
      case 'enum':
        message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((x) => JSON.stringify(x)).join(', ')}`;
        break;
      case 'type':
        message = `must be ${(e.params as { type: string | string[] }).type.toString().replace(',', ' or ')}`;
        break;
      case 'pattern':
        message =
          e.parentSchema && 'description' in e.parentSchema
            ? `is not valid: ${String(e.parentSchema.description)}`
            : `does not match ${(e.params as { pattern: string }).pattern}`;
        break;
      default:
        message = e.message ?? e.keyword;
    }
    if (!byPath.has(path)) byPath.set(path, message);
  }
  return [...byPath].map(([path, message]) => ({ path, message }));
}

/** `path: message` lines, for logs and CLI output. */
export function formatErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.path || '(document)'}: ${e.message}`).join('\n');
}
