// An esbuild plugin for bin/bundle.js (and test/bench/kafka-clients.ts): @platformatic/kafka compiles
// the JSON schemas of all its clients' options with ajv while its modules load — most of its import
// cost (~0.3 s of CPU in a fresh process here, seconds on a loaded machine), paid by every command
// that loads it, though a command uses one or two of those validators. Bundled through this plugin,
// each `ajv.compile(schema)` of the package becomes a validator that compiles the schema on its first
// call and then behaves as ajv's (same result, same `.errors` after the call).
import {readFileSync} from 'node:fs';

const FILES = /@platformatic[/\\]kafka[/\\]dist[/\\].*\.js$/;
const HELPER = '__cdcctlLazyCompile';

/** The module's source with its `ajv.compile(` calls made lazy, and how many it had. */
export function lazySchemas(source) {
  const count = source.split('ajv.compile(').length - 1;
  if (count === 0) return {text: source, count};
  const text = `${source.replaceAll('ajv.compile(', `${HELPER}(ajv, `)}
function ${HELPER}(ajv, schema) {
  let compiled;
  const validate = (data) => {
    compiled ??= ajv.compile(schema);
    const ok = compiled(data);
    validate.errors = compiled.errors;
    return ok;
  };
  validate.errors = null;
  return validate;
}
`;
  return {text, count};
}

/** Fails the build when the package was bundled but none of its schemas was made lazy (a release changed how it compiles them). */
export const lazySchemasPlugin = {
  name: 'platformatic-kafka-lazy-schemas',
  setup(build) {
    let files = 0;
    let compiles = 0;
    build.onStart(() => {
      files = 0;
      compiles = 0;
    });
    build.onLoad({filter: FILES}, (args) => {
      const {text, count} = lazySchemas(readFileSync(args.path, 'utf8'));
      files++;
      compiles += count;
      return {contents: text, loader: 'js'};
    });
    build.onEnd((result) => {
      if (files > 0 && compiles === 0) {
        result.errors.push({
          text: '@platformatic/kafka was bundled but no ajv.compile( call was found to make lazy: check bin/lazy-schemas.js against this release',
        });
      }
    });
  },
};
