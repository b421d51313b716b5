import {readFileSync} from 'node:fs';
import {Flags} from '@oclif/core';
import {OffsetsChangeCommand} from '../../../cli/offsets-command.js';
import {UsageError} from '../../../errors.js';
import {changeOffsets, type OffsetsChange, parseOffsetsDocument} from '../../../services/connectors/offsets.js';

export default class ConnectorsOffsetsSet extends OffsetsChangeCommand<typeof ConnectorsOffsetsSet> {
  static override summary = "Set a connector's offsets from a file: back up, stop, alter, verify, restore its state.";
  static override description =
    'The file is the document `offsets get` prints ({"offsets": [{"partition": {…}, "offset": {…}}]}); an offset ' +
    'of null resets that partition. Asks first; --yes without a terminal. Kafka Connect ≥ 3.6.';
  static override flags = {
    ...OffsetsChangeCommand.flags,
    file: Flags.string({char: 'f', summary: 'Offsets document (JSON), or - for stdin.', required: true}),
  };
  static override examples = ['<%= config.bin %> <%= command.id %> inventory-sink -f offsets.json'];

  async run(): Promise<OffsetsChange> {
    const file = this.flags.file;
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
    } catch (err) {
      throw new UsageError(`cannot read offsets from ${file}: ${(err as Error).message}`);
    }
    const offsets = parseOffsetsDocument(data, file);
    const opts = this.options();
    if (!opts.dryRun)
      await this.confirm(
        `set ${offsets.offsets.length} offset(s) of ${this.args.connector} (it is stopped meanwhile)?`,
      );
    return this.render(await changeOffsets(await this.runContext(), this.args.connector, {mode: 'set', offsets}, opts));
  }
}
