import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Command, type ParseResult, parseCommandLine, SPECS } from '../../src/cli/args.js';
import { COMMAND_NAMES, OVERVIEW, USAGE } from '../../src/cli/usage.js';

function ok(argv: string[]): Command {
  const r = parseCommandLine(argv);
  assert.ok(r.ok, `expected ${JSON.stringify(argv)} to parse, got: ${r.ok ? '' : r.message}`);
  return r.command;
}

function usageError(argv: string[], message: string | RegExp): Extract<ParseResult, { ok: false }> {
  const r = parseCommandLine(argv);
  assert.ok(!r.ok, `expected ${JSON.stringify(argv)} to be refused`);
  if (typeof message === 'string') assert.equal(r.message, message);
  else assert.match(r.message, message);
  assert.doesNotMatch(r.message, /\n/, 'one line');
  assert.doesNotMatch(r.message, /\bat .*\.(ts|js):\d+/, 'no stack trace');
  return r;
}

test('run: required options, defaults, every option', () => {
  assert.deepEqual(ok(['run', '--config', 'c.json', '--status-dir', '/run/wwan']), {
    command: 'run',
    io: { kind: 'files', config: 'c.json', statusDir: '/run/wwan', globalConfig: undefined },
    resolvDir: '/run/wwan/resolv.conf',
    http: undefined,
    logLevel: undefined,
  });
  assert.deepEqual(
    ok([
      'run',
      '--status-dir=/s',
      '--config=c.json',
      '--resolv-dir',
      '/r',
      '--global-config',
      'g.json',
      '--log-level',
      'all',
    ]),
    {
      command: 'run',
      io: { kind: 'files', config: 'c.json', statusDir: '/s', globalConfig: 'g.json' },
      resolvDir: '/r',
      http: undefined,
      logLevel: 'all',
    },
  );
  for (const level of [
    'trace',
    'debug',
    'info',
    'warn',
    'warning',
    'error',
    'fatal',
    'panic',
    'none',
    'all',
    'DEBUG',
  ])
    assert.equal(
      (ok(['run', '--config', 'c', '--status-dir', 's', '--log-level', level]) as { logLevel: string })
        .logLevel,
      level,
    );
});

test('run --pubsub: EVE defaults, its own dirs, no file-mode options', () => {
  assert.deepEqual(ok(['run', '--pubsub']), {
    command: 'run',
    io: { kind: 'pubsub', runDir: '/run', persistDir: '/persist' },
    resolvDir: '/run/wwan/resolv.conf',
    http: undefined,
    logLevel: undefined,
  });
  assert.deepEqual(ok(['run', '--pubsub', '--run-dir', '/r', '--persist-dir=/p', '--log-level', 'debug']), {
    command: 'run',
    io: { kind: 'pubsub', runDir: '/r', persistDir: '/p' },
    resolvDir: '/run/wwan/resolv.conf',
    http: undefined,
    logLevel: 'debug',
  });
  for (const opt of ['config', 'status-dir', 'global-config'])
    usageError(
      ['run', '--pubsub', `--${opt}`, 'x'],
      `mmagent run: option --${opt} is for file mode; with --pubsub the config comes from EVE's pubsub`,
    );
  usageError(['run', '--pubsub=yes'], 'mmagent run: option --pubsub takes no value');
  usageError(
    ['run', '--config', 'c', '--status-dir', 's', '--run-dir', 'r'],
    'mmagent run: option --run-dir needs --pubsub',
  );
  usageError(['run', '--persist-dir', 'p'], 'mmagent run: option --persist-dir needs --pubsub');
});

test('run --http: PORT on loopback, HOST:PORT, [v6]:PORT; anything else is a usage error', () => {
  const http = (v: string) => (ok(['run', '--pubsub', '--http', v]) as { http: unknown }).http;
  assert.deepEqual(http('8080'), { host: '127.0.0.1', port: 8080 });
  assert.deepEqual(http('0.0.0.0:80'), { host: '0.0.0.0', port: 80 });
  assert.deepEqual(http('[::1]:9000'), { host: '::1', port: 9000 });
  for (const bad of ['x', '70000', 'host:', ':80', 'a:b:80'])
    usageError(['run', '--pubsub', '--http', bad], /option --http: '.*' must be PORT or HOST:PORT/);
});

test('run: every usage error is one line naming the command and the option', () => {
  usageError(['run'], 'mmagent run: missing required option --config (or --pubsub)');
  usageError(['run', '--config', 'c'], 'mmagent run: missing required option --status-dir (or --pubsub)');
  usageError(['run', '--status-dir', 's'], 'mmagent run: missing required option --config (or --pubsub)');
  usageError(['run', '--config'], 'mmagent run: option --config needs a value');
  usageError(['run', '--config', '--status-dir', 's'], 'mmagent run: option --config needs a value');
  usageError(
    ['run', '--config=', '--status-dir', 's'],
    'mmagent run: option --config needs a non-empty value',
  );
  usageError(['run', '--config', 'c', '--status-dir', 's', '--bogus'], 'mmagent run: unknown option --bogus');
  usageError(['run', '--config', 'c', '--status-dir', 's', '-x'], 'mmagent run: unknown option -x');
  usageError(
    ['run', '--config', 'a', '--config', 'b', '--status-dir', 's'],
    'mmagent run: option --config given more than once',
  );
  usageError(
    ['run', '--config', 'c', '--status-dir', 's', 'extra'],
    "mmagent run: unexpected argument 'extra'",
  );
  usageError(
    ['run', '--config', 'c', '--status-dir', 's', '--log-level', 'loud'],
    /^mmagent run: option --log-level: 'loud' must be one of all, trace, debug, info/,
  );
  // A usage error carries the command's usage text for the caller to print.
  assert.equal(usageError(['run'], /./).usage, USAGE.run);
});

test('validate: one FILE', () => {
  assert.deepEqual(ok(['validate', 'wwan.json']), { command: 'validate', file: 'wwan.json' });
  assert.deepEqual(ok(['validate', '--', '-odd-name.json']), { command: 'validate', file: '-odd-name.json' });
  usageError(['validate'], 'mmagent validate: missing argument FILE');
  usageError(['validate', 'a', 'b'], "mmagent validate: unexpected argument 'b'");
  usageError(['validate', '--strict', 'a'], 'mmagent validate: unknown option --strict');
});

test('plan: defaults, every option, bad values', () => {
  assert.deepEqual(ok(['plan', '--config', 'c.json']), {
    command: 'plan',
    config: 'c.json',
    snapshot: undefined,
    globalConfig: undefined,
    output: 'text',
    detailedExitcode: false,
    noColor: false,
    resolvDir: '/run/wwan/resolv.conf',
  });
  assert.deepEqual(
    ok([
      'plan',
      '--config',
      'c.json',
      '--snapshot',
      's.json',
      '--global-config',
      'g.json',
      '-o',
      'json',
      '--detailed-exitcode',
      '--no-color',
      '--resolv-dir',
      '/tmp/r',
    ]),
    {
      command: 'plan',
      config: 'c.json',
      snapshot: 's.json',
      globalConfig: 'g.json',
      output: 'json',
      detailedExitcode: true,
      noColor: true,
      resolvDir: '/tmp/r',
    },
  );
  assert.equal((ok(['plan', '--config', 'c', '--output=json']) as { output: string }).output, 'json');
  assert.equal((ok(['plan', '--config', 'c', '-ojson']) as { output: string }).output, 'json');
  assert.equal((ok(['plan', '--config', 'c', '-o', 'text']) as { output: string }).output, 'text');
  usageError(['plan'], 'mmagent plan: missing required option --config');
  usageError(
    ['plan', '--config', 'c', '-o', 'yaml'],
    "mmagent plan: option -o/--output: 'yaml' must be one of text, json",
  );
  usageError(['plan', '--config', 'c', '-o'], 'mmagent plan: option -o/--output needs a value');
  usageError(['plan', '--config', 'c', '--no-color=yes'], 'mmagent plan: option --no-color takes no value');
  usageError(
    ['plan', '--config', 'c', '--detailed-exitcode', '--detailed-exitcode'],
    'mmagent plan: option --detailed-exitcode given more than once',
  );
  usageError(['plan', '--config', 'c', 'now'], "mmagent plan: unexpected argument 'now'");
  usageError(['plan', '--config', 'c', '--status-dir', 'x'], 'mmagent plan: unknown option --status-dir');
});

test('snapshot: optional -o FILE ("-" is standard output)', () => {
  const r = '/run/wwan/resolv.conf';
  assert.deepEqual(ok(['snapshot']), { command: 'snapshot', output: undefined, resolvDir: r });
  assert.deepEqual(ok(['snapshot', '-o', 'snap.json']), {
    command: 'snapshot',
    output: 'snap.json',
    resolvDir: r,
  });
  assert.deepEqual(ok(['snapshot', '--output', '-', '--resolv-dir', 'd']), {
    command: 'snapshot',
    output: '-',
    resolvDir: 'd',
  });
  usageError(['snapshot', '-o'], 'mmagent snapshot: option -o/--output needs a value');
  usageError(['snapshot', 'file.json'], "mmagent snapshot: unexpected argument 'file.json'");
});

test('demo: no options', () => {
  assert.deepEqual(ok(['demo']), { command: 'demo', noWait: false });
  assert.deepEqual(ok(['demo', '--no-wait']), { command: 'demo', noWait: true });
  usageError(['demo', '--fast'], 'mmagent demo: unknown option --fast');
  usageError(['demo', 'now'], "mmagent demo: unexpected argument 'now'");
});

test('help: overall and per command, in every spelling; help wins over other mistakes', () => {
  for (const argv of [['--help'], ['-h'], ['help']])
    assert.deepEqual(ok(argv), { command: 'help', text: OVERVIEW });
  for (const name of COMMAND_NAMES) {
    assert.deepEqual(ok([name, '--help']), { command: 'help', text: USAGE[name] });
    assert.deepEqual(ok([name, '-h']), { command: 'help', text: USAGE[name] });
    assert.deepEqual(ok(['help', name]), { command: 'help', text: USAGE[name] });
  }
  assert.deepEqual(ok(['run', '--bogus', '--help']), { command: 'help', text: USAGE.run });
  usageError(['help', 'frob'], "mmagent help: unknown command 'frob'");
});

test('version, and errors before the command', () => {
  assert.deepEqual(ok(['--version']), { command: 'version' });
  usageError(['--version', 'x'], "mmagent --version: unexpected argument 'x'");
  const none = usageError([], 'mmagent: missing command');
  assert.equal(none.usage, OVERVIEW);
  usageError(['frob'], "mmagent: unknown command 'frob' (one of run, validate, plan, graph, snapshot, demo)");
  usageError(['--config', 'c', 'run'], 'mmagent: unknown option --config (options go after the command)');
});

test('every option of every command appears in its usage text, and every command in the overview', () => {
  for (const name of COMMAND_NAMES) {
    assert.match(OVERVIEW, new RegExp(`^  ${name} `, 'm'));
    assert.match(USAGE[name], /-h, --help/);
    for (const [opt, spec] of Object.entries(SPECS[name].options)) {
      assert.ok(USAGE[name].includes(`--${opt}`), `${name} usage mentions --${opt}`);
      if (spec.short)
        assert.ok(USAGE[name].includes(`-${spec.short}, --${opt}`), `${name} usage mentions -${spec.short}`);
    }
  }
});
