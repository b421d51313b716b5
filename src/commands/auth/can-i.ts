import {Args} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {ExitCode, UsageError} from '../../errors.js';
import {renderCanI} from '../../output/access.js';
import {requiredPermission} from '../../services/access/permissions.js';
import {canI} from '../../services/access/whoami.js';

export default class AuthCanI extends BaseCommand<typeof AuthCanI> {
  static override summary = 'Tell whether you may run a command (or hold a permission) in this context.';
  static override description = withExitCodes(
    'Give the command as you would type it (`connectors delete`), or a permission (`gdpr:erase`). Prints yes or no and why; exits 0 for yes and 3 for no.',
  );
  static override strict = false;
  static override permission = null;
  static override args = {
    command: Args.string({description: 'Command words, or a permission topic:verb.', required: true}),
  };
  static override examples = [
    '<%= config.bin %> <%= command.id %> connectors delete',
    '<%= config.bin %> <%= command.id %> pipeline pause-all --context prod',
    '<%= config.bin %> <%= command.id %> gdpr:erase --json',
  ];

  async run(): Promise<{
    command?: string;
    permission: string | null;
    allowed: boolean;
    reason: string;
    roles: string[];
  }> {
    const words = this.rest.filter((w) => !w.startsWith('-'));
    const id = words.join(':');
    const found = this.config.findCommand(id);
    let permission: string | null;
    if (found) {
      const cmd = (await found.load()) as unknown as {mutating?: boolean; permission?: string | null};
      permission = requiredPermission(found.id, cmd.permission, Boolean(cmd.mutating));
    } else if (words.length === 1 && /^[a-z*][a-z0-9*-]*:[a-z*][a-z0-9*-]*$/.test(id)) {
      permission = id;
    } else {
      throw new UsageError(`unknown command "${words.join(' ')}"`, {
        hint: 'Give a command as you would type it, or a permission such as connectors:write.',
      });
    }
    const d = await canI(await this.runContext(), permission);
    const result = {
      ...(found ? {command: found.id.replace(/:/g, ' ')} : {}),
      permission,
      allowed: d.allowed,
      reason: d.reason,
      roles: d.roles,
    };
    if (!d.allowed) this.exitWith(ExitCode.notOk);
    return this.present(result, () => renderCanI(result, d.actor));
  }
}
