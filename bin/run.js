#!/usr/bin/env node
import module from 'node:module';

// Cache compiled code between runs (Node ≥ 22.1): a large share of the startup time.
module.enableCompileCache?.();

const {execute} = await import('@oclif/core');
await execute({dir: import.meta.url});
