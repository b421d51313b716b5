import assert from 'node:assert/strict';
import {execFile, spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {json, repoRoot, runCli, runInTerminal, tempConfig} from '../helpers.js';

/**
 * The first seconds with cdcctl: global flags before the command, a typo's suggestion outside a
 * terminal, `cdcctl` alone and `cdcctl version`, and a first command with no config and no stack.
 */
const {env} = tempConfig('current-context: a\ncontexts:\n  a: {connect: {url: "http://127.0.0.1:9"}}\n');
const noStack = (text: string) => assert.doesNotMatch(text, /\n\s+at /, 'no stack trace');

describe('the command line', () => {
  it('accepts global flags before the command', async () => {
    const r = await runCli(['--context', 'nosuch', 'connectors', 'list'], {env});
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^Error: unknown context "nosuch"$/m, 'the flag reached the command');
    const j = await runCli(['--json', '--context=nosuch', 'connectors', 'list'], {env});
    assert.equal(j.code, 2, j.stderr);
    assert.equal(json<{error: {code: string}}>(j).error.code, 'CONFIG');
    const t = await runCli(['--timeout', '1s', '--verbose', 'connectors', 'list'], {env});
    assert.equal(t.code, 4, t.stderr);
    assert.match(t.stderr, /→ GET http:\/\/127\.0\.0\.1:9\/connectors/, '--verbose traced');
  });

  it('suggests the command a typo meant, without a terminal, and exits 127', async () => {
    const r = await runCli(['conectors', 'list'], {env});
    assert.equal(r.code, 127);
    assert.match(r.stderr, /^Error: conectors list is not a cdcctl command\. Did you mean cdcctl connectors list\?$/m);
    assert.match(r.stderr, /^Hint: Run cdcctl help for a list of commands\.$/m);
    const topic = await runCli(['pipeline', 'stauts'], {env});
    assert.equal(topic.code, 127);
    assert.match(topic.stderr, /Did you mean cdcctl pipeline status\?/);
    assert.match(topic.stderr, /Run cdcctl help pipeline/);
    const far = await runCli(['frobnicate'], {env});
    assert.equal(far.code, 127);
    assert.doesNotMatch(far.stderr, /Did you mean/);
  });

  it('`cdcctl` alone shows where to start; `cdcctl version` is --version', async () => {
    const r = await runCli([], {env});
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /START HERE\n {2}cdcctl config get-contexts .*\n {2}cdcctl pipeline status /);
    const v = await runCli(['version']);
    const flag = await runCli(['--version']);
    assert.equal(v.code, 0);
    assert.equal(v.stdout, flag.stdout);
    assert.match(v.stdout, /^cdcctl\/\d+\.\d+\.\d+ /);
  });
});

describe('an argument omitted on a terminal is chosen from a list', () => {
  const contexts =
    'current-context: a\ncontexts:\n  a: {connect: {url: "http://127.0.0.1:9"}}\n  b: {connect: {url: "http://127.0.0.1:9"}}\n';

  it('`config use-context` with no name: the contexts to choose from; Ctrl-C / Ctrl-D exit 130, nothing changed', async (t) => {
    const {path, env: cfgEnv} = tempConfig(contexts);
    for (const keys of ['\u0003', '\u0004']) {
      const r = await runInTerminal(['config', 'use-context'], {env: cfgEnv, keys, prompt: 'Choose a context'});
      if (!r) return t.skip('python3 (for a pseudo-terminal) is not available');
      assert.equal(r.sent, true, r.output);
      assert.equal(r.code, 130, r.output);
      assert.match(r.output, /Error: interrupted at the prompt: nothing was changed/);
      assert.match(readFileSync(path, 'utf8'), /^current-context: a$/m, 'unchanged');
    }
    const r = await runInTerminal(['config', 'use-context'], {
      env: cfgEnv,
      keys: '\u001b[B\r',
      prompt: 'Choose a context',
    });
    assert.equal(r?.code, 0, r?.output);
    assert.match(r!.output, /\ba\r?\n.*\bb\b/s, 'both contexts listed');
    assert.match(readFileSync(path, 'utf8'), /^current-context: b$/m, 'the chosen one (arrow down, Enter)');
  });

  it('without a terminal the missing argument is a usage error (exit 2), as with --json', async () => {
    const {env: cfgEnv} = tempConfig(contexts);
    for (const args of [
      ['config', 'use-context'],
      ['connectors', 'tasks', 'list'],
      ['schemas', 'versions'],
    ]) {
      const r = await runCli(args, {env: cfgEnv});
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^Error: Missing 1 required arg: (name|connector|subject)$/m);
    }
  });
});

describe('shell completion', () => {
  it('`autocomplete bash|zsh` writes completion functions that know every command and its flags', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'cdcctl-ac-'));
    for (const shell of ['bash', 'zsh']) {
      const r = await runCli(['autocomplete', shell], {env: {...env, XDG_CACHE_HOME: cache}});
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`cdcctl autocomplete script ${shell}`), 'the set-up instructions');
    }
    const script = await runCli(['autocomplete', 'script', 'bash'], {env: {...env, XDG_CACHE_HOME: cache}});
    assert.equal(script.code, 0, script.stderr);
    assert.match(script.stdout, /CDCCTL_AC_BASH_SETUP_PATH=.*bash_setup && test -f/);
    const fn = join(cache, 'cdcctl', 'autocomplete', 'functions', 'bash', 'cdcctl.bash');
    assert.match(readFileSync(fn, 'utf8'), /^connectors:list .*--output --state$/m);
    const zsh = readFileSync(join(cache, 'cdcctl', 'autocomplete', 'functions', 'zsh', '_cdcctl'), 'utf8');
    assert.match(zsh, /^_cdcctl_pipeline\(\) \{$/m);
    assert.match(zsh, /^"status\[One verdict for the whole pipeline/m);
    // bash itself completes with it: `cdcctl connectors li<TAB>` and `cdcctl connectors list --st<TAB>`
    const complete = (line: string) => {
      const words = line.split(' ');
      const r = spawnSync(
        'bash',
        [
          '-c',
          `source "$0"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; COMP_LINE='${line}'; COMP_POINT=${line.length}; _cdcctl_autocomplete; printf '%s\\n' "\${COMPREPLY[@]}"`,
          fn,
        ],
        {encoding: 'utf8'},
      );
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.trim().split('\n');
    };
    assert.ok(
      complete('cdcctl connectors li').some((w) => /^list\b/.test(w)),
      'the command',
    );
    assert.deepEqual(complete('cdcctl connectors list --st'), ['--state']);
  });
});

/** Runs the CLI with no config at all in a network namespace of its own: nothing listens, as with the stack down. */
function runIsolated(args: string[]): Promise<{code: number; stdout: string; stderr: string} | undefined> {
  if (spawnSync('unshare', ['-rn', 'true']).status !== 0) return Promise.resolve(undefined);
  const home = mkdtempSync(join(tmpdir(), 'cdcctl-first-'));
  const cmd = `ip link set lo up 2>/dev/null; exec "$0" "$@"`;
  return new Promise((resolve) => {
    execFile(
      'unshare',
      ['-rn', 'sh', '-c', cmd, process.execPath, join(repoRoot, 'bin', 'run.js'), ...args],
      {
        env: {PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: home, XDG_CACHE_HOME: home, NO_COLOR: '1'},
        cwd: home,
      },
      (error, stdout, stderr) =>
        resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr}),
    );
  });
}

describe('no config at all, stack down', () => {
  it('the first command: one line and a hint that says what to do, never a trace', async (t) => {
    for (const [args, code, message] of [
      [['connectors', 'list'], 4, /^Error: Kafka Connect at http:\/\/127\.0\.0\.1:8083 is unreachable/],
      [
        ['pipeline', 'status'],
        2,
        /^Error: contexts\.local\.postgres\.password: the environment variable CDC_PG_PASSWORD is not set$/,
      ],
      [['dlq', 'list'], 2, /CDC_PG_PASSWORD is not set/],
    ] as const) {
      const r = await runIsolated([...args]);
      if (!r) return t.skip('unshare -rn (a network namespace) is not available');
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 2, r.stderr);
      assert.match(lines[0]!, message);
      assert.match(
        lines[1]!,
        /^Hint: .*No cdcctl config file exists, so the built-in context "local" .*stack\.sh up.*config set-context/,
      );
      noStack(r.stderr);
    }
  });
});
