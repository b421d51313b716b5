import {Flags} from '@oclif/core';
import {BaseCommand} from '../../../cli/base-command.js';
import {dateFlag, durationFlag, mutationFlags} from '../../../cli/flags/common.js';
import {UsageError} from '../../../errors.js';
import {renderSilenceAdded} from '../../../output/alerts.js';
import {addSilence} from '../../../services/alerts/alerts.js';
import {parseMatchers} from '../../../services/alerts/matchers.js';

export default class AlertsSilenceAdd extends BaseCommand<typeof AlertsSilenceAdd> {
  static override summary = 'Silence alerts matching the matchers, for a duration or until a time.';
  static override description =
    'amtool syntax: name=value, name!=value, name=~regex, name!~regex; a first bare word is the alert name. ' +
    'Regexes are RE2, as Alertmanager compiles them ((?i)… for case-insensitive). The silence is checked with ' +
    "Alertmanager's own rules before anything is sent, --dry-run included: valid label names and regexes, and not " +
    'every =/=~ matcher matching the empty string. The author defaults to the current user@host. Prints the silence id.';
  static override strict = false;
  static override mutating = true;
  static override examples = [
    '<%= config.bin %> <%= command.id %> ConnectorDown connector=inventory-sink -d 2h -c "planned maintenance"',
    '<%= config.bin %> <%= command.id %> severity=warning --until "$(date -u -d \'tomorrow 06:00\' +%FT%TZ)" -c "noisy during backfill" --json',
  ];
  static override flags = {
    duration: durationFlag({char: 'd', summary: 'How long, e.g. 30m, 2h (default 1h).'}),
    until: dateFlag({summary: 'End time (ISO-8601), instead of --duration.', exclusive: ['duration']}),
    comment: Flags.string({char: 'c', required: true, summary: 'Why (required).'}),
    author: Flags.string({char: 'a', summary: 'Author (default: user@host).'}),
    'dry-run': mutationFlags['dry-run'],
  };

  async run(): Promise<Awaited<ReturnType<typeof addSilence>>> {
    if (!this.rest.length) throw new UsageError('give at least one matcher', {hint: 'e.g. alertname=ConnectorDown'});
    const r = await addSilence(
      await this.runContext(),
      {
        matchers: parseMatchers(this.rest),
        durationMs: this.flags.duration,
        endsAt: this.flags.until,
        comment: this.flags.comment,
        author: this.flags.author,
      },
      {dryRun: this.flags['dry-run']},
    );
    this.present(r, () => renderSilenceAdded(r));
    if (!this.jsonEnabled() && !r.dryRun) this.log$.info(`silenced ${r.affected} alert(s) until ${r.silence.endsAt}`);
    return r;
  }
}
