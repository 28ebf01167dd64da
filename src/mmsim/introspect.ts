/**
 * Introspection XML for the simulator's objects. dbus-next's built-in Introspect omits argument
 * names; MM's clients and our fidelity check want them, so we generate the XML from what dbus-next
 * actually dispatches (the `$methods/$properties/$signals` tables of each exported interface) and
 * take only the argument names from the spec.
 */
import type { SimInterface } from './iface.js';

interface DbusMemberTables {
  $methods?: Record<string, { name: string; inSignature: string; outSignature: string; disabled?: boolean }>;
  $properties?: Record<string, { name: string; signature: string; access: string; disabled?: boolean }>;
  $signals?: Record<string, { name: string; signature: string; disabled?: boolean }>;
}

/** Splits a signature into its complete types: `a{sv}u(ss)` → [`a{sv}`, `u`, `(ss)`]. */
export function splitSignature(sig: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < sig.length) {
    const start = i;
    i = skipType(sig, i);
    out.push(sig.slice(start, i));
  }
  return out;
}

function skipType(sig: string, i: number): number {
  const c = sig[i];
  if (c === 'a') return skipType(sig, i + 1);
  if (c === '(' || c === '{') {
    const close = c === '(' ? ')' : '}';
    let j = i + 1;
    while (sig[j] !== close) {
      if (j >= sig.length) throw new Error(`unbalanced signature ${sig}`);
      j = skipType(sig, j);
    }
    return j + 1;
  }
  return i + 1;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

function arg(name: string | undefined, type: string, direction?: string): string {
  const n = name ? ` name="${esc(name)}"` : '';
  const d = direction ? ` direction="${direction}"` : '';
  return `      <arg${n} type="${esc(type)}"${d}/>\n`;
}

export function interfaceXml(iface: SimInterface): string {
  const t = iface as unknown as DbusMemberTables;
  let xml = `  <interface name="${esc(iface.name)}">\n`;
  for (const mt of Object.values(t.$methods ?? {})) {
    if (mt.disabled) continue;
    const spec = iface.spec.methods[mt.name];
    xml += `    <method name="${esc(mt.name)}">\n`;
    splitSignature(mt.inSignature).forEach((ty, i) => {
      xml += arg(spec?.in[i]?.name, ty, 'in');
    });
    splitSignature(mt.outSignature).forEach((ty, i) => {
      xml += arg(spec?.out[i]?.name, ty, 'out');
    });
    xml += '    </method>\n';
  }
  for (const st of Object.values(t.$signals ?? {})) {
    if (st.disabled) continue;
    const spec = iface.spec.signals[st.name];
    xml += `    <signal name="${esc(st.name)}">\n`;
    splitSignature(st.signature).forEach((ty, i) => {
      xml += arg(spec?.[i]?.name, ty);
    });
    xml += '    </signal>\n';
  }
  for (const pt of Object.values(t.$properties ?? {})) {
    if (pt.disabled) continue;
    xml += `    <property name="${esc(pt.name)}" type="${esc(pt.signature)}" access="${pt.access}"/>\n`;
  }
  return `${xml}  </interface>\n`;
}

const STANDARD = `  <interface name="org.freedesktop.DBus.Introspectable">
    <method name="Introspect">
      <arg name="xml_data" type="s" direction="out"/>
    </method>
  </interface>
  <interface name="org.freedesktop.DBus.Peer">
    <method name="Ping"/>
    <method name="GetMachineId">
      <arg name="machine_uuid" type="s" direction="out"/>
    </method>
  </interface>
  <interface name="org.freedesktop.DBus.Properties">
    <method name="Get">
      <arg name="interface_name" type="s" direction="in"/>
      <arg name="property_name" type="s" direction="in"/>
      <arg name="value" type="v" direction="out"/>
    </method>
    <method name="GetAll">
      <arg name="interface_name" type="s" direction="in"/>
      <arg name="properties" type="a{sv}" direction="out"/>
    </method>
    <method name="Set">
      <arg name="interface_name" type="s" direction="in"/>
      <arg name="property_name" type="s" direction="in"/>
      <arg name="value" type="v" direction="in"/>
    </method>
    <signal name="PropertiesChanged">
      <arg name="interface_name" type="s"/>
      <arg name="changed_properties" type="a{sv}"/>
      <arg name="invalidated_properties" type="as"/>
    </signal>
  </interface>
`;

/** The XML for `path`: its interfaces (if it is an object) and its direct child nodes. */
export function nodeXml(
  path: string,
  ifaces: readonly SimInterface[] | undefined,
  allPaths: Iterable<string>,
): string {
  const prefix = path === '/' ? '/' : `${path}/`;
  const children = new Set<string>();
  for (const p of allPaths) {
    if (p.startsWith(prefix) && p !== path) {
      const child = p.slice(prefix.length).split('/')[0];
      if (child) children.add(child);
    }
  }
  let xml =
    '<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"\n' +
    '"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">\n<node>\n';
  if (ifaces) {
    xml += STANDARD;
    for (const i of ifaces) xml += interfaceXml(i);
  }
  for (const c of [...children].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })))
    xml += `  <node name="${esc(c)}"/>\n`;
  return `${xml}</node>\n`;
}
