import {readFileSync} from 'node:fs';
import type {HttpEndpointConfig} from '../config/schema.js';
import {resolveSecretString} from '../config/secrets.js';
import {ConfigError} from '../errors.js';

/** What Node's TLS (https agents, kafkajs, @platformatic/kafka) takes from a context's `tls` / `ssl` block. */
type TlsConfig = NonNullable<HttpEndpointConfig['tls']>;

export interface TlsFiles {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: boolean;
}

/**
 * Reads the PEM files of a `tls` block — each path a secret reference or an absolute path, resolved
 * at the moment of use — at the key path `where` ("contexts.prod.kafka.ssl"), which errors name.
 */
export function tlsFiles(tls: TlsConfig | undefined, where: string): TlsFiles {
  const readPem = (file: string | undefined, key: 'ca' | 'cert' | 'key') => {
    if (!file) return undefined;
    const at = `${where}.${key}`;
    const path = resolveSecretString(file, at);
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError(`${at}: cannot read ${path} (${(err as NodeJS.ErrnoException).code})`, {
        hint: `Point ${at} at the absolute path of a readable PEM file.`,
      });
    }
  };
  const files: TlsFiles = {rejectUnauthorized: !tls?.insecureSkipTlsVerify};
  for (const key of ['ca', 'cert', 'key'] as const) {
    const pem = readPem(tls?.[key], key);
    if (pem) files[key] = pem;
  }
  return files;
}
