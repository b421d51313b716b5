import {Args} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {renderWaterfall} from '../../output/diagnostics.js';
import {showTrace, type TraceView} from '../../services/diagnostics/traces.js';

export default class TraceShow extends BaseCommand<typeof TraceShow> {
  static override summary = 'A trace from the context’s trace backend (Zipkin or Jaeger) as a terminal waterfall.';
  static override description = withExitCodes(
    'Reads the trace by id from `tracing.url` (Zipkin API v2 `/api/v2/trace/{id}`, or Jaeger query `/api/traces/{id}` per `tracing.kind`) and draws its spans in tree order on one time axis. Exit 3 when the backend does not know the id.',
  );
  static override args = {id: Args.string({description: 'Trace id (hex).', required: true})};
  static override examples = ['<%= config.bin %> <%= command.id %> 4bf92f3577b34da6a3ce929d0e0e4736'];

  async run(): Promise<TraceView> {
    const t = await showTrace(await this.runContext(), this.args.id);
    return this.present(t, () => renderWaterfall(t));
  }
}
