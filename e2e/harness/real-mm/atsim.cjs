#!/usr/bin/env node
// biome-ignore-all lint/suspicious/noAssignInExpressions: copied from the team kit (shared/real-mm), keeps its `if ((m = re.exec(..)))` AT-parser style
// atsim.js WORKDIR
//
// Deterministic AT-command simulator of an Option "HSO" 3G/LTE modem, good
// enough for the real ModemManager 1.20 "option-hso" plugin: probing, SIM,
// registration, Simple.Connect with a static IPv4 config on the net port
// (AT_OWANCALL / AT_OWANDATA), disconnect. Plain Node (>= 12), no npm deps.
//
//   listens on   WORKDIR/atsim.sock   (ptybridge.py relays it to a pty)
//   control      WORKDIR/atsim.ctl    append one command per line (see below)
//   replies      WORKDIR/atsim.ack    one line per processed control line:
//                                     "<line-no> ok <cmd>[ -> detail]" or
//                                     "<line-no> error <cmd>: <reason>"
//   log          stdout               every AT command and its response
//
// Environment (read once at start):
//   ATSIM_IPV4 / ATSIM_DNS1 / ATSIM_DNS2  IPv4 config handed out on connect
//                                         (default 10.64.64.10 / 10.11.12.13 / 10.11.12.14)
//   ATSIM_FAIL_CONNECT=N                  the first N connect attempts fail
//                                         ("Call setup failed"), default 0
//   ATSIM_PIN=1234                        SIM starts PIN-locked; AT+CPIN="1234" unlocks
//
// Control commands (fault injection; lines written to WORKDIR/atsim.ctl):
//   drop [CID]          network-initiated disconnect of the active data call:
//                       unsolicited "_OWANCALL: CID, 0" (default: every active CID)
//   fail-connect [N]    the next N connect attempts fail (default 1; 0 clears)
//   reg STAT            registration state for CREG/CGREG/CEREG, sent unsolicited:
//                       0 idle, 1 home, 2 searching, 3 denied, 5 roaming
//   signal RSSI         +CSQ rssi 0..31 (99 = unknown), sent unsolicited as
//                       "_OSIGQ: RSSI,0"; ModemManager shows RSSI*100/31 %
//   reset               modem power-cycle: state back to power-on defaults
//                       (pending fail-connect faults are kept)
//   status              reply with the simulator state as JSON

const net = require('node:net');
const fs = require('node:fs');
const path = require('node:path');

const W = process.argv[2];
if (!W) {
  process.stderr.write('usage: node atsim.js WORKDIR\n');
  process.exit(2);
}
const SOCK = path.join(W, 'atsim.sock');
const CTL = path.join(W, 'atsim.ctl');
const ACK = path.join(W, 'atsim.ack');

const log = (s) => process.stdout.write(`[atsim ${new Date().toISOString()}] ${s}\n`);

function ipv4Env(name, dflt) {
  const v = process.env[name] || dflt;
  if (!net.isIPv4(v)) {
    process.stderr.write(`atsim: ${name}=${v} is not an IPv4 address\n`);
    process.exit(2);
  }
  return v;
}
const cfg = {
  ipv4: ipv4Env('ATSIM_IPV4', '10.64.64.10'),
  dns1: ipv4Env('ATSIM_DNS1', '10.11.12.13'),
  dns2: ipv4Env('ATSIM_DNS2', '10.11.12.14'),
  pin: process.env.ATSIM_PIN || '',
};
const faults = { failConnect: parseInt(process.env.ATSIM_FAIL_CONNECT || '0', 10) || 0 };

// Fixed identity (deterministic)
const ID = {
  manufacturer: 'Simulated Modems Inc.',
  model: 'SIM-LTE-1',
  revision: '1.0.0',
  imei: '490154203237518',
  imsi: '001010123456789',
  iccid: '89881100000000000001',
  msisdn: '+15551234567',
  operatorId: '00101',
  operatorName: 'SimNet',
  lac: '1A2B',
  ci: '01A2D001',
};
// EF_ICCID as read with AT+CRSM: BCD with swapped nibbles
const iccidSwapped = ID.iccid.replace(/(.)(.)/g, '$2$1');

function initialState() {
  return {
    cfun: 1,
    pinLocked: !!cfg.pin,
    creg: 0,
    cgreg: 0,
    cereg: 0, // unsolicited result code mode set by AT+C*REG=n
    reg: 1, // registration <stat>: 1 = home
    csq: 25, // 25*100/31 = 80 %
    contexts: { 1: { type: 'IP', apn: 'internet' } },
    active: {}, // cid -> true while the data call is up
    copsFormat: 2,
  };
}
let state = initialState();

const clients = new Set();
function unsolicited(text, only) {
  const msg = `\r\n${text}\r\n`;
  log(`!! unsolicited ${JSON.stringify(msg)}`);
  for (const c of only ? [only] : clients) c.write(msg);
}
// after the final result code of the current command has been written
const later = (text, sock) => setImmediate(() => unsolicited(text, sock));

const OK = '\r\nOK\r\n';
const ERR = '\r\nERROR\r\n';
const CME = (n) => `\r\n+CME ERROR: ${n}\r\n`;
const r = (...lines) => lines.map((l) => `\r\n${l}\r\n`).join('') + OK;

const simReady = () => !state.pinLocked;
const regStat = () => (state.cfun === 1 && simReady() ? state.reg : 0);
const registered = () => regStat() === 1 || regStat() === 5;

function regLine(kind, n) {
  // kind: CREG | CGREG | CEREG; n: URC mode (0..2)
  const stat = regStat();
  if (kind === 'CEREG' && n === 2 && registered()) return `+CEREG: ${stat},"${ID.lac}","${ID.ci}",7`;
  return `+${kind}: ${stat}`;
}
const copsLine = () => {
  if (!registered()) return '+COPS: 0';
  return state.copsFormat === 2 ? `+COPS: 0,2,"${ID.operatorId}",7` : `+COPS: 0,0,"${ID.operatorName}",7`;
};

const TABLE = {
  AT: OK,
  ATE0: OK,
  ATE1: OK,
  ATV1: OK,
  'AT+CMEE=1': OK,
  'AT+CMEE=2': OK,
  ATX4: OK,
  'AT&C1': OK,
  'AT+IFC=1,1': OK,
  ATZ: OK,
  'AT+CSCS="IRA"': OK,
  'AT+CSCS="GSM"': OK,
  'AT+CSCS="UCS2"': OK,
  'AT+GCAP': r('+GCAP: +CGSM +DS +ES'),
  ATI: r(
    `Manufacturer: ${ID.manufacturer}`,
    `Model: ${ID.model}`,
    `Revision: ${ID.revision}`,
    `IMEI: ${ID.imei}`,
  ),
  'AT+WS46=?': r('+WS46: (12,22,25,28,29,30,31)'),
  'AT+WS46?': r('+WS46: 28'),
  'AT+CGMI': r(ID.manufacturer),
  'AT+GMI': r(ID.manufacturer),
  'AT+CGMM': r(ID.model),
  'AT+GMM': r(ID.model),
  'AT+CGMR': r(ID.revision),
  'AT+GMR': r(ID.revision),
  'AT+CGSN': r(ID.imei),
  'AT+GSN': r(ID.imei),
  'AT+CCID': r(`+CCID: ${ID.iccid}`),
  'AT+ICCID': r(`+ICCID: ${ID.iccid}`),
  'AT+CRSM=176,12258,0,0,10': r(`+CRSM: 144,0,"${iccidSwapped}"`),
  'AT+CGDCONT=?': r(
    '+CGDCONT: (1-11),"IP",,,(0-2),(0-3)',
    '+CGDCONT: (1-11),"IPV6",,,(0-2),(0-3)',
    '+CGDCONT: (1-11),"IPV4V6",,,(0-2),(0-3)',
  ),
  'AT+CLCK=?': r('+CLCK: ("SC","FD","PS")'),
  'AT+CLCK="FD",2': r('+CLCK: 0'),
  'AT+CLCK="PS",2': r('+CLCK: 0'),
  'AT+CSCS=?': r('+CSCS: ("IRA","UCS2","GSM")'),
  'AT+CSCS?': r('+CSCS: "IRA"'),
  'AT+CMGF=?': r('+CMGF: (0,1)'),
  'AT+CMGF=0': OK,
  'AT+CESQ=?': r('+CESQ: (0-63,99),(0-7,99),(0-96,255),(0-49,255),(0-34,255),(0-97,255)'),
  'AT+CESQ': r('+CESQ: 99,99,255,255,20,50'),
  'AT_OSQI=1': OK,
  'AT_OSQI=0': OK, // enables/disables "_OSIGQ: rssi,ber" unsolicited signal reports
  'AT+CGACT=?': r('+CGACT: (0,1)'),
  'AT+CGATT?': r('+CGATT: 1'),
  'AT+CGATT=1': OK,
  'AT+CEREG=?': r('+CEREG: (0-2)'),
  'AT+CGREG=?': r('+CGREG: (0-2)'),
  'AT+CREG=?': r('+CREG: (0-2)'),
  'AT_OPSYS?': r('_OPSYS: 5,2'),
  'AT+COPS=?': r(`+COPS: (2,"${ID.operatorName}","${ID.operatorName}","${ID.operatorId}",7),,(0-4),(0-2)`),
  'AT+COPS=0': OK,
  'AT+COPS': OK,
  ATH: OK,
  ATH0: OK,
};

function handle(cmd, sock) {
  const up = cmd.toUpperCase();
  if (Object.hasOwn(TABLE, up)) return TABLE[up];
  let m;
  // SIM
  if (up === 'AT+CPIN?') return r(state.pinLocked ? '+CPIN: SIM PIN' : '+CPIN: READY');
  if ((m = cmd.match(/^AT\+CPIN="?([0-9]+)"?$/i))) {
    if (!state.pinLocked) return OK;
    if (m[1] !== cfg.pin) return CME(16); // incorrect password
    state.pinLocked = false;
    return OK;
  }
  if (up === 'AT+CLCK="SC",2') return r(`+CLCK: ${cfg.pin ? 1 : 0}`);
  if (up === 'AT+CIMI') return simReady() ? r(ID.imsi) : CME(11); // SIM PIN required
  if (up === 'AT+CNUM') return simReady() ? r(`+CNUM: "","${ID.msisdn}",145`) : CME(11);
  // power / registration / signal
  if (up === 'AT+CFUN?') return r(`+CFUN: ${state.cfun}`);
  if ((m = up.match(/^AT\+CFUN=(\d)/))) {
    state.cfun = +m[1];
    return OK;
  }
  if ((m = up.match(/^AT\+(CREG|CGREG|CEREG)=(\d)$/))) {
    state[m[1].toLowerCase()] = +m[2];
    return OK;
  }
  if ((m = up.match(/^AT\+(CREG|CGREG|CEREG)\?$/))) {
    const n = state[m[1].toLowerCase()];
    return r(regLine(m[1], n).replace(': ', `: ${n},`));
  }
  if ((m = up.match(/^AT\+COPS=3,(\d)$/))) {
    state.copsFormat = +m[1];
    return OK;
  }
  if (up === 'AT+COPS?') return r(copsLine());
  if (up === 'AT+CSQ') return r(`+CSQ: ${state.csq},99`);
  // PDP contexts
  if (up === 'AT+CGDCONT?') {
    return r(
      ...Object.entries(state.contexts).map(
        ([cid, c]) => `+CGDCONT: ${cid},"${c.type}","${c.apn}","0.0.0.0",0,0`,
      ),
    );
  }
  if ((m = cmd.match(/^AT\+CGDCONT=(\d+),"([^"]*)","([^"]*)"/i))) {
    state.contexts[m[1]] = { type: m[2].toUpperCase(), apn: m[3] };
    return OK;
  }
  if ((m = up.match(/^AT\+CGDCONT=(\d+)$/))) {
    delete state.contexts[m[1]];
    return OK;
  }
  if (up === 'AT+CGACT?')
    return r(...Object.keys(state.contexts).map((c) => `+CGACT: ${c},${state.active[c] ? 1 : 0}`));
  if ((m = up.match(/^AT\+CGACT=(\d)(?:,(\d+))?$/))) {
    const cids = m[2] ? [m[2]] : Object.keys(state.contexts);
    for (const c of cids) state.active[c] = m[1] === '1';
    return OK;
  }
  if ((m = up.match(/^AT\+CGPADDR(?:=(\d+))?$/))) return r(`+CGPADDR: ${m[1] || '1'},"${cfg.ipv4}"`);
  // Option HSO data session: AT$QCPDPP / AT_OPDPP (auth), AT_OWANCALL (call), AT_OWANDATA (IP config)
  if (/^AT(\$QCPDPP|_OPDPP)=\d+/.test(up)) return OK;
  if ((m = up.match(/^AT_OWANCALL=(\d+),(\d),(\d)$/))) {
    const cid = m[1];
    if (m[2] !== '1') {
      // disconnect
      state.active[cid] = false;
      later(`_OWANCALL: ${cid}, 0`, sock); // must follow the OK right away (a late one breaks the next connect)
      return OK;
    }
    if (faults.failConnect > 0) {
      faults.failConnect--;
      log(`fault: failing this connect attempt (${faults.failConnect} more to fail)`);
      state.active[cid] = false;
      later(`_OWANCALL: ${cid}, 3`, sock); // 3 = call setup failed
      return OK;
    }
    if (!registered()) {
      state.active[cid] = false;
      later(`_OWANCALL: ${cid}, 3`, sock);
      return OK;
    }
    state.active[cid] = true;
    later(`_OWANCALL: ${cid}, 1`, sock);
    return OK;
  }
  if ((m = up.match(/^AT_OWANDATA=(\d+)$/))) {
    if (!state.active[m[1]]) return ERR;
    // cid, ip, gateway(unused), dns1, dns2, nbns1, nbns2, speed
    return r(`_OWANDATA: ${m[1]}, ${cfg.ipv4}, 0.0.0.0, ${cfg.dns1}, ${cfg.dns2}, 0.0.0.0, 0.0.0.0, 72000`);
  }
  // generic PPP dial (ModemManager uses it for ip-type ipv6/ipv4v6 with this plugin)
  if (/^ATD\*99/.test(up)) {
    setTimeout(() => sock.write('\r\nCONNECT 150000000\r\n'), 50);
    return '';
  }
  return ERR;
}

function serve(sock) {
  clients.add(sock);
  log('client connected');
  let buf = Buffer.alloc(0);
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const idx = buf.findIndex((b) => b === 0x0d || b === 0x0a);
      if (idx < 0) break;
      const raw = buf.subarray(0, idx).toString('latin1');
      let end = idx;
      while (end < buf.length && (buf[end] === 0x0d || buf[end] === 0x0a)) end++;
      buf = buf.subarray(end);
      const cmd = raw.trim();
      if (!cmd) continue;
      // QCDM probe frames (binary, 0x7e-terminated): not an AT reply -> ignore
      if (/[^\x20-\x7e]/.test(cmd)) {
        log(`ignoring binary ${JSON.stringify(cmd)}`);
        continue;
      }
      const resp = handle(cmd, sock);
      log(`<< ${cmd}   >> ${JSON.stringify(resp)}`);
      if (resp) sock.write(resp);
    }
  });
  sock.on('error', (e) => log(`socket error ${e.message}`));
  sock.on('close', () => {
    clients.delete(sock);
    log('client closed');
  });
}

// ---- control file -------------------------------------------------------
function control(line) {
  const [verb, ...args] = line.trim().split(/\s+/);
  const int = (s, dflt) => {
    if (s === undefined) return dflt;
    if (!/^\d+$/.test(s)) throw new Error(`not a number: ${s}`);
    return +s;
  };
  switch (verb) {
    case 'drop': {
      const cids = args.length
        ? [String(int(args[0]))]
        : Object.keys(state.active).filter((c) => state.active[c]);
      const up = cids.filter((c) => state.active[c]);
      if (!up.length) throw new Error('no active data call');
      for (const c of up) {
        state.active[c] = false;
        unsolicited(`_OWANCALL: ${c}, 0`);
      }
      return `dropped cid ${up.join(',')}`;
    }
    case 'fail-connect':
      faults.failConnect = int(args[0], 1);
      return `next ${faults.failConnect} connect attempt(s) fail`;
    case 'reg': {
      const stat = int(args[0]);
      if (![0, 1, 2, 3, 4, 5].includes(stat)) throw new Error('STAT must be 0..5');
      state.reg = stat;
      for (const kind of ['CREG', 'CGREG', 'CEREG']) {
        const n = state[kind.toLowerCase()];
        if (n > 0) unsolicited(regLine(kind, n));
      }
      return `registration stat ${stat}`;
    }
    case 'signal': {
      const rssi = int(args[0]);
      if (rssi > 31 && rssi !== 99) throw new Error('RSSI must be 0..31 or 99');
      state.csq = rssi;
      unsolicited(`_OSIGQ: ${rssi},0`);
      return `rssi ${rssi} (${rssi === 99 ? 0 : Math.floor((rssi * 100) / 31)} %)`;
    }
    case 'reset':
      state = initialState();
      return 'modem state reset';
    case 'status':
      return JSON.stringify({
        state,
        faults,
        cfg: { ipv4: cfg.ipv4, dns1: cfg.dns1, dns2: cfg.dns2, pin: !!cfg.pin },
      });
    default:
      throw new Error(`unknown command (known: drop, fail-connect, reg, signal, reset, status)`);
  }
}

let ctlOffset = 0;
let ctlLineNo = 0;
let ctlPartial = '';
function pollCtl() {
  let size;
  try {
    size = fs.statSync(CTL).size;
  } catch {
    return;
  }
  if (size < ctlOffset) {
    ctlOffset = 0;
    ctlLineNo = 0;
    ctlPartial = '';
  } // truncated
  if (size === ctlOffset) return;
  const fd = fs.openSync(CTL, 'r');
  const chunk = Buffer.alloc(size - ctlOffset);
  const n = fs.readSync(fd, chunk, 0, chunk.length, ctlOffset);
  fs.closeSync(fd);
  ctlOffset += n;
  ctlPartial += chunk.subarray(0, n).toString('utf8');
  const lines = ctlPartial.split('\n');
  ctlPartial = lines.pop();
  for (const line of lines) {
    ctlLineNo++;
    const cmd = line.trim();
    if (!cmd || cmd.startsWith('#')) continue;
    let ack;
    try {
      const detail = control(cmd);
      ack = `${ctlLineNo} ok ${cmd}${detail ? ` -> ${detail}` : ''}`;
    } catch (e) {
      ack = `${ctlLineNo} error ${cmd}: ${e.message}`;
    }
    log(`ctl ${ack}`);
    fs.appendFileSync(ACK, `${ack}\n`);
  }
}

// ---- start ----------------------------------------------------------------
try {
  fs.unlinkSync(SOCK);
} catch {
  /* absent */
}
fs.writeFileSync(ACK, '');
fs.writeFileSync(CTL, '');
setInterval(pollCtl, 50);
net
  .createServer(serve)
  .listen(SOCK, () =>
    log(
      `listening on ${SOCK} (ipv4 ${cfg.ipv4}, dns ${cfg.dns1} ${cfg.dns2}` +
        `, fail-connect ${faults.failConnect}, pin ${cfg.pin ? 'locked' : 'none'})`,
    ),
  );
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
