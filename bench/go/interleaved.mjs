#!/usr/bin/env node
// Interleaved comparison of eve-libs' Go reconciler and ours on the anchor workload. Run by hand, never
// in CI (CI has no Go). Recipe and recorded figures: docs/PERFORMANCE.md.
//
//   node bench/go/interleaved.mjs --eve-libs <eve-libs clone or bare git dir> [options]
//
// 1. Builds bench/go/reconciler_bench_test.go against eve-libs at a pinned commit (git archive of
//    depgraph/ and reconciler/ into a private GOPATH; GO111MODULE=off, because eve-libs' go.mod wants
//    go 1.25 and network deps; golang.org/x/text comes from Debian's golang-golang-x-text-dev).
// 2. Runs N rounds; each round runs the Go benchmark binary and `node --import tsx
//    bench/reconciler.bench.ts`, alternating which goes first, and keeps both raw outputs.
// 3. Prints per benchmark and size: Go median (of the round medians), TS median, and the paired
//    per-round ratio TS/Go (< 1 = TS faster) with its median and range. Go B/op and allocs/op too.
//
// Options:
//   --eve-libs DIR     eve-libs git checkout (has .git) or bare git dir (required unless --ts-only)
//   --commit SHA       eve-libs commit to build (default: the pinned one below)
//   --rounds N         rounds (default 6)
//   --go-count N       go -test.count per round; the round's Go figure is their median (default 3)
//   --benchtime D      go -test.benchtime (default 1s)
//   --sizes LIST       Go sizes, a subset of 1k,10k,100k (default all three)
//   --ts-arg ARG       extra argument for bench/reconciler.bench.ts (repeatable, e.g. --ts-arg --quick)
//   --go-only          run the Go side only (no TS, no ratios)
//   --out DIR          where raw outputs and summary.{md,json} go (default: a new dir under /tmp)
//   --work DIR         build dir (default: a new dir under /tmp)
//   --summarize DIR    no run: rebuild the summary from DIR's info.json and round<N>-{go,ts}.txt
//                      (e.g. after stopping a run early)
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const PINNED = 'f808748a0511cd36c5586626ae9e7d1fb5261a9d';
const here = dirname(new URL(import.meta.url).pathname);
const repo = resolve(here, '../..');

function parseArgs(argv) {
  const o = {
    eveLibs: '',
    commit: PINNED,
    rounds: 6,
    goCount: 3,
    benchtime: '1s',
    sizes: ['1k', '10k', '100k'],
    tsArgs: [],
    goOnly: false,
    out: '',
    work: '',
    summarize: '',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--eve-libs') o.eveLibs = resolve(next());
    else if (a === '--commit') o.commit = next();
    else if (a === '--rounds') o.rounds = Number(next());
    else if (a === '--go-count') o.goCount = Number(next());
    else if (a === '--benchtime') o.benchtime = next();
    else if (a === '--sizes') o.sizes = next().split(',');
    else if (a === '--ts-arg') o.tsArgs.push(next());
    else if (a === '--go-only') o.goOnly = true;
    else if (a === '--out') o.out = resolve(next());
    else if (a === '--work') o.work = resolve(next());
    else if (a === '--summarize') o.summarize = resolve(next());
    else if (a === '--help' || a === '-h') {
      console.log(readFileSync(new URL(import.meta.url), 'utf8').split('\nimport ')[0]);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  for (const s of o.sizes) if (!['1k', '10k', '100k'].includes(s)) throw new Error(`size ${s}?`);
  if (!o.eveLibs && !o.summarize)
    throw new Error('--eve-libs DIR is required (a clone of github.com/lf-edge/eve-libs)');
  return o;
}

const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', ...opts }).trim();
const trySh = (cmd, args) => {
  try {
    return sh(cmd, args);
  } catch {
    return '?';
  }
};

/** The reconciler the TS side runs: HEAD, and whether reconciler/ or the bench differ from it. */
function tsRevision() {
  const head = trySh('git', ['-C', repo, 'rev-parse', '--short', 'HEAD']);
  const dirty = trySh('git', [
    '-C',
    repo,
    'status',
    '--porcelain',
    'reconciler',
    'bench/reconciler.bench.ts',
  ]);
  return dirty ? `${head} + uncommitted changes in reconciler/ or the bench` : head;
}

function machine(goVersion, eveCommit) {
  const model = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? '?';
  return {
    date: new Date().toISOString(),
    host: `nproc ${cpus().length}, CPU "${model}", RAM ${(totalmem() / 2 ** 30).toFixed(1)} GiB, kernel ${trySh('uname', ['-r'])}`,
    load: readFileSync('/proc/loadavg', 'utf8').trim(),
    go: goVersion,
    node: process.version,
    eveLibs: eveCommit,
    mmagent: tsRevision(),
  };
}

/** Extracts depgraph/ and reconciler/ at the commit into a private GOPATH and builds the test binary. */
function buildGo(o) {
  const goVersion = sh('go', ['version']);
  if (!/go1\.19\./.test(goVersion))
    console.warn(`note: ${goVersion}; the recorded figures used Debian's go1.19`);
  const xtext = '/usr/share/gocode/src/golang.org/x/text/cases';
  if (!existsSync(xtext)) throw new Error(`${xtext} missing: apt-get install -y golang-golang-x-text-dev`);
  const gitArgs = existsSync(join(o.eveLibs, '.git'))
    ? ['-C', o.eveLibs]
    : existsSync(join(o.eveLibs, 'objects'))
      ? [`--git-dir=${o.eveLibs}`]
      : null;
  if (!gitArgs) throw new Error(`${o.eveLibs} is neither a git checkout nor a bare git dir`);
  const commit = sh('git', [...gitArgs, 'rev-parse', '--verify', `${o.commit}^{commit}`]);
  const work = o.work || mkdtempSync(join(tmpdir(), 'mmagent-go-bench-'));
  const gopath = join(work, 'gopath');
  const eveDir = join(gopath, 'src/github.com/lf-edge/eve-libs');
  const pkgDir = join(gopath, 'src/mmagentbench');
  mkdirSync(eveDir, { recursive: true });
  mkdirSync(pkgDir, { recursive: true });
  const tar = spawnSync('git', [...gitArgs, 'archive', commit, 'depgraph', 'reconciler'], {
    maxBuffer: 1 << 30,
  });
  if (tar.status !== 0) throw new Error(`git archive: ${tar.stderr}`);
  execFileSync('tar', ['-x', '-C', eveDir], { input: tar.stdout });
  copyFileSync(join(here, 'reconciler_bench_test.go'), join(pkgDir, 'reconciler_bench_test.go'));
  const env = { ...process.env, GO111MODULE: 'off', GOPATH: `${gopath}:/usr/share/gocode`, GOFLAGS: '' };
  const bin = join(work, 'anchor.test');
  console.log(`building ${bin} (eve-libs ${commit}, ${goVersion})`);
  sh('go', ['test', '-c', '-o', bin, 'mmagentbench'], {
    env,
    cwd: work,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  console.log(sh(bin, ['-test.run', 'TestAnchorShape', '-test.v'], { cwd: work }));
  return { bin, work, goVersion, commit };
}

const hasTime = existsSync('/usr/bin/time');
/** Runs a command, returns its stdout+stderr and peak RSS in MB (from /usr/bin/time when present). */
function run(cmd, args, cwd, rssFile) {
  const full = hasTime ? ['/usr/bin/time', ['-f', '%M', '-o', rssFile, cmd, ...args]] : [cmd, args];
  const t0 = Date.now();
  const r = spawnSync(full[0], full[1], { cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  const text = `${r.stdout ?? ''}${r.stderr ? `\n--- stderr ---\n${r.stderr}` : ''}`;
  const rss =
    hasTime && existsSync(rssFile)
      ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) / 1024
      : NaN;
  return { text, status: r.status, rss, seconds: (Date.now() - t0) / 1000 };
}

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const KEYS = ['BuildIntent', 'a_CreateAll', 'b_OneModify', 'bp_EditBack', 'b0_NoChange', 'c_DiffItems'];
const LABEL = {
  BuildIntent: 'BuildIntent',
  a_CreateAll: '(a) create all',
  b_OneModify: '(b) one modify, 2 intents',
  bp_EditBack: "(b') edit, edit back",
  b0_NoChange: '(b0) no change',
  c_DiffItems: '(c) diff / plan 1 change',
};

/** `BenchmarkAnchor/10k/a_CreateAll-2  14  79490000 ns/op  32150155 B/op  219567 allocs/op` */
function parseGo(text) {
  const out = [];
  const re =
    /^BenchmarkAnchor\/(\w+)\/(\w+)-\d+\s+(\d+)\s+([\d.]+) ns\/op(?:\s+(\d+) B\/op\s+(\d+) allocs\/op)?/gm;
  for (const m of text.matchAll(re)) {
    out.push({
      size: m[1],
      key: m[2],
      n: Number(m[3]),
      ms: Number(m[4]) / 1e6,
      bytes: Number(m[5]),
      allocs: Number(m[6]),
    });
  }
  return out;
}

const UNIT = { ns: 1e-6, µs: 1e-3, us: 1e-3, ms: 1, s: 1000 };
function keyOf(label) {
  const l = String(label).trim();
  if (/^\(?b'\)?|^bp_|EditBack/i.test(l)) return 'bp_EditBack';
  if (/^\(?b0\)?|^b0_|NoChange/i.test(l)) return 'b0_NoChange';
  if (/^\(?b\)?(?![\w'])|^b_|OneModify/i.test(l)) return 'b_OneModify';
  if (/^\(?a\)?(?!\w)|^a_|CreateAll/i.test(l)) return 'a_CreateAll';
  if (/^\(?c\)?(?!\w)|^c_|DiffItems/i.test(l)) return 'c_DiffItems';
  if (/^BuildIntent/i.test(l)) return 'BuildIntent';
  return null;
}
function sizeOf(v) {
  const s = String(v).replace(/,/g, '');
  const m = s.match(/(?:^|\D)(1|10|100)k\b/) ?? s.match(/(?:^|\D)(1|10|100)000\b/);
  return m ? `${m[1]}k` : null;
}

/**
 * Our bench's output is not fixed (it is being reworked), so this reads two forms:
 *  - JSON lines: {"bench": "a" | "(b')" | "b0_NoChange" ..., "n": 10000, "medianMs": 1.23} (also name/key,
 *    size/items, median_ms/ms, or medianNs/ns);
 *  - text lines that start with a label such as "(a) ReconcileCreateAll10k   168.9 ms ...": the first
 *    duration on the line is taken as the median; the size comes from the line ("10k") or the last
 *    header naming "N items". Lines of other sections (e.g. a differently shaped scaling graph) do not
 *    start with such a label and are ignored. The first matching line per benchmark and size wins.
 */
function parseTs(text) {
  const out = new Map();
  let section = null;
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t.startsWith('{')) {
      try {
        const j = JSON.parse(t);
        const key = keyOf(j.bench ?? j.name ?? j.key ?? j.id ?? '');
        const size = sizeOf(j.n ?? j.size ?? j.items ?? '');
        const ms = j.medianMs ?? j.median_ms ?? j.ms ?? (j.medianNs ?? j.ns) / 1e6;
        if (key && size && Number.isFinite(ms) && !out.has(`${size}/${key}`))
          out.set(`${size}/${key}`, { ms, line: t });
      } catch {}
      continue;
    }
    const header = t.match(/([\d,]+)\s+items/);
    if (header && !/^\(/.test(t)) section = sizeOf(header[1]);
    const lab = t.match(/^(\((?:a|b'|b0|b|c)\)|BuildIntent)/);
    if (!lab) continue;
    const key = keyOf(lab[1]);
    const rest = t.slice(lab[1].length);
    const size = sizeOf(rest.split(/\s{2,}/)[0] ?? '') ?? section;
    const d = rest.match(/(\d+(?:\.\d+)?)\s*(ns|µs|us|ms|s)(?![\w/])/);
    if (key && size && d && !out.has(`${size}/${key}`))
      out.set(`${size}/${key}`, { ms: Number(d[1]) * UNIT[d[2]], line: t });
  }
  return out;
}

function fmtMs(ms) {
  if (!Number.isFinite(ms)) return '–';
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return ms >= 0.01 ? `${(ms * 1000).toFixed(0)} µs` : `${(ms * 1000).toFixed(1)} µs`;
}
const fmtRatio = (x) => (x >= 0.1 ? x.toFixed(2) : x.toPrecision(2));
const fmtInt = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');

/** A round's figures for one side: Go, the median of its -test.count samples; TS, what it printed. */
function figures(side, text) {
  if (side === 'ts') return Object.fromEntries(parseTs(text));
  const per = {};
  for (const s of parseGo(text)) {
    const id = `${s.size}/${s.key}`;
    per[id] = [...(per[id] ?? []), s];
  }
  return Object.fromEntries(
    Object.entries(per).map(([k, v]) => [
      k,
      {
        ms: median(v.map((x) => x.ms)),
        bytes: median(v.map((x) => x.bytes)),
        allocs: median(v.map((x) => x.allocs)),
        samples: v.length,
      },
    ]),
  );
}

/** Rebuilds the rounds from a run's files (the order is implied: odd rounds ran Go first). */
function resummarize(dir) {
  const { info, options } = JSON.parse(readFileSync(join(dir, 'info.json'), 'utf8'));
  const rounds = [];
  for (
    let r = 1;
    existsSync(join(dir, `round${r}-go.txt`)) || existsSync(join(dir, `round${r}-ts.txt`));
    r++
  ) {
    const round = { round: r };
    for (const side of ['go', 'ts']) {
      const f = join(dir, `round${r}-${side}.txt`);
      if (!existsSync(f)) continue;
      const rssFile = join(dir, `round${r}-${side}.rss`);
      const rss = existsSync(rssFile)
        ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) / 1024
        : NaN;
      round[side] = { rssMB: rss, figures: figures(side, readFileSync(f, 'utf8')) };
    }
    rounds.push(round);
  }
  summarize({ ...options, rounds: rounds.length }, info, rounds, dir);
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.summarize) return resummarize(o.summarize);
  const out = o.out || mkdtempSync(join(tmpdir(), 'mmagent-interleaved-'));
  mkdirSync(out, { recursive: true });
  const go = buildGo(o);
  const info = machine(go.goVersion, go.commit);
  console.log(JSON.stringify(info, null, 2));
  writeFileSync(join(out, 'info.json'), `${JSON.stringify({ info, options: o }, null, 2)}\n`);
  const goArgs = [
    '-test.run',
    '^$',
    '-test.bench',
    `^BenchmarkAnchor$/^(${o.sizes.join('|')})$/`,
    '-test.benchmem',
    '-test.count',
    String(o.goCount),
    '-test.benchtime',
    o.benchtime,
  ];
  const tsArgs = ['--import', 'tsx', 'bench/reconciler.bench.ts', ...o.tsArgs];
  const rounds = [];
  for (let r = 1; r <= o.rounds; r++) {
    const order = o.goOnly ? ['go'] : r % 2 ? ['go', 'ts'] : ['ts', 'go'];
    const round = { round: r, order };
    for (const side of order) {
      // The work tree may change under a long run (others commit): record what each TS round ran.
      const revision = side === 'ts' ? tsRevision() : undefined;
      const res =
        side === 'go'
          ? run(go.bin, goArgs, go.work, join(out, `round${r}-go.rss`))
          : run(process.execPath, tsArgs, repo, join(out, `round${r}-ts.rss`));
      writeFileSync(join(out, `round${r}-${side}.txt`), res.text);
      if (res.status !== 0)
        console.warn(`round ${r} ${side}: exit ${res.status} (see round${r}-${side}.txt)`);
      round[side] = { status: res.status, rssMB: res.rss, seconds: res.seconds };
      if (side === 'ts') round.ts.revision = revision;
      round[side].figures = figures(side, res.text);
      console.log(
        `round ${r}/${o.rounds} ${side}: ${res.seconds.toFixed(0)} s, exit ${res.status}, peak RSS ${Number.isFinite(res.rss) ? `${res.rss.toFixed(0)} MB` : '?'}, ${Object.keys(round[side].figures).length} figures`,
      );
    }
    rounds.push(round);
  }

  summarize(o, info, rounds, out);
}

function summarize(o, info, rounds, out) {
  const tsArgs = ['--import', 'tsx', 'bench/reconciler.bench.ts', ...o.tsArgs];
  // Summary: per size and benchmark, medians over rounds and the paired per-round ratios.
  const rows = [];
  for (const size of ['1k', '10k', '100k']) {
    for (const key of KEYS) {
      const id = `${size}/${key}`;
      const g = rounds.map((r) => r.go?.figures?.[id]);
      const t = rounds.map((r) => r.ts?.figures?.[id]);
      if (!g.some(Boolean) && !t.some(Boolean)) continue;
      const ratios = rounds.map((_, i) => (g[i] && t[i] ? t[i].ms / g[i].ms : NaN)).filter(Number.isFinite);
      rows.push({
        size,
        key,
        goMs: median(g.map((x) => x?.ms)),
        goRoundMs: g.map((x) => x?.ms ?? null),
        goBytes: median(g.map((x) => x?.bytes)),
        goAllocs: median(g.map((x) => x?.allocs)),
        tsMs: median(t.map((x) => x?.ms)),
        tsRoundMs: t.map((x) => x?.ms ?? null),
        tsLine: t.find(Boolean)?.line ?? null,
        ratio: median(ratios),
        ratioMin: ratios.length ? Math.min(...ratios) : NaN,
        ratioMax: ratios.length ? Math.max(...ratios) : NaN,
        pairs: ratios.length,
      });
    }
  }
  const lines = [
    `# Interleaved run: eve-libs (Go) vs mmagent-ts, anchor workload`,
    '',
    `- date ${info.date}; ${info.host}; load average at start ${info.load}`,
    `- ${info.go}, GOPATH mode, eve-libs ${info.eveLibs}; Go: -test.count ${o.goCount} -test.benchtime ${o.benchtime} per round, the round's figure is the median of those samples`,
    `- node ${info.node}; mmagent-ts ${info.mmagent}; TS: \`node ${tsArgs.join(' ')}\`, one process per round, the figure it prints`,
    `- ${o.rounds} rounds, order alternating (odd rounds Go first); ratio = TS/Go per round (< 1 = TS faster), then the median and range over rounds`,
    '',
    '| size | benchmark | Go median | Go B/op | Go allocs/op | TS median | TS/Go median (range, pairs) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const ratio = Number.isFinite(r.ratio)
      ? `${fmtRatio(r.ratio)} (${fmtRatio(r.ratioMin)}–${fmtRatio(r.ratioMax)}, ${r.pairs})`
      : o.goOnly
        ? '–'
        : r.key === 'BuildIntent' || r.key === 'c_DiffItems'
          ? 'Go only (TS prints no counterpart)'
          : 'no TS figure (see raw output)';
    lines.push(
      `| ${r.size} | ${LABEL[r.key]} | ${fmtMs(r.goMs)} | ${fmtInt(r.goBytes)} | ${fmtInt(r.goAllocs)} | ${fmtMs(r.tsMs)} | ${ratio} |`,
    );
  }
  const rss = (side) =>
    rounds
      .map((r) => r[side]?.rssMB)
      .filter(Number.isFinite)
      .map((x) => x.toFixed(0))
      .join(', ');
  lines.push(
    '',
    `Peak RSS per process (MB, /usr/bin/time): Go ${rss('go') || '?'}${o.goOnly ? '' : `; TS ${rss('ts') || '?'}`}`,
  );
  const revs = rounds.map((r) => r.ts?.revision).filter(Boolean);
  if (revs.length)
    lines.push('', `mmagent-ts per TS round: ${revs.map((v, i) => `${i + 1}: ${v}`).join('; ')}`);
  if (!o.goOnly) {
    lines.push('', 'TS lines used (first round that printed each):');
    for (const r of rows) if (r.tsLine) lines.push(`- ${r.size} ${r.key}: \`${r.tsLine}\``);
  }
  lines.push('', `Raw outputs: ${out}/round<N>-{go,ts}.txt`);
  const md = lines.join('\n');
  writeFileSync(join(out, 'summary.md'), `${md}\n`);
  writeFileSync(
    join(out, 'summary.json'),
    `${JSON.stringify({ info, options: o, rows, rounds }, null, 2)}\n`,
  );
  console.log(`\n${md}`);
}

main();
