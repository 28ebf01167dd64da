/**
 * Go's field-name matching for our readers. EVE's Go agents decode our inputs with encoding/json,
 * which matches an object key to a struct field "preferring an exact match but also accepting a
 * case-insensitive match" (Unicode simple folding, `bytes.EqualFold`). A file or pubsub value that
 * a Go reader accepts (`"networks"` for `Networks`) must be accepted here too, so before a value is
 * validated its keys are renamed, along the JSON schema that describes it, to the declared names.
 *
 * - Only declared properties are field names. Keys of `additionalProperties` maps (GlobalSettings,
 *   AgentSettings) are data and keep their spelling; an unknown key is left as it is (Go ignores
 *   it, and so does the schema).
 * - Several keys for one field (`"Networks"` and `"networks"`): Go's decoder assigns each key in
 *   document order into the same field, so the last one wins, whether or not it is the exact name
 *   (golang/go#43664, #47984). "Assigns into" matters: a second object is decoded into the struct
 *   the first one filled, so structs merge field by field; a map gets keys added, each value
 *   replaced; a slice is decoded element by element into the elements already there; a null sets a
 *   pointer, slice or map (a schema type that allows null) to nil and leaves anything else as it
 *   was. We do the same. The one thing we cannot see is the document order of an exact duplicate:
 *   JSON.parse keeps the last value of `"A"` at the place of its first occurrence, so
 *   `{"A":1,"a":2,"A":3}` gives 2 here and 3 in Go. Such a document is already ambiguous; the
 *   difference is noted rather than worked around with a second parser.
 * - Two declared names that fold alike (none in our schemas) resolve to the first declared, as
 *   Go's field index does.
 *
 * The walk is iterative over the value. Only the merging of duplicate keys recurses, as deep as
 * the duplicated values and at most 64 levels; validators depth-check documents to 32 levels
 * (document-guard.ts) before they call this.
 */
import { readFileSync } from 'node:fs';
import { packageFile } from '../repo-files.js';

/** A JSON Schema node as our schema files write them (booleans are schemas too). */
export type JsonSchema = boolean | { readonly [keyword: string]: unknown };

type SchemaObject = { readonly [keyword: string]: unknown };

/** What a value at one place of a document is, as far as field names are concerned. */
interface Shape {
  /** Declared property name → the shape of its value. */
  readonly fields: Map<string, Shape>;
  /** Folded name → declared name (the first declared of those that fold alike). */
  readonly folded: Map<string, string>;
  /** Shape of an array's elements, if the schema says. */
  items: Shape | undefined;
  /** Shape of the values of an additionalProperties map, if the schema says. */
  values: Shape | undefined;
  /** The schema's type allows null: a Go pointer, slice or map, which a JSON null sets to nil. */
  nullable: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Go's foldName: ASCII letters to upper case, any other rune to the smallest rune of its simple
 * case-fold orbit. Declared names are ASCII, and the only non-ASCII runes whose orbit holds an
 * ASCII letter are U+212A KELVIN SIGN (k) and U+017F LONG S (s), so they are the only ones that
 * can make a key match a field; every other rune is kept, which cannot match an ASCII name.
 */
export function goFoldName(name: string): string {
  let out = '';
  for (const ch of name) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x61 && c <= 0x7a) out += String.fromCharCode(c - 0x20);
    else if (c === 0x212a) out += 'K';
    else if (c === 0x17f) out += 'S';
    else out += ch;
  }
  return out;
}

/** The schema documents a shape may refer to, by $id, with every node's document remembered. */
class SchemaSet {
  private readonly byId = new Map<string, SchemaObject>();
  private readonly docOf = new WeakMap<object, string>();

  constructor(docs: readonly SchemaObject[]) {
    for (const doc of docs) {
      const id = typeof doc.$id === 'string' ? doc.$id : '';
      this.byId.set(id, doc);
      // Iterative: schema files are trusted but need not be shallow.
      const pending: unknown[] = [doc];
      for (let n = pending.pop(); n !== undefined; n = pending.pop()) {
        if (typeof n !== 'object' || n === null || this.docOf.has(n)) continue;
        this.docOf.set(n, id);
        pending.push(...Object.values(n));
      }
    }
  }

  /** The node a `$ref` in `from` points to (same document or another loaded one). */
  resolve(ref: string, from: object): JsonSchema {
    const base = this.docOf.get(from) ?? '';
    const url = base ? new URL(ref, base) : undefined;
    const docId = url ? `${url.origin}${url.pathname}` : ref.startsWith('#') ? '' : ref.split('#')[0]!;
    const doc = this.byId.get(docId);
    if (!doc) throw new Error(`schema ${docId} referenced by ${ref} is not loaded`);
    const fragment = url ? decodeURIComponent(url.hash.slice(1)) : (ref.split('#')[1] ?? '');
    let node: unknown = doc;
    for (const seg of fragment.split('/').slice(1)) {
      node = isObject(node) ? node[seg.replaceAll('~1', '/').replaceAll('~0', '~')] : undefined;
    }
    if (typeof node !== 'boolean' && !isObject(node)) throw new Error(`schema reference ${ref} not found`);
    return node as JsonSchema;
  }
}

/** Keywords whose subschemas describe the same value (all alternatives of one Go type). */
const SAME_VALUE = ['allOf', 'anyOf', 'oneOf'] as const;
const BRANCHES = ['if', 'then', 'else'] as const;

/**
 * Compiled field tables for one root schema. Compiling follows the schema, not the value, and is
 * done once per distinct set of schema nodes (memoized), so recursive schemas terminate.
 */
export class GoFieldMap {
  private readonly set: SchemaSet;
  private readonly ids = new WeakMap<object, number>();
  private readonly memo = new Map<string, Shape>();
  private readonly root: Shape;

  /** `root` is the schema of the document; `others` are the schema files its $refs may name. */
  constructor(root: SchemaObject, others: readonly SchemaObject[] = []) {
    this.set = new SchemaSet([root, ...others.filter((o) => o !== root)]);
    this.root = this.compile([root]);
  }

  /** Every node that describes the same value as `nodes`: through $ref, allOf/anyOf/oneOf, if/then/else. */
  private expand(nodes: readonly JsonSchema[]): SchemaObject[] {
    const out: SchemaObject[] = [];
    const seen = new Set<object>();
    const pending = [...nodes];
    for (let n = pending.pop(); n !== undefined; n = pending.pop()) {
      if (typeof n === 'boolean' || seen.has(n)) continue;
      seen.add(n);
      out.push(n);
      if (typeof n.$ref === 'string') pending.push(this.set.resolve(n.$ref, n));
      for (const k of SAME_VALUE) if (Array.isArray(n[k])) pending.push(...(n[k] as JsonSchema[]));
      for (const k of BRANCHES) if (n[k] !== undefined) pending.push(n[k] as JsonSchema);
    }
    return out;
  }

  private nextId = 0;
  private idOf(o: object): number {
    let id = this.ids.get(o);
    if (id === undefined) {
      id = ++this.nextId;
      this.ids.set(o, id);
    }
    return id;
  }

  private compile(nodes: readonly JsonSchema[]): Shape {
    const expanded = this.expand(nodes);
    const key = expanded
      .map((n) => this.idOf(n))
      .sort((a, b) => a - b)
      .join(',');
    const known = this.memo.get(key);
    if (known) return known;
    const shape: Shape = {
      fields: new Map(),
      folded: new Map(),
      items: undefined,
      values: undefined,
      nullable: false,
    };
    this.memo.set(key, shape);
    const props = new Map<string, JsonSchema[]>();
    const items: JsonSchema[] = [];
    const values: JsonSchema[] = [];
    for (const n of expanded) {
      const type = n.type;
      if (type === 'null' || (Array.isArray(type) && type.includes('null'))) shape.nullable = true;
      if (isObject(n.properties)) {
        for (const [name, sub] of Object.entries(n.properties)) {
          const list = props.get(name) ?? [];
          list.push(sub as JsonSchema);
          props.set(name, list);
        }
      }
      if (n.items !== undefined) items.push(n.items as JsonSchema);
      if (n.additionalProperties !== undefined && n.additionalProperties !== false)
        values.push(n.additionalProperties as JsonSchema);
    }
    for (const [name, subs] of props) {
      shape.fields.set(name, this.compile(subs));
      const f = goFoldName(name);
      if (!shape.folded.has(f)) shape.folded.set(f, name);
    }
    if (items.length > 0) shape.items = this.compile(items);
    if (values.length > 0) shape.values = this.compile(values);
    return shape;
  }

  /**
   * `value` with every key that names a declared field (exactly or by Go's case folding) renamed
   * to the declared name, duplicates combined as Go's decoder does. The input is not modified;
   * parts that need no change are shared with it.
   */
  normalize(value: unknown): unknown {
    return normalizeShape(value, this.root);
  }
}

/** The declared name a key decodes into, or undefined for a key Go would ignore (or a map key). */
function fieldFor(shape: Shape, key: string): string | undefined {
  if (shape.fields.size === 0) return undefined;
  if (shape.fields.has(key)) return key;
  return shape.folded.get(goFoldName(key));
}

interface Frame {
  readonly value: unknown;
  readonly shape: Shape;
  readonly set: (v: unknown) => void;
}

function normalizeShape(value: unknown, shape: Shape): unknown {
  let result: unknown = value;
  const pending: Frame[] = [{ value, shape, set: (v) => (result = v) }];
  // Combining duplicates needs their normalized values: each combine runs after the frames it
  // waits for, and combines are run last-created first, so inner ones finish before outer ones.
  const combines: (() => void)[] = [];
  for (let f = pending.pop(); f !== undefined; f = pending.pop()) {
    const { value: v, shape: s } = f;
    if (Array.isArray(v)) {
      if (!s.items) continue;
      const items = s.items;
      const copy = [...v];
      f.set(copy);
      copy.forEach((e, i) => {
        pending.push({ value: e, shape: items, set: (x) => (copy[i] = x) });
      });
    } else if (isObject(v)) {
      const out: Record<string, unknown> = {};
      f.set(out);
      const entries = Object.entries(v);
      const byField = new Map<string, unknown[]>();
      const names = entries.map(([k, child]) => {
        const name = fieldFor(s, k);
        if (name !== undefined) byField.set(name, [...(byField.get(name) ?? []), child]);
        return name;
      });
      // Keys keep the place of their first occurrence; a later key for the same field is
      // assigned over (into) the earlier one.
      entries.forEach(([k, child], i) => {
        const name = names[i];
        if (name === undefined) {
          defineKey(out, k, child);
          const values = s.values;
          if (values) pending.push({ value: child, shape: values, set: (x) => defineKey(out, k, x) });
          return;
        }
        if (Object.hasOwn(out, name)) return;
        const list = byField.get(name)!;
        const sub = s.fields.get(name)!;
        defineKey(out, name, list[0]);
        if (list.length === 1) {
          pending.push({ value: list[0], shape: sub, set: (x) => defineKey(out, name, x) });
          return;
        }
        const slots = [...list];
        list.forEach((x, j) => {
          pending.push({ value: x, shape: sub, set: (y) => (slots[j] = y) });
        });
        combines.push(() =>
          defineKey(
            out,
            name,
            slots.reduce((acc, next) => goAssign(acc, next, sub, 0)),
          ),
        );
      });
    }
  }
  for (let c = combines.pop(); c !== undefined; c = combines.pop()) c();
  return result;
}

/** Sets an own key, also `__proto__`, which plain assignment would treat as the prototype. */
function defineKey(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/**
 * Merging stops here (the later value wins whole): validators depth-check documents to 32 levels
 * first, so this only bounds the recursion for a caller that did not.
 */
const MAX_MERGE_DEPTH = 64;

/** What Go's decoder leaves in a field holding `prev` after decoding `next` into it. */
function goAssign(prev: unknown, next: unknown, shape: Shape, depth: number): unknown {
  if (next === null) return shape.nullable ? null : prev;
  if (depth > MAX_MERGE_DEPTH) return next;
  if (isObject(prev) && isObject(next)) {
    const out: Record<string, unknown> = { ...prev };
    for (const [k, v] of Object.entries(next)) {
      // A struct field is decoded into; a map element is decoded into a fresh zero value.
      const sub = shape.fields.get(k);
      defineKey(out, k, sub && Object.hasOwn(prev, k) ? goAssign(prev[k], v, sub, depth + 1) : v);
    }
    return out;
  }
  if (Array.isArray(prev) && Array.isArray(next) && shape.items) {
    const items = shape.items;
    return next.map((e, i) => (i < prev.length ? goAssign(prev[i], e, items, depth + 1) : e));
  }
  return next;
}

/**
 * `value` with its keys renamed to the field names `schema` declares, as Go's encoding/json would
 * match them (see the module comment). `others` are the schema files that `schema`'s $refs name.
 * For repeated use, build a GoFieldMap once.
 */
export function normalizeGoFields(
  value: unknown,
  schema: { readonly [keyword: string]: unknown },
  others: readonly { readonly [keyword: string]: unknown }[] = [],
): unknown {
  return new GoFieldMap(schema, others).normalize(value);
}

/** Schema files every input schema may $ref (wwan-common holds the shared types). */
const SHARED_SCHEMAS = ['wwan-common.schema.json'];

const readSchema = (f: string) =>
  JSON.parse(readFileSync(packageFile('schemas', f), 'utf8')) as { readonly [keyword: string]: unknown };

const byFile = new Map<string, GoFieldMap>();

/** The field map of a schema file in schemas/ (e.g. `wwan-config.schema.json`), built once. */
export function schemaFieldMap(file: string): GoFieldMap {
  let m = byFile.get(file);
  if (!m) {
    m = new GoFieldMap(readSchema(file), SHARED_SCHEMAS.filter((f) => f !== file).map(readSchema));
    byFile.set(file, m);
  }
  return m;
}
