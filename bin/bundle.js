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
  // (@platformatic/kafka's WebAssembly, dlq replay only), or patched by module path
  // (cassandra-driver/lib/readers.js in the reconcile scan workers: one copy of the driver only).
  external: ['typescript', '@oclif/plugin-not-found', 'pg-native', '@platformatic/kafka', 'cassandra-driver'],
  // Bundled CommonJS packages call require() for Node built-ins; give them one in ESM output.
  banner: {
    js: "import {createRequire as __cdcctlRequire} from 'node:module'; const require = __cdcctlRequire(import.meta.url);",
  },
  define: {__CDCCTL_CONFIG_SCHEMA__: JSON.stringify(schemaId)},
  metafile: true,
  logLevel: 'warning',
});
if (process.env.BUNDLE_META) writeFileSync(process.env.BUNDLE_META, JSON.stringify(result.metafile));
