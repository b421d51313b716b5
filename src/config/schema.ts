import {z} from 'zod';

/**
 * The shape of a cdcctl configuration file. Strings may hold secret references (`${env:NAME}`,
 * `${file:/path}`), resolved only at the moment of use (secrets.ts).
 */

const url = z.string().regex(/^https?:\/\/[^\s]+$/, 'an http:// or https:// URL');

export const authSchema = z.discriminatedUnion('type', [
  z.strictObject({type: z.literal('basic'), username: z.string().min(1), password: z.string()}),
  z.strictObject({type: z.literal('bearer'), token: z.string().min(1)}),
]);

export const tlsSchema = z.strictObject({
  /** PEM CA bundle file. */
  ca: z.string().optional(),
  /** PEM client certificate and key files (mutual TLS). */
  cert: z.string().optional(),
  key: z.string().optional(),
  insecureSkipTlsVerify: z.boolean().optional(),
});

export const httpEndpointSchema = z.strictObject({
  url,
  auth: authSchema.optional(),
  /** Extra headers sent with every request (e.g. a proxy's API key); values may be secret references. */
  headers: z.record(z.string(), z.string()).optional(),
  tls: tlsSchema.optional(),
  /** Per-request timeout in milliseconds (overridden by --timeout). */
  timeoutMs: z.number().int().positive().optional(),
});

export const kafkaSchema = z.strictObject({
  brokers: z.array(z.string().regex(/^[^\s:]+:\d+$/, 'host:port')).min(1),
  clientId: z.string().optional(),
  ssl: z.union([z.boolean(), tlsSchema]).optional(),
  sasl: z
    .strictObject({
      mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
      username: z.string(),
      password: z.string(),
    })
    .optional(),
});

export const postgresSchema = z.strictObject({
  url: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL'),
  password: z.string().optional(),
  /** The schema cdcctl keeps its own state in. */
  opsSchema: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
    .optional(),
});

export const cassandraSchema = z.strictObject({
  contactPoints: z.array(z.string()).min(1),
  localDataCenter: z.string(),
  keyspace: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
});

/** A Debezium health endpoint: Debezium Server (`/q/health`) or the Cassandra connector agent (`/health`). */
export const debeziumHealthSchema = httpEndpointSchema.extend({
  name: z.string().min(1),
  kind: z.enum(['server', 'cassandra-agent']),
});

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an identifier: letters, digits, "_"');
const qualifiedName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/, 'name.table');
const durationText = z.string().regex(/^\d+(ms|s|m|h)$/, 'a duration such as 30s, 5m or 1h');

/**
 * One Cassandra table and its PostgreSQL replica (`cdcctl reconcile`). Column names are Cassandra's;
 * `columns` maps the ones whose PostgreSQL name differs. `types` hints how a PostgreSQL column holds a
 * value when its type alone does not say (e.g. a timestamp kept as epoch milliseconds in a bigint).
 */
export const reconcileTableSchema = z.strictObject({
  /** Short name used on the command line and in metrics (default: the Cassandra keyspace.table). */
  name: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/)
    .optional(),
  cassandra: qualifiedName,
  postgres: qualifiedName,
  /** The full primary key (partition + clustering columns), Cassandra names, in order. */
  key: z.array(identifier).min(1),
  columns: z.record(identifier, identifier).optional(),
  types: z.record(identifier, z.enum(['epoch-ms', 'epoch-us', 'json', 'text', 'lossy'])).optional(),
  ignore: z.array(identifier).optional(),
  /** PostgreSQL column with the time the row was last written (min-age filter, repair guard). */
  updatedAt: identifier.optional(),
  /** Cassandra column whose writetime() dates a row (min-age; default: the first compared scalar column). */
  writetimeColumn: identifier.optional(),
  minAge: durationText.optional(),
  /** Alert when missing + extra + mismatched rows exceed this (default 0: any drift alerts). */
  driftThreshold: z.number().int().nonnegative().optional(),
});

export const reconcileSchema = z.strictObject({
  tables: z.array(reconcileTableSchema).min(1),
  /** Kafka Connect sink connector whose consumer-group lag is recorded with each run. */
  sinkConnector: z.string().optional(),
  /** Buckets per table (a power of two, default 65536). */
  buckets: z.number().int().min(16).max(1_048_576).optional(),
});

export const contextSchema = z.strictObject({
  connect: httpEndpointSchema.optional(),
  schemaRegistry: httpEndpointSchema.optional(),
  alertmanager: httpEndpointSchema.optional(),
  prometheus: httpEndpointSchema.optional(),
  pushgateway: httpEndpointSchema.optional(),
  kafka: kafkaSchema.optional(),
  postgres: postgresSchema.optional(),
  cassandra: cassandraSchema.optional(),
  debezium: z.strictObject({health: z.array(debeziumHealthSchema).optional()}).optional(),
  reconcile: reconcileSchema.optional(),
});

export const configFileSchema = z.strictObject({
  'current-context': z.string().optional(),
  contexts: z
    .record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" or "-"'), contextSchema)
    .optional(),
});

export type HttpEndpointConfig = z.infer<typeof httpEndpointSchema>;
export type KafkaConfig = z.infer<typeof kafkaSchema>;
export type PostgresConfig = z.infer<typeof postgresSchema>;
export type CassandraConfig = z.infer<typeof cassandraSchema>;
export type DebeziumHealthConfig = z.infer<typeof debeziumHealthSchema>;
export type ContextConfig = z.infer<typeof contextSchema>;
export type ReconcileTableConfig = z.infer<typeof reconcileTableSchema>;
export type ReconcileConfig = z.infer<typeof reconcileSchema>;
export type ConfigFile = z.infer<typeof configFileSchema>;

/** The HTTP services a context can name, with the words users and errors use for them. */
export const httpServices = {
  connect: 'Kafka Connect',
  schemaRegistry: 'Schema Registry',
  alertmanager: 'Alertmanager',
  prometheus: 'Prometheus',
  pushgateway: 'Pushgateway',
} as const;
export type HttpServiceKey = keyof typeof httpServices;

export const CONTEXT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The endpoints of the project's local stack (examples/stack), used when no configuration exists at all. */
export const builtInLocalContext: ContextConfig = {
  connect: {url: 'http://127.0.0.1:8083'},
  schemaRegistry: {url: 'http://127.0.0.1:8080/apis/ccompat/v7'},
  alertmanager: {url: 'http://127.0.0.1:9093'},
  prometheus: {url: 'http://127.0.0.1:9090'},
  pushgateway: {url: 'http://127.0.0.1:9091'},
  kafka: {brokers: ['127.0.0.1:9092']},
  postgres: {url: 'postgres://cdc@127.0.0.1:5433/target', password: '${env:CDC_PG_PASSWORD}'},
};
