import {parse, stringify} from 'yaml';
import {redactValue, resolveSecretString} from '../../config/secrets.js';
import {UsageError} from '../../errors.js';
import {fetchVaultSecrets, type SecretsRun} from '../secrets/vault.js';

/**
 * `connectors edit`: the live config as written (references unresolved) as YAML for an editor, with
 * every value that would be redacted replaced by a placeholder (so secrets never reach the screen),
 * and the edited text turned back into a config in which untouched placeholders regain their values.
 */
export const SECRET_PLACEHOLDER = '<unchanged secret>';

export function editableText(name: string, live: Record<string, string>): string {
  const shown: Record<string, string> = {};
  for (const key of Object.keys(live).sort())
    shown[key] = redactValue(key, live[key]!) === live[key] ? live[key]! : SECRET_PLACEHOLDER;
  return (
    `# Editing connector ${name}. Save and quit to validate, review the diff and apply; an empty file aborts.\n` +
    `# Secret values show as "${SECRET_PLACEHOLDER}": leave them to keep them, or type a new value or a \${env:NAME} reference.\n` +
    stringify(shown, {lineWidth: 0})
  );
}

/** The edited config, or undefined when the user emptied the file (abort). */
export function parseEdited(text: string, live: Record<string, string>): Record<string, string> | undefined {
  const stripped = text
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('\n')
    .trim();
  if (stripped === '') return undefined;
  let data: unknown;
  try {
    data = parse(stripped);
  } catch (err) {
    throw new UsageError(`the edited config is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data))
    throw new UsageError('the edited config must be a map of key: value');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'object') throw new UsageError(`config key "${k}" must be a string, number or boolean`);
    out[k] = v === SECRET_PLACEHOLDER ? (live[k] ?? '') : String(v);
  }
  return out;
}

/**
 * The config to write from the edited one (as written): values left as they were keep their live
 * value, new ones have their references resolved (in memory only).
 */
export async function resolveEdited(
  ctx: SecretsRun,
  edited: Record<string, string>,
  written: Record<string, string>,
  live: Record<string, string>,
): Promise<Record<string, string>> {
  await fetchVaultSecrets(ctx, edited);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(edited))
    out[k] = v === written[k] && live[k] !== undefined ? live[k] : resolveSecretString(v, `$EDITOR: ${k}`);
  return out;
}
