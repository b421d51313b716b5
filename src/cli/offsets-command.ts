import {Args, type Command, Flags} from '@oclif/core';
import {color} from '../output/render.js';
import type {OffsetsChange} from '../services/connectors/offsets.js';
import {parseTimerDuration} from '../util/time.js';
import {BaseCommand} from './base-command.js';
import {mutationFlags} from './flags/common.js';

/** Shared flags, confirmation and rendering of `connectors offsets reset | set`. */
export abstract class OffsetsChangeCommand<T extends typeof Command> extends BaseCommand<T> {
  static override mutating = true;
  static override args = {connector: Args.string({required: true, description: 'Connector name.'})};
  static override flags = {
    backup: Flags.string({
      summary: 'Where to save the current offsets first (default ./<connector>-offsets-<time>.json).',
    }),
    'wait-timeout': Flags.string({summary: 'How long to wait for each state change.', default: '60s'}),
    ...mutationFlags,
  };

  protected options(): {backupFile: string; dryRun: boolean; waitMs: number} {
    const f = this.flags as typeof this.flags & {backup?: string; 'wait-timeout': string};
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    return {
      backupFile: f.backup ?? `${(this.args as {connector: string}).connector}-offsets-${stamp}.json`,
      dryRun: f['dry-run'],
      waitMs: parseTimerDuration(f['wait-timeout']),
    };
  }

  protected render(change: OffsetsChange): OffsetsChange {
    if (!this.jsonEnabled()) {
      const c = color();
      const lines = change.steps.map((s) => `  ${s.ok ? c.green('✓') : c.red('✗')} ${s.step.padEnd(13)} ${s.detail}`);
      process.stdout.write(
        `${c.bold(change.connector)}: offsets ${change.mode}${change.dryRun ? ' (dry run)' : ''}\n${lines.join('\n')}\n`,
      );
    }
    return change;
  }
}
