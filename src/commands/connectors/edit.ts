import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {Args} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {confirmBeforeWrite} from '../../cli/confirm-write.js';
import {messageFlag, mutationFlags} from '../../cli/flags/common.js';
import {connectClient} from '../../clients/factory.js';
import {CdcError, ExitCode, UsageError} from '../../errors.js';
import {renderApply} from '../../output/connectors.js';
import {type ApplyResult, applyExitCode, writeConfig} from '../../services/connectors/apply.js';
import {configHistory} from '../../services/connectors/config-history.js';
import {diffConfigs} from '../../services/connectors/diff.js';
import {editableText, parseEdited, resolveEdited} from '../../services/connectors/edit.js';

export default class ConnectorsEdit extends BaseCommand<typeof ConnectorsEdit> {
  static override summary = "Edit a connector's live config in $EDITOR, then validate, diff, confirm and apply.";
  static override description = withExitCodes(
    'Values show as written (${env:…}/${file:…}/${vault:…} references unresolved); secret values appear as "<unchanged secret>" ' +
      'and keep their live value unless you replace them. ' +
      'Uses $VISUAL, $EDITOR or vi.',
  );
  static override mutating = true;
  static override args = {connector: Args.string({required: true, description: 'Connector name.'})};
  static override flags = {message: messageFlag, ...mutationFlags};
  static override examples = [
    '<%= config.bin %> <%= command.id %> inventory-sink',
    'EDITOR=nano <%= config.bin %> <%= command.id %> inventory-sink --dry-run',
  ];

  async run(): Promise<ApplyResult | undefined> {
    const name = this.args.connector;
    const ctx = await this.runContext();
    const connect = connectClient(ctx);
    try {
      const live = await connect.getConfig(name);
      if (!live) throw new CdcError('NOT_FOUND', ExitCode.usage, `no such connector: ${name}`);
      const history = configHistory(ctx, {message: this.flags.message});
      const written = await history.writtenForm(name, live);
      const edited = parseEdited(this.openEditor(name, editableText(name, written)), written);
      if (!edited) {
        this.log$.info('Empty file: nothing changed.');
        return undefined;
      }
      const desired = await resolveEdited(ctx, edited, written, live);
      const changes = diffConfigs(live, desired, {before: written, after: edited});
      if (changes.length === 0) {
        this.log$.info('No changes.');
        return {name, source: '$EDITOR', action: 'unchanged', applied: false, changes, errors: []};
      }
      const result = await writeConfig(
        connect,
        {name, source: '$EDITOR', desired, unresolved: edited, live, liveWritten: written},
        {
          dryRun: this.flags['dry-run'],
          history,
          beforeWrite: confirmBeforeWrite(
            (q) => this.confirm(q),
            ([planned]) => `apply ${planned?.changes.length} change(s) to ${name}?`,
          ),
        },
      );
      this.exitWith(applyExitCode([result]));
      return this.present(result, () => renderApply([result], this.flags['dry-run']));
    } finally {
      await connect.close();
    }
  }

  private openEditor(name: string, text: string): string {
    if (!process.stdin.isTTY)
      throw new UsageError('edit needs a terminal', {hint: 'Use `cdcctl connectors patch` or `apply` in scripts.'});
    const dir = mkdtempSync(join(tmpdir(), 'cdcctl-edit-'));
    const file = join(dir, `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.yaml`);
    try {
      writeFileSync(file, text, {mode: 0o600});
      const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
      const r = spawnSync(`${editor} "${file}"`, {stdio: 'inherit', shell: true});
      if (r.status !== 0) throw new UsageError(`the editor (${editor}) exited with ${r.status}: nothing changed`);
      return readFileSync(file, 'utf8');
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  }
}
