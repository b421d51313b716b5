import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {UsageError} from '../../errors.js';
import {setContext} from '../../services/config/contexts.js';

const url = (service: string) => Flags.string({summary: `${service} URL.`, helpGroup: 'ENDPOINTS'});

export default class ConfigSetContext extends BaseCommand<typeof ConfigSetContext> {
  static override summary = 'Create a context or update its endpoints.';
  static override description =
    'Writes to CDCCTL_CONFIG or the user file ($XDG_CONFIG_HOME/cdcctl/config.yaml), keeping comments, and ' +
    'validates the result before replacing the file. Give secrets as references (${env:NAME}, ${file:/path} or ${vault:<mount>/data/<path>#<key>}) ' +
    'so that they never land in the file or in shell history. --set reaches any key of the context.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> local --connect-url http://127.0.0.1:8083 --kafka-brokers 127.0.0.1:9092 --current',
    "<%= config.bin %> <%= command.id %> prod --postgres-url postgres://cdc@db:5432/cdc --postgres-password '${env:PROD_PG_PASSWORD}'",
    "<%= config.bin %> <%= command.id %> prod --connect-url https://connect.prod:8083 --set connect.auth.type=bearer --set 'connect.auth.token=${file:/run/secrets/connect}'",
  ];
  static override args = {name: Args.string({required: true, description: 'Context name.'})};
  static override flags = {
    'connect-url': url('Kafka Connect REST'),
    'schema-registry-url': url('Schema Registry (Confluent-compatible API)'),
    'alertmanager-url': url('Alertmanager'),
    'prometheus-url': url('Prometheus'),
    'pushgateway-url': url('Pushgateway'),
    'kafka-brokers': Flags.string({
      summary: 'Kafka bootstrap brokers, comma-separated host:port.',
      helpGroup: 'ENDPOINTS',
    }),
    'postgres-url': Flags.string({summary: 'PostgreSQL URL (postgres://user@host:port/db).', helpGroup: 'ENDPOINTS'}),
    'postgres-password': Flags.string({
      summary: 'PostgreSQL password; prefer a ${env:…}, ${file:…} or ${vault:…} reference.',
    }),
    'cassandra-contact-points': Flags.string({summary: 'Cassandra contact points, comma-separated host:port.'}),
    'cassandra-dc': Flags.string({summary: 'Cassandra local data center.'}),
    set: Flags.string({summary: 'Set any key of the context: path=value (repeatable).', multiple: true}),
    unset: Flags.string({summary: 'Remove a key of the context (repeatable).', multiple: true}),
    current: Flags.boolean({summary: 'Also make it the current context.'}),
  };

  async run(): Promise<ReturnType<typeof setContext>> {
    const f = this.flags;
    const set: Record<string, unknown> = {};
    const put = (path: string, value: unknown) => {
      if (value !== undefined) set[path] = value;
    };
    put('connect.url', f['connect-url']);
    put('schemaRegistry.url', f['schema-registry-url']);
    put('alertmanager.url', f['alertmanager-url']);
    put('prometheus.url', f['prometheus-url']);
    put('pushgateway.url', f['pushgateway-url']);
    put('kafka.brokers', splitList(f['kafka-brokers']));
    put('postgres.url', f['postgres-url']);
    put('postgres.password', f['postgres-password']);
    put('cassandra.contactPoints', splitList(f['cassandra-contact-points']));
    put('cassandra.localDataCenter', f['cassandra-dc']);
    for (const pair of f.set ?? []) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new UsageError(`--set expects path=value, got "${pair}"`);
      set[pair.slice(0, eq)] = parseScalar(pair.slice(eq + 1));
    }
    if (f['postgres-password'] && !f['postgres-password'].includes('${')) {
      this.log$.warn(
        'the password is stored in plain text; a ${env:NAME}, ${file:/path} or ${vault:…} reference is safer.',
      );
    }
    const result = setContext(await this.cdcConfig(), this.args.name, {set, unset: f.unset ?? []}, f.current);
    this.log$.info(`${result.created ? 'Created' : 'Updated'} context "${result.name}" in ${result.file}.`);
    return result;
  }
}

function splitList(value: string | undefined): string[] | undefined {
  return value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function parseScalar(text: string): unknown {
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^\d+$/.test(text)) return Number(text);
  return text;
}
