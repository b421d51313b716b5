import {redactText} from '../../config/secrets.js';

/**
 * Failed-task root cause (`cdcctl connectors why`): the exception chain of a Connect task's trace,
 * classified. Rules are tried in order against every line of the chain (the first line and each
 * "Caused by:"); the deepest line a rule matches is the root-cause line. Pure: no I/O.
 */

export type FailureKind =
  | 'out-of-memory'
  | 'auth'
  | 'unreachable-database'
  | 'database-connection'
  | 'privilege'
  | 'wal-level'
  | 'missing-publication'
  | 'missing-slot'
  | 'slot-in-use'
  | 'missing-table'
  | 'constraint-violation'
  | 'schema-incompatible'
  | 'serialization'
  | 'missing-topic'
  | 'missing-library'
  | 'timeout'
  | 'unknown';

export interface Classification {
  kind: FailureKind;
  /** The line of the chain that says it (redacted). */
  rootCause: string;
  /** The fix that usually applies. */
  fix: string;
  /** The logger to raise for more detail. */
  logger: string;
  /** The exception chain, outermost first, without stack frames. */
  chain: string[];
}

interface Rule {
  kind: FailureKind;
  test: RegExp;
  fix: string;
  logger: (connectorClass: string) => string;
}

const pluginLogger = (cls: string) => {
  if (/jdbc/i.test(cls)) return 'io.debezium.connector.jdbc';
  if (/postgres/i.test(cls)) return 'io.debezium.connector.postgresql';
  if (/cassandra/i.test(cls)) return 'io.debezium.connector.cassandra';
  return cls.split('.').slice(0, -1).join('.') || 'org.apache.kafka.connect';
};

const RULES: Rule[] = [
  {
    kind: 'out-of-memory',
    test: /OutOfMemoryError|Java heap space|GC overhead limit exceeded/,
    fix: 'Give the worker more heap (KAFKA_HEAP_OPTS=-Xmx…) or make batches smaller (consumer.override.max.poll.records, batch.size, max.batch.size), then restart the task.',
    logger: () => 'org.apache.kafka.connect.runtime',
  },
  {
    kind: 'auth',
    test: /password authentication failed|authentication failed|Access denied for user|no pg_hba\.conf entry|SaslAuthenticationException|AuthenticationException|Bad credentials/i,
    fix: 'Fix the credentials in the connector config (database.user/database.password, connection.username/connection.password) or the server side (pg_hba.conf, role password), then restart the connector.',
    logger: pluginLogger,
  },
  {
    kind: 'unreachable-database',
    test: /Connection refused|UnknownHostException|No route to host|connect timed out|Communications link failure|NoHostAvailableException|Connection attempt timed out/i,
    fix: 'Check that the database runs and is reachable from the worker: database.hostname/database.port (source) or connection.url (sink), firewalls, DNS.',
    logger: pluginLogger,
  },
  {
    kind: 'privilege',
    test: /permission denied|must be superuser or replication role|must be owner of|TopicAuthorizationException|GroupAuthorizationException/i,
    fix: 'Grant what the connector user needs: REPLICATION and SELECT on the captured tables (source), INSERT/UPDATE/DELETE/CREATE on the target (sink), or the Kafka ACLs.',
    logger: pluginLogger,
  },
  {
    kind: 'wal-level',
    test: /logical decoding requires wal_level|wal_level must be set to .logical/i,
    fix: 'Set wal_level=logical in postgresql.conf and restart PostgreSQL, then restart the connector.',
    logger: pluginLogger,
  },
  {
    kind: 'missing-publication',
    test: /Publication autocreation is disabled|publication "[^"]+" does not exist/i,
    fix: 'Create the publication (CREATE PUBLICATION <publication.name> FOR TABLE …) or set publication.autocreate.mode=filtered, then restart the connector.',
    logger: pluginLogger,
  },
  {
    kind: 'missing-slot',
    test: /replication slot "[^"]+" does not exist/i,
    fix: 'The replication slot (slot.name) was dropped: restart the connector to recreate it, and re-snapshot (changes made meanwhile were not captured).',
    logger: pluginLogger,
  },
  {
    kind: 'slot-in-use',
    test: /replication slot "[^"]+" is active|replication slot .* already exists/i,
    fix: 'Another client holds the slot: give each connector its own slot.name, or stop the other consumer (pg_stat_replication).',
    logger: pluginLogger,
  },
  {
    kind: 'missing-table',
    test: /Could not find table|relation "[^"]+" does not exist|Table .* doesn't exist/i,
    fix: 'Create the target table, or set schema.evolution=basic (and check collection.name.format / table.name.format).',
    logger: pluginLogger,
  },
  {
    kind: 'constraint-violation',
    test: /violates (unique|not-null|foreign key|check|exclusion) constraint|ConstraintViolationException|duplicate key value/i,
    fix: 'A row breaks a constraint of the target: use insert.mode=upsert with primary.key.mode=record_key for duplicates, fix the data or the constraint, or route such records to a DLQ (errors.tolerance=all, errors.deadletterqueue.topic.name).',
    logger: pluginLogger,
  },
  {
    kind: 'schema-incompatible',
    test: /is of type .* but expression is of type|Cannot ALTER table .* because field|column "[^"]+" of relation "[^"]+" does not exist|SQLGrammarException|incompatible with an earlier schema|Schema being registered is incompatible|Incompatible schema|cannot be cast to|invalid input syntax for type/i,
    fix: 'The record schema does not fit the target (a column type or a missing column): evolve the target table (ALTER TABLE), set schema.evolution=basic for new columns, or cast with an SMT (Cast$Value); check the registry compatibility for the subject.',
    logger: pluginLogger,
  },
  {
    kind: 'serialization',
    test: /SerializationException|Converting byte\[\] to Kafka Connect data failed|JsonParseException|Unknown magic byte|Error deserializing|JsonConverter with schemas\.enable requires/i,
    fix: "The converter cannot read the topic's bytes: make key.converter/value.converter (and *.schemas.enable) match what the producer wrote, or skip bad records to a DLQ (errors.tolerance=all).",
    logger: () => 'org.apache.kafka.connect.runtime.WorkerSinkTask',
  },
  {
    kind: 'database-connection',
    test: /Unable to determine Dialect without JDBC metadata|Unable to obtain JDBC Connection|JDBCConnectionException/i,
    fix: 'The JDBC sink could not open a connection (Hibernate hides why): check connection.url, connection.username/connection.password, and that the database is reachable from the worker.',
    logger: () => 'org.hibernate.engine.jdbc',
  },
  {
    kind: 'missing-topic',
    test: /Topic .* not present in metadata|UnknownTopicOrPartitionException/i,
    fix: 'Create the topic, or allow auto-creation (topic.creation.* for sources, auto.create.topics.enable on the broker).',
    logger: () => 'org.apache.kafka.clients',
  },
  {
    kind: 'missing-library',
    test: /NoClassDefFoundError|ClassNotFoundException|tracing libraries not available/,
    fix: "A class the plugin (or one of its transforms/converters) needs is not on its classpath: put the jar into the plugin's directory under plugin.path (for Debezium's ActivateTracingSpan: the OpenTelemetry API jars) and restart the workers.",
    logger: () => 'org.apache.kafka.connect.runtime.isolation',
  },
  {
    kind: 'timeout',
    test: /TimeoutException|timed out/i,
    fix: 'A dependency answered too slowly: check its health and the network, or raise the timeout the message names.',
    logger: pluginLogger,
  },
];

/** The exception chain: the first line and each "Caused by:", stack frames dropped. */
export function exceptionChain(trace: string): string[] {
  const lines = trace.split('\n');
  const chain: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const line = raw.trim();
    if (i === 0 || line.startsWith('Caused by: ')) {
      let text = line.replace(/^Caused by: /, '');
      // a message may continue on following lines until the first frame
      while (i + 1 < lines.length && !/^\s*(at |\.\.\. \d+ more|Caused by: |Suppressed: )/.test(lines[i + 1] ?? '')) {
        const next = (lines[i + 1] ?? '').trim();
        if (next) text += ` ${next}`;
        i++;
      }
      chain.push(text);
    }
  }
  return chain.filter(Boolean);
}

export function classifyTrace(trace: string, connectorClass = ''): Classification {
  const chain = exceptionChain(trace).map((l) => redactText(l));
  for (const rule of RULES) {
    const hit = [...chain].reverse().find((l) => rule.test.test(l));
    if (hit) {
      return {kind: rule.kind, rootCause: clip(hit), fix: rule.fix, logger: rule.logger(connectorClass), chain};
    }
  }
  return {
    kind: 'unknown',
    rootCause: clip(chain.at(-1) ?? ''),
    fix: 'Not a failure cdcctl knows: read the whole trace (-o wide / --json) and the worker log.',
    logger: pluginLogger(connectorClass),
    chain,
  };
}

/** What a refinement probe found decides the kind of an ambiguous connection failure. */
export function refineConnection(
  c: Classification,
  found: 'unreachable' | 'auth' | 'ok',
  detail: string,
): Classification {
  if (c.kind !== 'database-connection' || found === 'ok') return c;
  const rule = RULES.find((r) => r.kind === (found === 'auth' ? 'auth' : 'unreachable-database'));
  return rule ? {...c, kind: rule.kind, fix: rule.fix, rootCause: `${c.rootCause} — probe: ${detail}`} : c;
}

function clip(line: string): string {
  return line.length > 500 ? `${line.slice(0, 497)}...` : line;
}
