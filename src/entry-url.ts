/**
 * The URL of another entry module of cdcctl (a worker thread's script), given as its path under src/
 * without extension. From source (tsx: tests, benchmarks) it is the .ts file next to the caller's
 * tree; built, it is the bundle's entry of the same path under dist/ (bin/bundle.js keeps worker
 * entries there), wherever the bundler placed the calling code.
 */
export function entryUrl(path: string, importMetaUrl: string): URL {
  const fromSource = importMetaUrl.endsWith('.ts');
  const marker = fromSource ? '/src/' : '/dist/';
  const at = importMetaUrl.lastIndexOf(marker);
  if (at < 0) throw new Error(`cannot locate cdcctl's ${marker} directory from ${importMetaUrl}`);
  return new URL(`${importMetaUrl.slice(0, at + marker.length)}${path}${fromSource ? '.ts' : '.js'}`);
}
