import type {Plugin} from 'esbuild';

/** The module's source with its `ajv.compile(` calls made lazy, and how many it had. */
export function lazySchemas(source: string): {text: string; count: number};
export const lazySchemasPlugin: Plugin;
