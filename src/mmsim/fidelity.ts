/**
 * The fidelity check's machinery: a small parser for D-Bus introspection XML (ModemManager's
 * interface files and the simulator's Introspect replies share that format) and a comparison that
 * lists every difference between what the simulator exports and ModemManager's own description.
 * Used by e2e/mmsim/fidelity.test.ts; unit-tested in test/mmsim/fidelity.test.ts.
 */

export interface IntroArg {
  readonly name: string | undefined;
  readonly type: string;
  /** `in` or `out` for methods (D-Bus default: in); undefined for signals. */
  readonly direction: string | undefined;
}
export interface IntroProperty {
  readonly type: string;
  readonly access: string;
}
export interface IntroInterface {
  readonly name: string;
  readonly methods: Map<string, IntroArg[]>;
  readonly signals: Map<string, IntroArg[]>;
  readonly properties: Map<string, IntroProperty>;
}
export interface IntroNode {
  readonly interfaces: Map<string, IntroInterface>;
  /** Child node names (relative). */
  readonly children: string[];
}

function attrs(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(/([\w:.-]+)\s*=\s*"([^"]*)"/g)) {
    out[m[1] as string] = (m[2] as string)
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&');
  }
  return out;
}

/** Parses introspection XML (comments, doctype and doc elements ignored). */
export function parseIntrospection(xml: string): IntroNode {
  const body = xml.replace(/<!--[\s\S]*?-->/g, '');
  const interfaces = new Map<string, IntroInterface>();
  const children: string[] = [];
  const stack: string[] = [];
  let iface: IntroInterface | undefined;
  let member: { kind: 'method' | 'signal'; args: IntroArg[] } | undefined;
  for (const m of body.matchAll(/<(\/?)([A-Za-z][\w:.-]*)([^>]*?)(\/?)>/g)) {
    const [, close, tag, rest, selfClose] = m as unknown as [string, string, string, string, string];
    if (close) {
      stack.pop();
      if (tag === 'interface') iface = undefined;
      if (tag === 'method' || tag === 'signal') member = undefined;
      continue;
    }
    const a = attrs(rest);
    const depth = stack.length;
    if (tag === 'interface' && a.name) {
      iface = { name: a.name, methods: new Map(), signals: new Map(), properties: new Map() };
      interfaces.set(a.name, iface);
    } else if ((tag === 'method' || tag === 'signal') && iface && a.name) {
      member = { kind: tag, args: [] };
      (tag === 'method' ? iface.methods : iface.signals).set(a.name, member.args);
    } else if (tag === 'arg' && member && a.type) {
      member.args.push({
        name: a.name,
        type: a.type,
        direction: member.kind === 'method' ? (a.direction ?? 'in') : undefined,
      });
    } else if (tag === 'property' && iface && a.name && a.type) {
      iface.properties.set(a.name, { type: a.type, access: a.access ?? '' });
    } else if (tag === 'node' && depth === 1 && a.name) {
      children.push(a.name);
    }
    if (!selfClose) stack.push(tag);
  }
  return { interfaces, children };
}

export interface ComparisonCounts {
  interfaces: number;
  methods: number;
  arguments: number;
  properties: number;
  signals: number;
}

export interface Comparison {
  readonly problems: string[];
  readonly counts: ComparisonCounts;
}

function argList(args: readonly IntroArg[]): string {
  return args
    .map((a) => `${a.direction ?? ''}${a.direction ? ' ' : ''}${a.type} ${a.name ?? '?'}`)
    .join(', ');
}

function compareArgs(
  where: string,
  got: readonly IntroArg[],
  want: readonly IntroArg[],
  problems: string[],
): void {
  if (got.length !== want.length) {
    problems.push(
      `${where}: ${got.length} arguments (${argList(got)}), reference has ${want.length} (${argList(want)})`,
    );
    return;
  }
  got.forEach((g, i) => {
    const w = want[i] as IntroArg;
    if (g.type !== w.type) problems.push(`${where} argument ${i}: type '${g.type}', reference '${w.type}'`);
    if (g.direction !== w.direction) {
      problems.push(`${where} argument ${i}: direction '${g.direction}', reference '${w.direction}'`);
    }
    if (g.name !== w.name) problems.push(`${where} argument ${i}: name '${g.name}', reference '${w.name}'`);
  });
}

/**
 * Every member the simulator implements must exist in the reference with the same signature.
 * Members the reference has and the simulator does not implement are not problems (a subset).
 */
export function compareInterface(
  sim: IntroInterface,
  ref: IntroInterface | undefined,
  counts: ComparisonCounts,
  problems: string[],
): void {
  if (!ref) {
    problems.push(`interface ${sim.name}: not in the reference XML`);
    return;
  }
  counts.interfaces++;
  for (const [name, args] of sim.methods) {
    const want = ref.methods.get(name);
    if (!want) {
      problems.push(`${sim.name}.${name}(): method not in the reference`);
      continue;
    }
    counts.methods++;
    counts.arguments += args.length;
    compareArgs(`${sim.name}.${name}()`, args, want, problems);
  }
  for (const [name, args] of sim.signals) {
    const want = ref.signals.get(name);
    if (!want) {
      problems.push(`${sim.name}::${name}: signal not in the reference`);
      continue;
    }
    counts.signals++;
    counts.arguments += args.length;
    compareArgs(`${sim.name}::${name}`, args, want, problems);
  }
  for (const [name, p] of sim.properties) {
    const want = ref.properties.get(name);
    if (!want) {
      problems.push(`${sim.name}.${name}: property not in the reference`);
      continue;
    }
    counts.properties++;
    if (p.type !== want.type)
      problems.push(`${sim.name}.${name}: property type '${p.type}', reference '${want.type}'`);
    if (p.access !== want.access) {
      problems.push(`${sim.name}.${name}: property access '${p.access}', reference '${want.access}'`);
    }
  }
}

/** Compares every non-standard interface of the simulator's nodes with the reference interfaces. */
export function compareWithReference(
  simInterfaces: Iterable<IntroInterface>,
  reference: ReadonlyMap<string, IntroInterface>,
): Comparison {
  const counts: ComparisonCounts = { interfaces: 0, methods: 0, arguments: 0, properties: 0, signals: 0 };
  const problems: string[] = [];
  for (const i of simInterfaces) compareInterface(i, reference.get(i.name), counts, problems);
  return { problems, counts };
}
