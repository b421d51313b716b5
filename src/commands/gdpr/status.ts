import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {outputFlag} from '../../cli/flags/common.js';
import {renderRequest} from '../../output/gdpr.js';
import {status} from '../../services/gdpr/requests.js';
import type {RequestView} from '../../services/gdpr/types.js';

export default class GdprStatus extends BaseCommand<typeof GdprStatus> {
  static override summary = 'Show one erasure request: state, systems, backup, evidence and (wide) its journal.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> DSR-2026-117',
    '<%= config.bin %> <%= command.id %> DSR-2026-117 -o wide',
  ];
  static override args = {request: Args.string({required: true, description: 'Request id.'})};
  static override flags = {output: outputFlag};

  async run(): Promise<RequestView> {
    const v = await status(await this.runContext(), this.args.request);
    return this.present(v, (wide) => renderRequest(v, wide));
  }
}
