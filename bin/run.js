#!/usr/bin/env node
import {readFileSync} from 'node:fs';
import module from 'node:module';
import {homedir} from 'node:os';
import {join} from 'node:path';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v' || argv[0] === 'version')) {
  // Answered without loading the framework: scripts and health probes call --version often, and
  // loading oclif costs several times a bare Node start. Same text as oclif's own --version;
  // `cdcctl version` is the same (kubectl's habit).
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${pkg.oclif.bin}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else {
  // A reader that stops early (`cdcctl … | head`) is not an error: stop quietly, as Unix tools do.
  process.stdout.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
  // Cache compiled code between runs (Node ≥ 22.1): a large share of the startup time. In the user's
  // cache directory (beside cdcctl's other caches), not the shared temp dir another user may clean
  // or own; NODE_COMPILE_CACHE still overrides it, NODE_DISABLE_COMPILE_CACHE=1 turns it off.
  module.enableCompileCache?.(join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cdcctl', 'compile-cache'));
  // The bundle's entry (bin/bundle.js): the same copy of oclif as the commands, in a few files.
  const {execute} = await import('../dist/main.js');
  // No user- or dev-installed oclif plugins: cdcctl's commands are its own (and a run skips looking for them).
  await execute({dir: import.meta.url, loadOptions: {userPlugins: false, devPlugins: false}});
  // The command has finished (its output written, its exit code set). A client a failure left open (a Kafka
  // socket, a pool's timer) must not keep the process alive: a timer that does not itself hold the process
  // ends it after a grace period, and only if something else still does.
  setTimeout(() => process.exit(), 2000).unref();
}
