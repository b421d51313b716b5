import {Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {integerFlag, outputFlag} from '../../cli/flags/common.js';
import {startOf} from '../../cli/flags/events.js';
import {ExitCode} from '../../errors.js';
import {renderValidateEvents} from '../../output/quality.js';
import {type ValidateEventsResult, validateEvents} from '../../services/quality/validate-events.js';

export default class QualityValidate extends BaseCommand<typeof QualityValidate> {
  static override summary =
    'Apply the column rules of the quality checks to change events in Kafka; list violating events.';
  static override description = withExitCodes(
    `Events are decoded like \`events tail\` (JSON, Avro, JSON Schema via the registry) and each row image
(\`after\`) is judged by the column rules — missing, values_in_set, pattern, range, length — of the
configured table the topic carries (the one whose schema.table ends the topic name, or those named with
--rules). Reads up to the end offsets of when it started. Each violation names its partition and offset.

Exit 0: no violation. Exit 3: violations found.`,
  );
  static override examples = [
    '<%= config.bin %> <%= command.id %> --topic inventory.public.customers --from-beginning',
    '<%= config.bin %> <%= command.id %> --topic inventory.public.customers --since 1h --rules public.customers -o wide',
  ];
  static override flags = {
    topic: Flags.string({summary: 'The topic to read.', required: true}),
    'from-beginning': Flags.boolean({summary: 'Start at the oldest retained event.', exclusive: ['since']}),
    since: Flags.string({summary: 'Start at events written since: a duration (10m, 2h, 3d) or an ISO date.'}),
    rules: Flags.string({
      summary: 'Apply the rules of this configured table (name or schema.table); repeatable.',
      multiple: true,
    }),
    file: Flags.string({char: 'f', summary: 'Read the rules from this YAML file instead of the context.'}),
    'max-violations': integerFlag({summary: 'Keep at most this many violations.', default: 1000, min: 1}),
    'max-events': integerFlag({summary: 'Read at most this many events.', min: 1}),
    output: outputFlag,
  };

  async run(): Promise<ValidateEventsResult> {
    const f = this.flags;
    const start = f['from-beginning'] || f.since ? startOf(f) : 'beginning';
    const result = await validateEvents(await this.runContext(), {
      topic: f.topic,
      start,
      rules: f.rules ?? [],
      file: f.file,
      maxViolations: f['max-violations'],
      maxEvents: f['max-events'],
    });
    if (result.truncated) this.log$.warn(`more than ${f['max-violations']} violations: the rest are not listed`);
    if (result.violations.length > 0) this.exitWith(ExitCode.notOk);
    return this.present(result, (wide) => renderValidateEvents(result, wide));
  }
}
