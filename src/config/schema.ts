import {z} from 'zod';
import {describeMs, fitsDuration, MAX_DURATION_MS, MAX_TIMER_MS} from '../util/time.js';

/**
 * The shape of a cdcctl configuration file. A pure validator: no defaults or transforms, so a valid
 * file's data is its own parse result (validated-cache.ts relies on it; defaults live where the
 * values are used). Strings may hold secret references (`${env:NAME}`,
 * `${file:/path}`, `${vault:<mount>/data/<path>#<key>}`), resolved only at the moment of use
 * (secrets.ts); their syntax is checked with the schema (validate.ts).
 */

const url = z.string().regex(/^https?:\/\/[^\s]+$/, 'an http:// or https:// URL');

export const authSchema = z.discriminatedUnion('type', [
  z.strictObject({type: z.literal('basic'), username: z.string().min(1), password: z.string()}),
  z.strictObject({type: z.literal('bearer'), token: z.string().min(1)}),
]);

/**
 * A file cdcctl reads: an absolute path (a relative one would depend on the directory cdcctl runs
 * in), or a reference that yields one. Whether it exists is checked by `config validate` and on use.
 */
const filePath = z
  .string()
  .regex(/^(\/|\$\{)/, 'an absolute path (a relative one would depend on the directory cdcctl runs in)');

export const tlsSchema = z.strictObject({
  /** PEM CA bundle file. */
  ca: filePath.optional(),
  /** PEM client certificate and key files (mutual TLS). */
  cert: filePath.optional(),
  key: filePath.optional(),
  insecureSkipTlsVerify: z.boolean().optional(),
});

export const httpEndpointSchema = z.strictObject({
  url,
  auth: authSchema.optional(),
  /** Extra headers sent with every request (e.g. a proxy's API key); values may be secret references. */
  headers: z.record(z.string(), z.string()).optional(),
  tls: tlsSchema.optional(),
  /** Per-request timeout in milliseconds (overridden by --timeout). */
  // a longer timer fires at once (setTimeout's limit)
  timeoutMs: z
    .number()
    .int()
    .positive()
    .max(MAX_TIMER_MS, `at most ${MAX_TIMER_MS} ms (${describeMs(MAX_TIMER_MS)})`)
    .optional(),
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

/** The trace backend (issue 23): Zipkin's API v2 or Jaeger's query API, at `url`. */
export const tracingSchema = httpEndpointSchema.extend({
  kind: z.enum(['zipkin', 'jaeger']),
});

/** alerts: which Alertmanager alerts are "the CDC alerts" of this context (amtool matcher syntax, all must match). */
export const alertsSchema = z.strictObject({
  matchers: z.array(z.string().min(1)).optional(),
  /** Treat this context as local: `alerts fire` does not ask for confirmation. Default: loopback URLs only. */
  local: z.boolean().optional(),
});

/** metrics: named PromQL queries added to (or overriding) the built-in CDC catalog. */
export const metricQuerySchema = z.strictObject({
  query: z.string().min(1),
  description: z.string().optional(),
  /** Shown after values: s, ms, /s, %, bytes, or any short word. */
  unit: z.string().optional(),
  /** Show on `metrics dashboard` (default true for catalog entries). */
  dashboard: z.boolean().optional(),
});

/** A permission: `topic:verb`, either part may be `*` (e.g. `connectors:write`, `*:read`, `*`). */
export const permissionSchema = z
  .string()
  .regex(/^(\*|[a-z][a-z0-9-]*(:(\*|[a-z][a-z0-9-]*))?)$/, 'topic:verb, e.g. connectors:write or *:read');

/** Access control of one context (issue 5): who may run which command; see README "Access control and audit". */
export const accessSchema = z.strictObject({
  /** Verifies CDCCTL_TOKEN (e.g. a CI provider's OIDC token). `jwks` is an https:// URL or an absolute file path. */
  jwt: z
    .strictObject({
      issuer: z.string().min(1),
      audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
      jwks: z.string().regex(/^(https?:\/\/\S+|\/\S+)$/, 'an http(s):// URL or an absolute file path'),
      subjectClaim: z.string().optional(),
      groupsClaim: z.string().optional(),
      /** The longest lifetime (exp − iat, or exp − now without iat) a token may have (default 24h); `exp` is required. */
      maxLifetime: z
        .string()
        .regex(/^\d+(s|m|h)$/, 'a duration such as 15m or 12h')
        .optional(),
    })
    .optional(),
  /** Custom roles (or redefinitions of admin/operator/viewer): role name → permissions. */
  roles: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/), z.array(permissionSchema)).optional(),
  /** Who gets which roles; any one matching field is enough. */
  bindings: z
    .array(
      z.strictObject({
        roles: z.array(z.string()).min(1),
        /** OS user names (when no token is given); "*" matches anyone. */
        users: z.array(z.string()).optional(),
        /** Verified token subjects (the `sub` claim, or subjectClaim). */
        subjects: z.array(z.string()).optional(),
        /** Values of the token's groups claim. */
        groups: z.array(z.string()).optional(),
        /** Token claims that must all equal one of the given values. */
        claims: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
      }),
    )
    .optional(),
  /** Roles everyone identified gets in addition to bound ones (e.g. viewer). */
  defaultRoles: z.array(z.string()).optional(),
});

/**
 * GDPR erasure (issue 6): where a data subject's rows live, how erasures are backed up, fenced and
 * reported. Identifiers are validated here and quoted where they are used; the subject id itself
 * is always a bound value.
 */
const gdprIdent = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an identifier: letters, digits, "_"')
  .max(48);
const residencySchema = z.strictObject({region: z.string().min(1), jurisdiction: z.string().min(1)});
const TOO_LONG = `a duration of at most ${describeMs(MAX_DURATION_MS)}`;
const gdprDuration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'a duration such as 30s, 12h or 30d')
  .refine(fitsDuration, TOO_LONG);

export const gdprSchema = z.strictObject({
  cassandra: z
    .array(
      z.strictObject({
        keyspace: gdprIdent,
        table: gdprIdent,
        /** The column(s) holding the subject id; without a lookup they must be the partition key. */
        subjectColumns: z.array(gdprIdent).min(1),
        /** When the subject id is not the partition key: a table keyed by it that yields this table's key columns. */
        lookup: z.strictObject({keyspace: gdprIdent.optional(), table: gdprIdent, subjectColumn: gdprIdent}).optional(),
        residency: residencySchema.optional(),
      }),
    )
    .optional(),
  postgres: z
    .array(
      z.strictObject({schema: gdprIdent, table: gdprIdent, column: gdprIdent, residency: residencySchema.optional()}),
    )
    .optional(),
  /** Kafka topics that carry subject data (their retention is the residual horizon). */
  topics: z.array(z.string().regex(/^[A-Za-z0-9._-]+$/, 'a Kafka topic name')).optional(),
  /** The sink's consumer group (e.g. connect-inventory-sink): erasure settles when it has consumed past the delete. */
  sinkGroup: z.string().min(1).optional(),
  settleTimeout: gdprDuration.optional(),
  /** AES-256 key for the erasure backups: 32 bytes as 64 hex chars or base64, usually a secret reference. */
  backupKey: z.string().min(1).optional(),
  /** How long a verified erasure's backup is kept before it is purged (grace period for a restore; default 7d). */
  backupRetention: gdprDuration.optional(),
  /** What to do when PostgreSQL fails after the Cassandra delete (default retry). */
  onFailure: z.enum(['restore', 'retry']).optional(),
  /** Install/use the erasure fence so that late CDC upserts cannot bring an erased subject back (default false). */
  fence: z.boolean().optional(),
  /** HMAC key pseudonymising subject ids in the journal and in reports (secret reference). */
  reportKey: z.string().min(1).optional(),
  /** Signing of JSON compliance reports: an HMAC secret, or an Ed25519 private key (PEM file). */
  signing: z
    .union([
      z.strictObject({hmacKey: z.string().min(1)}),
      z.strictObject({ed25519PrivateKeyFile: z.string().min(1), ed25519PublicKeyFile: z.string().optional()}),
    ])
    .optional(),
  /** Cassandra consistency for deletes, restores and verification. */
  consistency: z.enum(['LOCAL_QUORUM', 'QUORUM', 'EACH_QUORUM', 'ALL', 'ONE', 'LOCAL_ONE']).optional(),
});

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an identifier: letters, digits, "_"');
const qualifiedName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/, 'name.table');
const durationText = z
  .string()
  .regex(/^\d+(ms|s|m|h)$/, 'a duration such as 30s, 5m or 1h')
  .refine(fitsDuration, TOO_LONG);

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
  /** Rows written more recently than this are left out of a run (0s: none, as --min-age 0). */
  minAge: durationText.optional(),
  /** Alert when missing + extra + mismatched rows exceed this (default 0: any drift alerts). */
  driftThreshold: z.number().int().nonnegative().optional(),
});

/**
 * debezium.cassandra: the Cassandra CDC state `pipeline status` checks (issue 21). The node's settings
 * and the tables' `cdc` flags are read over CQL; the cdc_raw directory only where it is on this machine.
 */
export const cassandraCdcSchema = z.strictObject({
  /** keyspace.table captured by the connector (default: the Cassandra side of reconcile.tables). */
  tables: z.array(qualifiedName).optional(),
  /**
   * The node's cdc_raw directory as this machine sees it (a node-local run, or a mount). Default: the
   * node's own cdc_raw_directory when every contact point is loopback and the directory exists here.
   */
  cdcRawDirectory: z.string().startsWith('/', 'an absolute path').optional(),
  /**
   * Debezium Server's offsets file (debezium.source.offset.storage.file.filename), node-local: the
   * connector's commit-log position per table, compared with what Cassandra has written (its lag).
   */
  offsetsFile: z.string().startsWith('/', 'an absolute path').optional(),
  /** Oldest unprocessed CDC segment, or unread CDC data, older than this makes the pipeline degraded (default 1m). */
  maxLag: durationText.optional(),
  /** cdc_raw usage (share of cdc_total_space) from which the pipeline is degraded (default 0.8). */
  warnUsage: z.number().gt(0).lte(1).optional(),
});

export const reconcileSchema = z.strictObject({
  // names key the stored results, metrics and locks: two pairs under one name would mix theirs
  tables: z
    .array(reconcileTableSchema)
    .min(1)
    .superRefine((tables, issue) => {
      const seen = new Set<string>();
      tables.forEach((t, i) => {
        const name = t.name ?? t.cassandra;
        if (seen.has(name))
          issue.addIssue({code: 'custom', path: [i, 'name'], message: `a second table pair named ${name}`});
        seen.add(name);
      });
    }),
  /** Kafka Connect sink connector whose consumer-group lag is recorded with each run. */
  sinkConnector: z.string().optional(),
  /** Buckets per table (a power of two; default by table size: 65536 up to 2M rows, then one per ~32 rows). */
  buckets: z.number().int().min(16).max(1_048_576).optional(),
});

/**
 * Data-quality checks (issue 25, `cdcctl quality`): per replicated PostgreSQL table, checks whose metric
 * is compared with warn/fail thresholds, the metric's change since the last run and its deviation from
 * the trailing runs. Identifiers are validated here and quoted where used; every value a check compares
 * with (sets, patterns, bounds, custom SQL parameters) is a bound parameter.
 */
const qualityName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, ".", "_" or "-"')
  .max(100);
/** A threshold bound: a number, or for freshness a duration (30s, 15m, 2h, 1d) meaning seconds. */
const qualityBound = z.union([
  z.number(),
  z
    .string()
    .regex(/^\d+(s|m|h|d)$/, 'a number, or a duration such as 30s, 15m, 2h or 1d')
    .refine(fitsDuration, TOO_LONG),
]);
/** A metric passes a level while min ≤ metric ≤ max (either side optional). */
export const qualityThresholdSchema = z.strictObject({min: qualityBound.optional(), max: qualityBound.optional()});
const qualityCommon = {
  /** Unique within the table; default: the check type and its column(s), e.g. missing_email. */
  name: qualityName.optional(),
  description: z.string().optional(),
  warn: qualityThresholdSchema.optional(),
  fail: qualityThresholdSchema.optional(),
  /** Percent change of the metric since the last run of this check: warn / fail above these (absolute %). */
  change: z
    .strictObject({warn: z.number().nonnegative().optional(), fail: z.number().nonnegative().optional()})
    .optional(),
  /** Deviation from the trailing runs, in standard deviations: warn / fail above these. */
  anomaly: z
    .strictObject({
      runs: z.number().int().min(3).max(1000).optional(),
      warn: z.number().positive().optional(),
      fail: z.number().positive().optional(),
    })
    .optional(),
};
const scalarValue = z.union([z.string(), z.number(), z.boolean()]);
const rangeBound = z.union([z.number(), z.string()]);
export const qualityCheckSchema = z.discriminatedUnion('type', [
  /** Rows in the table. */
  z.strictObject({type: z.literal('row_count'), ...qualityCommon}),
  /** Rows in the table minus rows in its source (Cassandra: token-range count; PostgreSQL: count). */
  z.strictObject({type: z.literal('source_count'), ...qualityCommon}),
  /** Seconds since the newest value of `column` (default: the table's updatedAt). */
  z.strictObject({type: z.literal('freshness'), column: identifier.optional(), ...qualityCommon}),
  /** Consumer-group lag (messages) of the sink connector that writes the table. */
  z.strictObject({type: z.literal('sink_lag'), connector: z.string().min(1).optional(), ...qualityCommon}),
  /** NULL (or empty/blank text) values; `percent: true` measures the share of rows. */
  z.strictObject({
    type: z.literal('missing'),
    column: identifier,
    percent: z.boolean().optional(),
    ...qualityCommon,
  }),
  /** Rows beyond the first of each group sharing these columns' values. */
  z.strictObject({type: z.literal('duplicates'), columns: z.array(identifier).min(1), ...qualityCommon}),
  /** Present values not in the list (compared as text); with `invalid: true`, those in it (a deny list). */
  z.strictObject({
    type: z.literal('values_in_set'),
    column: identifier,
    values: z.array(scalarValue).min(1),
    invalid: z.boolean().optional(),
    percent: z.boolean().optional(),
    ...qualityCommon,
  }),
  /** Non-NULL values whose text does not match a PostgreSQL regular expression or a named format. */
  z
    .strictObject({
      type: z.literal('pattern'),
      column: identifier,
      /** Measure the share of rows (%) instead of the count. */
      percent: z.boolean().optional(),
      regex: z.string().min(1).optional(),
      format: z.enum(['email', 'uuid', 'iso_date', 'iso_datetime', 'phone', 'ipv4', 'url']).optional(),
      ...qualityCommon,
    })
    .refine((c) => (c.regex === undefined) !== (c.format === undefined), 'either regex or format'),
  /** Non-NULL values outside [min, max] (numbers, dates, timestamps: bound as the column's type). */
  z
    .strictObject({
      type: z.literal('range'),
      column: identifier,
      /** Measure the share of rows (%) instead of the count. */
      percent: z.boolean().optional(),
      min: rangeBound.optional(),
      max: rangeBound.optional(),
      ...qualityCommon,
    })
    .refine((c) => c.min !== undefined || c.max !== undefined, 'min, max or both'),
  /** Non-NULL values whose text length is outside [min, max]. */
  z
    .strictObject({
      type: z.literal('length'),
      column: identifier,
      /** Measure the share of rows (%) instead of the count. */
      percent: z.boolean().optional(),
      min: z.number().int().nonnegative().optional(),
      max: z.number().int().nonnegative().optional(),
      ...qualityCommon,
    })
    .refine((c) => c.min !== undefined || c.max !== undefined, 'min, max or both'),
  /** Non-NULL values of `columns` with no row in the referenced table (orphans). */
  z.strictObject({
    type: z.literal('referential'),
    columns: z.array(identifier).min(1),
    references: z.strictObject({table: qualifiedName, columns: z.array(identifier).min(1)}),
    ...qualityCommon,
  }),
  /** Differences from the expected columns (type, nullable), or from the registry subject's latest schema. */
  z
    .strictObject({
      type: z.literal('schema'),
      columns: z
        .record(
          identifier,
          z.strictObject({
            type: z
              .string()
              .regex(/^[a-z][a-z0-9 ()_,]*$/)
              .optional(),
            nullable: z.boolean().optional(),
          }),
        )
        .optional(),
      /** Registry subject (e.g. inventory.public.customers-value): its latest schema's fields must be columns. */
      subject: z.string().min(1).optional(),
      /** Columns the table may have that the expectation does not list (default true). */
      allowExtra: z.boolean().optional(),
      ...qualityCommon,
    })
    .refine((c) => c.columns !== undefined || c.subject !== undefined, 'columns, subject or both'),
  /**
   * A read-only query (READ ONLY transaction, statement timeout): `metric` returns one number (first
   * column of the first row); `rows` returns failing rows, counted. Values go in `params` ($1, $2, …).
   */
  z.strictObject({
    type: z.literal('sql'),
    query: z.string().min(1),
    mode: z.enum(['metric', 'rows']).optional(),
    params: z.array(scalarValue).optional(),
    timeout: durationText.optional(),
    ...qualityCommon,
  }),
]);

export const qualityTableSchema = z.strictObject({
  /** Short name used on the command line and in metrics (default: `table`). */
  name: qualityName.optional(),
  /** The replicated table in the context's PostgreSQL: schema.table. */
  table: qualifiedName,
  /** Where the rows come from (source_count): a Cassandra keyspace.table, or a PostgreSQL table and its database. */
  source: z
    .union([
      z.strictObject({cassandra: qualifiedName}),
      z.strictObject({
        postgres: qualifiedName,
        url: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL'),
        password: z.string().optional(),
      }),
    ])
    .optional(),
  /** Column with the time a row was last written (freshness default). */
  updatedAt: identifier.optional(),
  /** The sink connector writing this table (sink_lag default). */
  sinkConnector: z.string().min(1).optional(),
  checks: z.array(qualityCheckSchema).min(1),
});

export const qualitySchema = z.strictObject({
  tables: z.array(qualityTableSchema).min(1),
  /** Tables checked at the same time (default 4). */
  concurrency: z.number().int().min(1).max(64).optional(),
  /** Default sink connector for sink_lag checks. */
  sinkConnector: z.string().min(1).optional(),
  /** Trailing runs an anomaly check looks at (default 10). */
  anomalyRuns: z.number().int().min(3).max(1000).optional(),
});

/**
 * HashiCorp Vault, for `${vault:<mount>/data/<path>#<key>}` references. Every field falls back to the
 * environment the vault CLI reads (VAULT_ADDR, VAULT_NAMESPACE, VAULT_TOKEN then ~/.vault-token,
 * VAULT_CACERT, VAULT_CLIENT_CERT, VAULT_CLIENT_KEY, VAULT_SKIP_VERIFY).
 */
export const vaultSchema = z
  .strictObject({
    address: url.optional(),
    /** Vault Enterprise / HCP namespace (sent as X-Vault-Namespace). */
    namespace: z.string().min(1).optional(),
    /** The token, usually an ${env:…} or ${file:…} reference. */
    token: z.string().min(1).optional(),
    tls: tlsSchema.optional(),
    timeoutMs: z.number().int().positive().optional(),
  })
  .superRefine((vault, issue) => {
    // Vault's own settings are needed to read Vault: none of them can come from it
    const walk = (value: unknown, path: Array<string | number>): void => {
      if (typeof value === 'string' && /(^|[^$])\$\{vault:/.test(value))
        issue.addIssue({
          code: 'custom',
          path,
          message: 'an ${env:…} or ${file:…} reference: Vault cannot hold its own settings',
        });
      else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    };
    walk(vault, []);
  });

/** webhooks (issue 24): what `webhooks add` may target and how `webhooks serve` delivers and watches. */
export const webhooksSchema = z.strictObject({
  /**
   * Allow receivers on loopback, private, link-local … addresses (checked when a subscription is
   * saved and again at every connection). Default: allowed only for local contexts (every endpoint
   * on loopback), refused elsewhere, against server-side request forgery.
   */
  allowPrivateTargets: z.boolean().optional(),
  /** TLS towards receivers: an extra CA bundle (e.g. an internal CA), or skipping verification. */
  tls: tlsSchema.pick({ca: true, insecureSkipTlsVerify: true}).optional(),
  /** A dlq.growth event when this many new DLQ records arrive within one watch interval (default 100). */
  dlqGrowthThreshold: z.number().int().positive().optional(),
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
  debezium: z
    .strictObject({health: z.array(debeziumHealthSchema).optional(), cassandra: cassandraCdcSchema.optional()})
    .optional(),
  tracing: tracingSchema.optional(),
  alerts: alertsSchema.optional(),
  metrics: z
    .strictObject({queries: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), metricQuerySchema).optional()})
    .optional(),
  /**
   * What a mutating command does when its audit record cannot be written to the store: `required`
   * refuses to run, `optional` warns. Default: optional for local contexts (every endpoint on
   * loopback), required otherwise.
   */
  audit: z.enum(['required', 'optional']).optional(),
  access: accessSchema.optional(),
  gdpr: gdprSchema.optional(),
  reconcile: reconcileSchema.optional(),
  quality: qualitySchema.optional(),
  vault: vaultSchema.optional(),
  webhooks: webhooksSchema.optional(),
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
export type GdprConfig = z.infer<typeof gdprSchema>;
export type ReconcileTableConfig = z.infer<typeof reconcileTableSchema>;
export type ReconcileConfig = z.infer<typeof reconcileSchema>;
export type TracingConfig = z.infer<typeof tracingSchema>;
export type DebeziumHealthConfig = z.infer<typeof debeziumHealthSchema>;
export type CassandraCdcConfig = z.infer<typeof cassandraCdcSchema>;
export type ContextConfig = z.infer<typeof contextSchema>;
export type MetricQueryConfig = z.infer<typeof metricQuerySchema>;
export type QualityConfig = z.infer<typeof qualitySchema>;
export type QualityTableConfig = z.infer<typeof qualityTableSchema>;
export type QualityCheckConfig = z.infer<typeof qualityCheckSchema>;
export type QualityThreshold = z.infer<typeof qualityThresholdSchema>;
export type VaultConfig = z.infer<typeof vaultSchema>;
export type AccessConfig = z.infer<typeof accessSchema>;
export type WebhooksConfig = z.infer<typeof webhooksSchema>;
export type ConfigFile = z.infer<typeof configFileSchema>;
