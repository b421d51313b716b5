import {execFile, spawn} from 'node:child_process';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {constants as osConstants, tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(repoRoot, 'bin', 'run.js');
/** One cache home per test process, as a user has: validated-config markers persist between runs. */
const cacheHome = mkdtempSync(join(tmpdir(), 'cdcctl-cache-'));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs the built CLI as a user would: a subprocess on the pinned Node (process.execPath), with a
 * clean environment (no user config unless given), capturing stdout, stderr and the exit code.
 */
export function runCli(
  args: string[],
  options: {env?: Record<string, string | undefined>; input?: string; cwd?: string} = {},
): Promise<CliResult> {
  const env = cliEnv(options.env);
  const started = Date.now();
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [bin, ...args],
      {env, cwd: options.cwd ?? tmpdir(), maxBuffer: 64 * 1024 * 1024, timeout: 120_000},
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({code, stdout, stderr, ms: Date.now() - started});
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** The clean environment runCli and startCli give the CLI (no user config unless given). */
function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'cdcctl-xdg-')),
    XDG_CACHE_HOME: cacheHome,
    NO_COLOR: '1',
    ...extra,
  };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return env as NodeJS.ProcessEnv;
}

/**
 * Starts the built CLI like runCli, but hands back the child process (to signal it mid-run) and a
 * promise of its result; `code` is 128 + the signal number when a signal ended it.
 */
export function startCli(
  args: string[],
  options: {env?: Record<string, string | undefined>; cwd?: string} = {},
): {child: import('node:child_process').ChildProcess; done: Promise<CliResult>} {
  const started = Date.now();
  const child = spawn(process.execPath, [bin, ...args], {
    env: cliEnv(options.env),
    cwd: options.cwd ?? tmpdir(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d;
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d;
  });
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      const bySignal = signal ? 128 + (osConstants.signals[signal] ?? 0) : 1;
      resolve({code: code ?? bySignal, stdout, stderr, ms: Date.now() - started});
    });
  });
  return {child, done};
}

/** A temporary config file; returns the env that points cdcctl at it. */
export function tempConfig(yaml: string): {path: string; env: Record<string, string>} {
  const dir = mkdtempSync(join(tmpdir(), 'cdcctl-cfg-'));
  const path = join(dir, 'config.yaml');
  writeFileSync(path, yaml);
  return {path, env: {CDCCTL_CONFIG: path}};
}

export function tempDir(prefix = 'cdcctl-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Parses stdout as one JSON document, failing with the output shown. */
export function json<T = unknown>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${r.code}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}

/** Polls `check` until it returns a truthy value or the deadline passes. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface ScriptedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The client's port: the same for requests that reused a keep-alive connection. */
  remotePort?: number;
}

export interface ScriptedReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * A loopback HTTP server that answers each request with the next scripted reply (the last one
 * repeats) and records what it received: for the HTTP layer's error paths — a 409 mid-rebalance, a
 * malformed body — that a real service cannot be made to produce on demand.
 */
export async function scriptedServer(replies: ScriptedReply[]): Promise<{
  url: string;
  requests: ScriptedRequest[];
  close: () => Promise<void>;
}> {
  const {createServer} = await import('node:http');
  const requests: ScriptedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        remotePort: req.socket.remotePort,
      });
      const reply = replies[Math.min(requests.length, replies.length) - 1] ?? {status: 500};
      const json = reply.body !== undefined && typeof reply.body !== 'string';
      res.writeHead(reply.status, {...(json ? {'content-type': 'application/json'} : {}), ...reply.headers});
      res.end(json ? JSON.stringify(reply.body) : ((reply.body as string | undefined) ?? ''));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const {port} = server.address() as import('node:net').AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Drives a child on a pseudo-terminal: waits for `prompt`, types `keys`, returns the exit code and what the terminal showed. */
const PTY_DRIVER = `
import json, os, pty, select, sys, time
args, keys, prompt = json.loads(sys.argv[1]), json.loads(sys.argv[2]).encode(), json.loads(sys.argv[3]).encode()
pid, fd = pty.fork()
if pid == 0:
    os.execvpe(args[0], args, os.environ)
out, sent, deadline = b'', False, time.time() + 60
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    if not sent and prompt in out:
        time.sleep(0.3)
        os.write(fd, keys)
        sent = True
else:
    os.kill(pid, 9)
_, status = os.waitpid(pid, 0)
print(json.dumps({'code': os.waitstatus_to_exitcode(status), 'sent': sent, 'output': out.decode('utf8', 'replace')}))
`;

/**
 * Runs the built CLI on a real pseudo-terminal (python3's pty module), as a user at a keyboard: when
 * `prompt` appears, types `keys` ("\u0003" is Ctrl-C, "\u0004" Ctrl-D). Undefined when python3 is missing.
 */
export async function runInTerminal(
  args: string[],
  options: {env?: Record<string, string | undefined>; keys: string; prompt?: string},
): Promise<{code: number; sent: boolean; output: string} | undefined> {
  const r = await new Promise<{code: number | null; stdout: string}>((resolve) => {
    execFile(
      'python3',
      [
        '-c',
        PTY_DRIVER,
        JSON.stringify([process.execPath, bin, ...args]),
        JSON.stringify(options.keys),
        JSON.stringify(options.prompt ?? '(y/N)'),
      ],
      {env: cliEnv(options.env), cwd: tmpdir(), timeout: 90_000},
      (error, stdout) => resolve({code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout}),
    );
  });
  if (r.code !== 0) return undefined;
  return JSON.parse(r.stdout) as {code: number; sent: boolean; output: string};
}
