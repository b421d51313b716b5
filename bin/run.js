#!/usr/bin/env node
import {readFileSync} from 'node:fs';
import module from 'node:module';

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
  // Cache compiled code between runs (Node ≥ 22.1): a large share of the startup time.
  module.enableCompileCache?.();
  // The bundle's entry (bin/bundle.js): the same copy of oclif as the commands, in a few files.
  const {execute} = await import('../dist/main.js');
  // No user- or dev-installed oclif plugins: cdcctl's commands are its own (and a run skips looking for them).
  await execute({dir: import.meta.url, loadOptions: {userPlugins: false, devPlugins: false}});
}
