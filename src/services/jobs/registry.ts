import type {JobProvider} from './types.js';

/**
 * The kinds of job `cdcctl jobs` knows. A kind registers itself from its module; providers/index.ts
 * imports every provider module once, so adding a kind is one file plus one import line there.
 */
const providers = new Map<string, JobProvider>();

export function registerJobProvider(p: JobProvider): void {
  if (providers.has(p.kind)) throw new Error(`job kind "${p.kind}" registered twice`);
  providers.set(p.kind, p);
}

export function jobProviders(): JobProvider[] {
  return [...providers.values()];
}

export function jobProvider(kind: string): JobProvider | undefined {
  return providers.get(kind);
}
