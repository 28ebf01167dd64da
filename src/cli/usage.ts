/**
 * Every usage text of the `mmagent` command line, in one place. args.ts derives nothing from these
 * texts; keep them in step with the option specs there (test/cli/args.test.ts checks that every
 * option a spec accepts is mentioned in its command's text).
 */
export const COMMAND_NAMES = ['run', 'validate', 'plan', 'graph', 'snapshot', 'demo'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export const DEFAULT_RESOLV_DIR = '/run/wwan/resolv.conf';
export const DEFAULT_LOG_LEVEL = 'info';
export const DEFAULT_RUN_DIR = '/run';
export const DEFAULT_PERSIST_DIR = '/persist';

export const OVERVIEW = `Usage: mmagent <command> [options]

EVE OS cellular (wwan) agent: a reconciling controller over ModemManager and netlink.

Commands:
  run        run the agent: apply a WwanConfig (file, or EVE pubsub), publish its status
  validate   check a WwanConfig or global config file against its schema
  plan       show what applying a config would change, without changing anything
  graph      write that plan's graph as one HTML page (offline), DOT or JSON
  snapshot   print the observed modem and network state as JSON
  demo       the agent's whole story on the built-in ModemManager simulator, narrated

Options:
  -h, --help     show help (also: mmagent <command> --help)
  --version      print the version

Exit codes: 0 success, 1 error (including usage errors); plan --detailed-exitcode: 2 changes.`;

export const USAGE: Readonly<Record<CommandName, string>> = {
  run: `Usage: mmagent run --config FILE --status-dir DIR [options]
       mmagent run --pubsub [--run-dir DIR] [--persist-dir DIR] [options]

Run the agent and reconcile the modems to the WwanConfig.
File mode: watch FILE (a WwanConfig), write WwanStatus.json, WwanMetrics.json and
WwanLocationInfo.json in DIR.
Pubsub mode (inside EVE, as its wwan service): take WwanConfig from nim and the global
config from zedagent over EVE's pubsub sockets in the run dir, publish WwanStatus,
WwanMetrics, WwanLocationInfo, CipherBlockStatus and CipherMetrics as agent wwan, decrypt
encrypted credentials with the device key, and keep EVE's wwan.pid, wwan.touch and
wwan-*-state.dot files.

Options:
  --config FILE          WwanConfig file to apply and watch (file mode, required)
  --status-dir DIR       where status files are written (file mode, required)
  --global-config FILE   EVE global config (ConfigItemValueMap) file to watch (file mode)
  --pubsub               pubsub mode
  --run-dir DIR          EVE's run dir with every agent's sockets (pubsub mode, default ${DEFAULT_RUN_DIR})
  --persist-dir DIR      EVE's persist dir: certs/ecdh.key.pem, status/tpmmgr/ (pubsub mode, default ${DEFAULT_PERSIST_DIR})
  --resolv-dir DIR       where per-interface DNS files go (default ${DEFAULT_RESOLV_DIR})
  --http [HOST:]PORT     serve the graph visualizer, read-only (host default 127.0.0.1;
                         another host is logged as a warning)
  --log-level LEVEL      all, trace, debug, info, warn, error, fatal, panic, none; when given,
                         it wins over the global config's (default: that, else ${DEFAULT_LOG_LEVEL})
  -h, --help             show this help`,

  validate: `Usage: mmagent validate FILE

Check FILE, a WwanConfig or a global config (ConfigItemValueMap), against its schema.
A file with GlobalSettings or AgentSettings is a global config; any other object is a WwanConfig.
Prints every error as "<json path>: <message>" and exits 1, or exits 0 when valid.

Options:
  -h, --help             show this help`,

  plan: `Usage: mmagent plan --config FILE [options]

Show what applying FILE would change, from the live state (read-only) or a snapshot.

Options:
  --config FILE          WwanConfig to plan for (required)
  --snapshot FILE        plan from this snapshot instead of the live state
  --global-config FILE   EVE global config (ConfigItemValueMap) file
  -o, --output FORMAT    text or json (default text)
  --detailed-exitcode    exit 0 for no changes, 2 for changes, 1 for errors
  --no-color             never colour the text output
  --resolv-dir DIR       the agent's per-interface DNS files (default ${DEFAULT_RESOLV_DIR})
  -h, --help             show this help

Exit codes: 0 success (with --detailed-exitcode: no changes), 2 changes (only with
--detailed-exitcode), 1 error.`,

  graph: `Usage: mmagent graph --config FILE -o FILE [options]

Write the graph of what applying FILE would do (as mmagent plan sees it: the live state,
read-only, or a snapshot) to one file: a self-contained HTML page of the visualizer (it
fetches nothing; open it anywhere), DOT, or JSON (schemas/graph-export.schema.json).

Options:
  --config FILE          WwanConfig to plan for (required)
  -o, --output FILE      where to write (required); .html, .dot or .json give the format
  --format FORMAT        html, dot or json (default: from the extension)
  --snapshot FILE        plan from this snapshot instead of the live state
  --global-config FILE   EVE global config (ConfigItemValueMap) file
  --resolv-dir DIR       the agent's per-interface DNS files (default ${DEFAULT_RESOLV_DIR})
  -h, --help             show this help`,

  snapshot: `Usage: mmagent snapshot [-o FILE]

Print the observed state (modems, SIMs, bearers, wwan links, addresses, routes) as JSON.
Secrets never appear in it.

Options:
  -o, --output FILE      write to FILE (atomically) instead of standard output
  --resolv-dir DIR       the agent's per-interface DNS files (default ${DEFAULT_RESOLV_DIR})
  -h, --help             show this help`,

  demo: `Usage: mmagent demo [--no-wait]

Play the agent's whole story on the built-in ModemManager simulator, narrated with the plan of each
step (docs/demo.md): two modems online, an APN change, an MTU-only change, a drop and reconnect, a
probe failure and its escalation, radio silence, an unplug and replug. As root the network side is
real (a namespace with tun wwan0/wwan1). The visualizer's URL is printed first.

Options:
  --no-wait              exit when the story is done (default when stdout is not a terminal;
                         otherwise it waits for Ctrl-C with the visualizer up)
  -h, --help             show this help`,
};
