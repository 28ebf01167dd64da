/**
 * The signatures we send must be exactly ModemManager's: every entry of METHODS is checked
 * against the introspection XML that Debian's modemmanager-dev installs.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { inCI } from '../../e2e/harness/require.js';
import { bearerDict, METHODS } from '../../src/modemmanager/index.js';

const DIR = '/usr/share/dbus-1/interfaces';

/** interface → method → {in, out}, parsed from the XML (flat enough for regexes). */
function loadXml(iface: string): Map<string, { in: string; out: string }> {
  const xml = readFileSync(`${DIR}/${iface}.xml`, 'utf8').replace(/<!--[\s\S]*?-->/g, '');
  const out = new Map<string, { in: string; out: string }>();
  for (const m of xml.matchAll(/<method\s+name="([^"]+)"\s*(\/>|>([\s\S]*?)<\/method>)/g)) {
    const body = m[3] ?? '';
    let ins = '';
    let outs = '';
    for (const a of body.matchAll(/<arg\b([^>]*)>/g)) {
      const attrs = a[1] ?? '';
      const type = /type="([^"]+)"/.exec(attrs)?.[1] ?? '';
      if (/direction="out"/.test(attrs)) outs += type;
      else ins += type;
    }
    out.set(m[1] ?? '', { in: ins, out: outs });
  }
  return out;
}

test('every typed call uses the signature from ModemManager introspection XML', (t) => {
  if (!existsSync(`${DIR}/org.freedesktop.ModemManager1.Modem.xml`)) {
    if (inCI) throw new Error('modemmanager-dev XML missing in CI');
    t.skip('needs modemmanager-dev (introspection XML)');
    return;
  }
  let checked = 0;
  for (const [key, spec] of Object.entries(METHODS)) {
    const methods = loadXml(spec.iface);
    const xml = methods.get(spec.member);
    assert.ok(xml, `${key}: ${spec.iface}.${spec.member} not in the XML`);
    assert.equal(spec.in, xml.in, `${key}: in-signature`);
    assert.equal(spec.out, xml.out, `${key}: out-signature`);
    checked++;
  }
  assert.equal(checked, Object.keys(METHODS).length);
});

test('Simple.Connect properties carry ModemManager types (allowed-auth and ip-type are u)', () => {
  const d = bearerDict({
    apn: 'internet',
    ipType: 4,
    allowedAuth: 6,
    user: 'u',
    password: 'p',
    allowRoaming: false,
    profileId: 3,
    roamingAllowance: 1,
  });
  const sig = Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v.signature]));
  assert.deepEqual(sig, {
    apn: 's',
    'ip-type': 'u',
    'allowed-auth': 'u',
    user: 's',
    password: 's',
    'allow-roaming': 'b',
    'profile-id': 'i',
    'roaming-allowance': 'u',
  });
  // empty credentials are not sent (EVE sends user/password only when set)
  assert.deepEqual(Object.keys(bearerDict({ apn: 'a', user: '', password: '' })), ['apn']);
});

test('call timeouts of long operations exceed ModemManager own bounds', () => {
  assert.ok(METHODS.simpleConnect.timeoutMs > 180_000, 'MM gives Connect 180 s');
  assert.ok(METHODS.scan.timeoutMs > 180_000, 'MM gives AT+COPS=? 120 s, EVE waits 3 min');
});
