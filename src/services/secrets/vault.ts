import {existsSync, readFileSync} from 'node:fs';
import type {ContextConfig} from '../../config/schema.js';
import {registerSecret, resolveSecretString, vaultReferencesIn} from '../../config/secrets.js';
import {
  parseVaultReference,
  rememberVaultRead,
  useVault,
  type VaultSettings,
  vaultReadOf,
  vaultSettings,
} from '../../config/vault.js';
import {CdcError, ConfigError} from '../../errors.js';
import {DEFAULT_TIMEOUT_MS, type RunContext} from '../../runtime.js';

/**
 * Reads the Vault secrets that `${vault:…}` references name, so that resolution — synchronous at
 * every place a secret is used — finds them. Each secret path is read once per process, all paths
 * at once; a failed read is kept and reported where (and only if) a reference to it is used, with
 * that place's key path, so that a command never fails for a secret it does not use. Values are
 * registered for scrubbing when they are resolved (secrets.ts), not when read: a secret's other keys
 * (a user name beside a password) are not scrubbed from every output.
 */

export type SecretsRun = Pick<RunContext, 'contextName' | 'timeoutMs' | 'trace' | 'userAgent'> & {
  config: Pick<ContextConfig, 'vault'>;
};

/** Reads every Vault secret referenced in `value` with the run context's Vault settings (once each). */
export async function fetchVaultSecrets(run: SecretsRun, value: unknown): Promise<void> {
  const settings = vaultSettings(run.contextName, run.config.vault);
  useVault(settings);
  const paths = new Set<string>();
  for (const ref of vaultReferencesIn(value)) {
    const parsed = parseVaultReference(ref);
    if (parsed && !vaultReadOf(settings, parsed.path)) paths.add(parsed.path);
  }
  if (paths.size === 0) return;
  let read: (path: string) => Promise<Record<string, unknown>>;
  let close = async () => {};
  try {
    const client = await vaultClient(settings, run);
    read = (path) => client.readKv2(path);
    close = () => client.close();
  } catch (err) {
    // no address or token: every reference fails the same way, where it is used
    if (!(err instanceof CdcError)) throw err;
    read = () => Promise.reject(err);
  }
  try {
    await Promise.all(
      [...paths].map(async (path) => {
        try {
          rememberVaultRead(settings, path, {data: await read(path)});
        } catch (err) {
          if (!(err instanceof CdcError)) throw err;
          rememberVaultRead(settings, path, {error: err});
        }
      }),
    );
  } finally {
    await close();
  }
}

async function vaultClient(settings: VaultSettings, run: SecretsRun) {
  const {where} = settings;
  if (!settings.address) {
    throw new ConfigError(`no Vault address for \${vault:…} references`, {
      hint: `Set ${where}.address (\`cdcctl config set-context ${run.contextName} --set vault.address=https://vault.example:8200\`) or export VAULT_ADDR.`,
    });
  }
  if (!/^https?:\/\/[^\s/]+/.test(settings.address)) {
    throw new ConfigError(`the Vault address "${settings.address}" is not an http:// or https:// URL`, {
      hint: `Fix ${where}.address or VAULT_ADDR, e.g. https://vault.example:8200.`,
    });
  }
  const token = vaultToken(settings);
  registerSecret(token);
  const {VaultClient} = await import('../../clients/vault.js');
  return new VaultClient(
    {address: settings.address, namespace: settings.namespace, token, tls: settings.tls, keyPath: where},
    {timeoutMs: run.timeoutMs ?? settings.timeoutMs ?? DEFAULT_TIMEOUT_MS, trace: run.trace, userAgent: run.userAgent},
  );
}

/** The token: the context's `vault.token`, else VAULT_TOKEN, else the vault CLI's ~/.vault-token. */
function vaultToken(settings: VaultSettings): string {
  if (settings.token !== undefined) return resolveSecretString(settings.token, `${settings.where}.token`).trim();
  if (settings.tokenFromEnv) return settings.tokenFromEnv.trim();
  if (existsSync(settings.tokenFile)) {
    try {
      const token = readFileSync(settings.tokenFile, 'utf8').trim();
      if (token) return token;
    } catch {
      // unreadable: reported below like a missing one
    }
  }
  throw new ConfigError('no Vault token for ${vault:…} references', {
    hint: `Export VAULT_TOKEN, set ${settings.where}.token to an \${env:…} or \${file:…} reference, or run \`vault login\` (it writes ${settings.tokenFile}).`,
  });
}
