import {connectClient} from '../../clients/factory.js';
import {tcpConnect} from '../../clients/netprobe.js';
import {createPool, pgError, pgTarget} from '../../clients/postgres.js';
import {hasSecretReference, resolveSecretString} from '../../config/secrets.js';
import type {RunContext} from '../../runtime.js';
import {type Classification, classifyTrace, refineConnection} from './classify.js';

export interface WhyFailure extends Classification {
  /** `connector` or the task id. */
  where: 'connector' | number;
  workerId: string;
  /** The full trace, for -o wide / --json. */
  trace: string;
}

export interface WhyReport {
  connector: string;
  connectorClass: string;
  state: string;
  failures: WhyFailure[];
}

/** Why a connector's tasks failed: each failed task's trace classified, connection failures probed. */
export async function whyConnector(ctx: RunContext, name: string): Promise<WhyReport> {
  const client = connectClient(ctx);
  try {
    const [status, config] = await Promise.all([client.status(name), client.getConfig(name)]);
    const cls = config?.['connector.class'] ?? '';
    const failed: Array<{where: 'connector' | number; workerId: string; trace: string}> = [];
    if (status.connector.state === 'FAILED' && status.connector.trace)
      failed.push({where: 'connector', workerId: status.connector.worker_id, trace: status.connector.trace});
    for (const t of status.tasks)
      if (t.state === 'FAILED' && t.trace) failed.push({where: t.id, workerId: t.worker_id, trace: t.trace});
    const failures = await Promise.all(
      failed.map(async (f) => {
        let c = classifyTrace(f.trace, cls);
        if (c.kind === 'database-connection' && config) c = await probeJdbc(ctx, c, config);
        return {...c, where: f.where, workerId: f.workerId, trace: f.trace};
      }),
    );
    return {connector: name, connectorClass: cls, state: status.connector.state, failures};
  } finally {
    await client.close();
  }
}

/**
 * The JDBC sink's Hibernate error hides whether the database was unreachable or refused the login:
 * cdcctl tries the same connection (from where it runs, which is usually near the worker).
 */
async function probeJdbc(ctx: RunContext, c: Classification, config: Record<string, string>): Promise<Classification> {
  const m = /^jdbc:postgresql:\/\/([^:/?]+)(?::(\d+))?\/([^?]*)/.exec(config['connection.url'] ?? '');
  if (!m) return c;
  const [, host = '', portText, db = ''] = m;
  const port = Number(portText ?? 5432);
  const tcp = await tcpConnect(host, port, Math.min(ctx.timeoutMs ?? 3000, 3000));
  if (!tcp.ok) return refineConnection(c, 'unreachable', `${host}:${port} ${tcp.error}`);
  const user = config['connection.username'] ?? '';
  const raw = config['connection.password'];
  let password: string | undefined;
  try {
    password = raw !== undefined && hasSecretReference(raw) ? resolveSecretString(raw, 'connection.password') : raw;
  } catch {
    return c;
  }
  const t = pgTarget(
    {url: `postgres://${encodeURIComponent(user)}@${host}:${port}/${encodeURIComponent(db)}`, password},
    'connection.*',
    3000,
  );
  const pool = await createPool({...t, config: {...t.config, max: 1}});
  try {
    await pool.query('SELECT 1');
    return refineConnection(c, 'ok', 'the database accepts the login now');
  } catch (err) {
    const e = pgError(err, t, 'logging in as the connector');
    return refineConnection(c, e.code === 'PG_AUTH' ? 'auth' : 'unreachable', e.message);
  } finally {
    await pool.end().catch(() => {});
  }
}
