/**
 * A CommonJS package's exports from a dynamic import, however cdcctl runs: Node gives the named
 * exports it can detect and `default` (= module.exports); the esbuild bundle gives only `default`;
 * tsx (tests from source) gives only the named ones for packages marked `__esModule`.
 * `probe` is an export the package must have.
 */
export function cjsExports<T extends object>(ns: T, probe: keyof T): T {
  if (ns[probe] !== undefined) return ns;
  return (ns as {default?: T}).default ?? ns;
}
