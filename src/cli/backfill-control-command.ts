import {Args, type Command, Flags} from '@oclif/core';
import {renderControl} from '../output/backfill.js';
import {controlSignalBackfill} from '../services/backfill/signals.js';
import type {ControlResult} from '../services/backfill/types.js';
import {BaseCommand} from './base-command.js';
import {channelFlag} from './flags/backfill.js';
import {dryRunFlag} from './flags/common.js';

/** `backfill stop | pause | resume <connector>`: one snapshot-control signal each. */
export abstract class BackfillControlCommand<T extends typeof Command> extends BaseCommand<T> {
  static override mutating = true;
  static override args = {connector: Args.string({description: 'The source connector.', required: true})};
  static override flags = {
    'dry-run': dryRunFlag,
    channel: channelFlag,
  };

  protected async control(action: 'stop' | 'pause' | 'resume', tables: string[] = []): Promise<ControlResult> {
    const f = this.flags as {'dry-run': boolean; channel?: 'source' | 'kafka'};
    const connector = (this.args as {connector: string}).connector;
    const result = await controlSignalBackfill(await this.runContext(), connector, action, {
      tables,
      channel: f.channel,
      dryRun: f['dry-run'],
    });
    return this.present(result, () => renderControl(result));
  }
}

export const tablesFlag = Flags.string({
  char: 't',
  summary: 'Only these tables (schema.table; repeatable). Default: every table of the running snapshot.',
  multiple: true,
});
