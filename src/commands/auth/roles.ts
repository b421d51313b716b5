import {BaseCommand} from '../../cli/base-command.js';
import {outputFlag} from '../../cli/flags/common.js';
import {renderRoles} from '../../output/access.js';
import {listRoles} from '../../services/access/whoami.js';

export default class AuthRoles extends BaseCommand<typeof AuthRoles> {
  static override summary = 'List the roles of this context and the permissions each grants.';
  static override description =
    'Built-in roles: admin (everything), operator (every read and write, pipeline:control; not gdpr:erase), viewer (every read). ' +
    'A context adds or redefines roles under access.roles. The HELD column marks your roles.';
  static override permission = null;
  static override flags = {output: outputFlag};
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> -o yaml'];

  async run(): Promise<Awaited<ReturnType<typeof listRoles>>> {
    const result = await listRoles(await this.runContext());
    return this.present(result, (wide) => renderRoles(result, wide));
  }
}
