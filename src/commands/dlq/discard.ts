import {Args, Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {mutationFlags, outputFlag} from '../../cli/flags/common.js';
import {dlqFilterFlags, dlqFilterOf, fromTopicFlag, isNarrowed} from '../../cli/flags/dlq.js';
import {ExitCode, UsageError} from '../../errors.js';
import {renderDiscard} from '../../output/dlq.js';
import {type DiscardResult, discardRecords} from '../../services/dlq/browse.js';

export default class DlqDiscard extends BaseCommand<typeof DlqDiscard> {
  static override summary = 'Mark dead-letter records discarded, with a reason (they are then never replayed).';
  static override description = withExitCodes(
    'Needs the store: a topic cannot carry marks (with --from-topic, use purge to delete old records from the topic). ' +
      'Named ids that no record has are listed: exit 2 when none exists (nothing is done), 5 when some do (those are discarded).',
  );
  static override mutating = true;
  static override strict = false;
  static override examples = [
    '<%= config.bin %> <%= command.id %> 17 18 --reason "malformed JSON from the legacy producer"',
    '<%= config.bin %> <%= command.id %> --stage VALUE_CONVERTER --reason "unparseable" --dry-run',
  ];
  static override args = {ids: Args.string({description: 'Record ids (any number); or select with the filter flags.'})};
  static override flags = {
    output: outputFlag,
    ...dlqFilterFlags,
    ...fromTopicFlag,
    reason: Flags.string({summary: 'Why (kept with each record).', required: true}),
    all: Flags.boolean({summary: 'Discard every record that matches (required when no id or filter is given).'}),
    ...mutationFlags,
  };

  async run(): Promise<DiscardResult> {
    if (this.flags['from-topic']) {
      throw new UsageError('discard needs the store: a Kafka topic cannot mark single records', {
        hint: 'Sync the topic into the store (cdcctl dlq sync), or delete old records from the topic with dlq purge --from-topic.',
      });
    }
    const filter = dlqFilterOf(this.flags, this.rest);
    if (!isNarrowed(filter) && !this.flags.all) {
      throw new UsageError('name the records to discard', {hint: 'Give ids, filter flags or --all.'});
    }
    const ctx = await this.runContext();
    const dry = Boolean(this.flags['dry-run']);
    const finish = (r: DiscardResult) => {
      if (r.notFound.length > 0) this.exitWith(ExitCode.partial); // some named ids do not exist
      return this.present(r, () => renderDiscard(r));
    };
    if (!dry) {
      const plan = await discardRecords(ctx, filter, this.flags.reason, true);
      if (plan.count === 0) return finish(plan);
      await this.confirm(`Discard ${plan.count} record(s)?`);
    }
    return finish(await discardRecords(ctx, filter, this.flags.reason, dry));
  }
}
