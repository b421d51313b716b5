import type {ContextConfig} from './schema.js';

/**
 * Configuration facts every command needs, kept apart from the zod schema (schema.ts) so that
 * importing them does not load zod: a run validates its configuration only when the file changed
 * (see validated-cache.ts).
 */

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
