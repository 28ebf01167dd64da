/**
 * Validation of every external input against schemas/ (JSON Schema 2020-12). Errors name the
 * failing field as a JSON pointer and say what is wrong in plain words. The validators are ajv's,
 * compiled at build time into validators.generated.ts (schemas/codegen.ts): the agent loads no schema
 * compiler, only ajv's small run-time helpers.
 *
 * Every validator first bounds the document's nesting and checks its strings are Unicode
 * (document-guard.ts), so ajv's recursive walk never meets a hostile depth. The config validators
 * then check the document is the expected kind of config (config-kind.ts), and validateWwanConfig
 * adds what a schema cannot say (wwan-rules.ts): `mmagent validate`, `mmagent plan` and the agent
 * all call these, so they accept and reject the same files.
 */
import type { ErrorObject } from 'ajv/dist/2020.js';
import { type ConfigKind, configKindErrors } from './config-kind.js';
import { checkDocumentShape, pointerSegment, shortPointer } from './document-guard.js';
import { schemaFieldMap } from './go-fields.js';
import type {
  ConfigItemValueMap,
  WwanConfig,
  WwanLocationInfo,
  WwanMetrics,
  WwanStatus,
} from './types.generated.js';
import { type SchemaFile, type SchemaValidator, validators } from './validators.generated.js';
import { checkWwanConfigRules } from './wwan-rules.js';

export interface FieldError {
  /** JSON pointer of the failing field ('' for the document itself). */
  readonly path: string;
  readonly message: string;
}

export type Validation<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly errors: readonly FieldError[] };

/**
 * The validator of a schema file. ajv generated it (`npm run schemas`) with every error reported
 * (`allErrors`), each error object carrying its schema and parent schema (`verbose`: describe() reads
 * `x-message` and `description` there), and the formats of formats.ts.
 */
function validator(file: string): SchemaValidator {
  const v = Object.hasOwn(validators, file) ? validators[file as SchemaFile] : undefined;
  if (!v) throw new Error(`schema ${file} is not loaded`);
  return v;
}

/**
 * A file of a million bad entries would otherwise make a million-line log entry and status
 * ConfigError; the first ones say what is wrong.
 */
export const MAX_REPORTED_ERRORS = 50;

function capped(errors: readonly FieldError[]): FieldError[] {
  if (errors.length <= MAX_REPORTED_ERRORS) return [...errors];
  return [
    ...errors.slice(0, MAX_REPORTED_ERRORS),
    { path: '', message: `${errors.length - MAX_REPORTED_ERRORS} more errors not shown` },
  ];
}

const failed = (errors: readonly FieldError[]) => ({ ok: false as const, errors: capped(errors) });

/** Validates `value` against a schema file in schemas/ (after the nesting and Unicode checks). */
export function validateAgainst<T>(file: string, value: unknown): Validation<T> {
  const shape = checkDocumentShape(value);
  if (shape.length > 0) return failed(shape);
  const v = validator(file);
  if (v(value)) return { ok: true, value: value as T };
  return failed(describe(v.errors ?? []));
}

function validateConfig<T>(file: string, kind: ConfigKind, value: unknown): Validation<T> {
  const shape = checkDocumentShape(value);
  if (shape.length > 0) return failed(shape);
  // Go readers match field names case-insensitively: what they accept, we accept (go-fields.ts).
  const normalized = schemaFieldMap(file).normalize(value);
  const wrongKind = configKindErrors(normalized, kind);
  if (wrongKind.length > 0) return failed(wrongKind);
  return validateAgainst<T>(file, normalized);
}

/** A WwanConfig: the schema, then the rules across its entries (unique labels and interfaces). */
export function validateWwanConfig(value: unknown): Validation<WwanConfig> {
  const v = validateConfig<WwanConfig>('wwan-config.schema.json', 'WwanConfig', value);
  if (!v.ok) return v;
  const rules = checkWwanConfigRules(v.value);
  return rules.length > 0 ? failed(rules) : v;
}

/** A global config (ConfigItemValueMap). */
export const validateGlobalConfig = (value: unknown): Validation<ConfigItemValueMap> =>
  validateConfig<ConfigItemValueMap>('global-config.schema.json', 'global config', value);
export const validateWwanStatus = (v: unknown) => validateAgainst<WwanStatus>('wwan-status.schema.json', v);
export const validateWwanMetrics = (v: unknown) =>
  validateAgainst<WwanMetrics>('wwan-metrics.schema.json', v);
export const validateWwanLocation = (v: unknown) =>
  validateAgainst<WwanLocationInfo>('wwan-location.schema.json', v);

/** One plain message per failing field (ajv reports some failures several times, e.g. for unions). */
function describe(errors: readonly ErrorObject[]): FieldError[] {
  const byPath = new Map<string, string>();
  for (const e of errors) {
    // A failed if/then is also reported by the keyword of `then` that failed, on the field itself.
    if (e.keyword === 'if' || e.keyword === 'propertyNames') continue;
    let path = shortPointer(e.instancePath);
    let message: string;
    // x-message says what a valid value is; a wrong type, a missing or unknown field say it better.
    const own = e.parentSchema?.['x-message'];
    const generic = e.keyword === 'type' || e.keyword === 'required' || e.keyword === 'additionalProperties';
    switch (typeof own === 'string' && !generic ? 'x-message' : e.keyword) {
      case 'x-message':
        message = String(own);
        break;
      case 'required':
        path = `${path}/${pointerSegment((e.params as { missingProperty: string }).missingProperty)}`;
        message = 'is required';
        break;
      case 'additionalProperties':
        path = `${path}/${pointerSegment((e.params as { additionalProperty: string }).additionalProperty)}`;
        message = 'is not a known field';
        break;
      case 'enum':
        message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((x) => JSON.stringify(x)).join(', ')}`;
        break;
      case 'type':
        message = `must be ${(e.params as { type: string | string[] }).type.toString().replace(',', ' or ')}`;
        break;
      case 'maxLength':
        message = `must be at most ${(e.params as { limit: number }).limit} characters long`;
        break;
      case 'maxItems':
        message = `must have at most ${(e.params as { limit: number }).limit} entries`;
        break;
      case 'maxProperties':
        message = `must have at most ${(e.params as { limit: number }).limit} keys`;
        break;
      case 'format':
      case 'pattern':
        message =
          e.parentSchema && 'description' in e.parentSchema
            ? `is not valid: ${String(e.parentSchema.description)}`
            : e.keyword === 'format'
              ? `must be a valid ${(e.params as { format: string }).format}`
              : `does not match ${(e.params as { pattern: string }).pattern}`;
        break;
      default:
        message = e.message ?? e.keyword;
    }
    // Inside propertyNames the failing thing is a key: name it, and say so.
    if (e.propertyName !== undefined) {
      path = `${path}/${pointerSegment(e.propertyName)}`;
      message = `its name ${message}`;
    }
    if (!byPath.has(path)) byPath.set(path, message);
  }
  return [...byPath].map(([path, message]) => ({ path, message }));
}

/** `path: message` lines, for logs and CLI output. */
export function formatErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.path || '(document)'}: ${e.message}`).join('\n');
}
