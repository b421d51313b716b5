#!/usr/bin/env node
// Build step after `tsc --noEmit`: bundles src/ into dist/ with esbuild so that a command loads a
// handful of files instead of ~1,200 (module resolution and loading were most of cdcctl's start-up
// time; see issue 2's bench:startup). Every command stays its own entry at dist/commands/<id>.js, as
// oclif's manifest expects; code shared by several commands (oclif, zod, the config layer, the
// clients) lands in chunks under dist/chunks/, loaded only by the commands that import it, and
// dynamic imports stay lazy chunks. Worker-thread entries keep their path under dist/ (see
// src/entry-url.ts).
import {createHash} from 'node:crypto';
import {globSync, readFileSync, writeFileSync} from 'node:fs';
import {build} from 'esbuild';
import {lazySchemasPlugin} from './lazy-schemas.js';

const workerEntries = ['src/services/reconcile/scan-worker.ts'];

// The configuration schema's identity: a file validated by one schema is not assumed valid by another
// (src/config/validated-cache.ts). Validation is the zod schema plus the secret-reference syntax check.
const schemaId = createHash('sha256')
  .update(readFileSync('src/config/schema.ts'))
  .update(readFileSync('src/config/validate.ts'))
  .update(readFileSync('src/config/secrets.ts'))
  .update(readFileSync('src/config/vault.ts'))
  .update(JSON.parse(readFileSync('node_modules/zod/package.json', 'utf8')).version)
  .digest('hex');

/**
 * `zod/mini` (the clients' answer schemas, src/clients/answer.ts) bundled on its own, tree-shaken to
 * the names src/ uses. Shared with the configuration schema's classic zod (loaded lazily, only when
 * a config file changed), zod's core modules would land in a chunk every HTTP command loads, with
 * all that classic zod keeps of them: 170 KB (670 KB with every locale) instead of ~30 KB, +20 ms of
 * CPU on `connectors list`. The two copies never meet: no schema crosses from one to the other.
 */
const zodMiniStandalone = {
  name: 'zod-mini-standalone',
  setup(b) {
    b.onResolve({filter: /^zod\/mini$/}, () => ({path: 'zod/mini', namespace: 'zod-mini-standalone'}));
    b.onLoad({filter: /.*/, namespace: 'zod-mini-standalone'}, async () => {
      const runtime = new Set(Object.keys(await import('zod/mini')));
      const used = new Set();
      for (const file of globSync('src/**/*.ts')) {
        const text = readFileSync(file, 'utf8');
        if (!/from 'zod\/mini'/.test(text)) continue;
        for (const [, name] of text.matchAll(/\bz\.([A-Za-z_$][\w$]*)/g)) if (runtime.has(name)) used.add(name);
      }
      const inner = await build({
        stdin: {contents: `export {${[...used].sort().join(', ')}} from 'zod/mini';`, resolveDir: process.cwd()},
        bundle: true,
        format: 'esm',
        platform: 'node',
        target: 'node22',
        write: false,
        logLevel: 'warning',
      });
      return {contents: inner.outputFiles[0].text, loader: 'js'};
    });
  },
};

const result = await build({
  entryPoints: [
    'src/main.ts',
    'src/help.ts',
    'src/hooks/command-not-found.ts',
    ...workerEntries,
    ...globSync('src/commands/**/*.ts'),
  ],
  outbase: 'src',
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: 'linked',
  // Resolved from node_modules at run time: loaded by their own plugin packages, only on paths cdcctl
  // never takes (oclif's and cosmiconfig's TypeScript support), reading files of their own package
  // (@platformatic/kafka's WebAssembly in @platformatic/wasm-utils, its optional native CRC and
  // protobuf packages), or patched by module path (cassandra-driver/lib/readers.js in the reconcile
  // scan workers: one copy of the driver only). @platformatic/kafka itself is bundled, its option
  // schemas compiled on first use (bin/lazy-schemas.js).
  external: ['typescript', 'pg-native', '@platformatic/wasm-utils', '@node-rs/crc32', 'protobufjs', 'cassandra-driver'],
  // Bundled CommonJS packages call require() for Node built-ins; give them one in ESM output.
  banner: {
    js: "import {createRequire as __cdcctlRequire} from 'node:module'; const require = __cdcctlRequire(import.meta.url);",
  },
  define: {__CDCCTL_CONFIG_SCHEMA__: JSON.stringify(schemaId)},
  plugins: [zodMiniStandalone, lazySchemasPlugin],
  metafile: true,
  logLevel: 'warning',
});
if (process.env.BUNDLE_META) writeFileSync(process.env.BUNDLE_META, JSON.stringify(result.metafile));
