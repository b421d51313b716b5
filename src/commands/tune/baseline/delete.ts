import {Args} from '@oclif/core';
import {BaseCommand} from '../../../cli/base-command.js';
import {mutationFlags} from '../../../cli/flags/common.js';
import {deleteTuneBaseline} from '../../../services/tune/index.js';

export default class TuneBaselineDelete extends BaseCommand<typeof TuneBaselineDelete> {
  static override summary = 'Delete a stored tune baseline.';
  static override mutating = true;
  static override args = {name: Args.string({required: true, description: 'Baseline name.'})};
  static override flags = {...mutationFlags};
  static override examples = [
    '<%= config.bin %> <%= command.id %> demo-before --dry-run',
    '<%= config.bin %> <%= command.id %> demo-before --yes',
  ];

  async run(): Promise<{name: string; deleted: boolean; dryRun: boolean}> {
    const ctx = await this.runContext();
    if (!this.flags['dry-run']) await this.confirm(`delete tune baseline ${this.args.name}?`);
    const r = await deleteTuneBaseline(ctx, this.args.name, this.flags['dry-run']);
    return this.present(r, () =>
      r.dryRun ? `would delete tune baseline ${r.name}` : `deleted tune baseline ${r.name}`,
    );
  }
}
