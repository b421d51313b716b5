import {OffsetsChangeCommand} from '../../../cli/offsets-command.js';
import {changeOffsets, type OffsetsChange} from '../../../services/connectors/offsets.js';

export default class ConnectorsOffsetsReset extends OffsetsChangeCommand<typeof ConnectorsOffsetsReset> {
  static override summary = "Reset a connector's offsets: back up, stop, reset, verify, restore its state.";
  static override description =
    'A source connector starts over (e.g. re-snapshots); a sink connector re-reads its topics from the consumer’s ' +
    'auto.offset.reset position. Asks first; --yes without a terminal. Kafka Connect ≥ 3.6.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> inventory-source',
    '<%= config.bin %> <%= command.id %> inventory-source --dry-run',
  ];

  async run(): Promise<OffsetsChange> {
    const opts = this.options();
    if (!opts.dryRun) await this.confirm(`reset every offset of ${this.args.connector} (it is stopped meanwhile)?`);
    return this.render(await changeOffsets(await this.runContext(), this.args.connector, {mode: 'reset'}, opts));
  }
}
