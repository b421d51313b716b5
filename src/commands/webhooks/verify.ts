import {readFileSync} from 'node:fs';
import {Flags} from '@oclif/core';
import {BaseCommand, withExitCodes} from '../../cli/base-command.js';
import {integerFlag} from '../../cli/flags/common.js';
import {resolveSecretString} from '../../config/secrets.js';
import {ExitCode, UsageError} from '../../errors.js';
import {renderVerify} from '../../output/webhooks.js';
import {type VerifyResult, verify} from '../../services/webhooks/signing.js';

export default class WebhooksVerify extends BaseCommand<typeof WebhooksVerify> {
  static override summary = "Verify a received webhook's signature (for receivers' tests).";
  static override description = withExitCodes(
    'Checks webhook-id, webhook-timestamp (within --tolerance seconds of now) and webhook-signature against the raw body, as the Standard Webhooks specification says. Exit 3 when it does not verify.',
  );
  static override permission = null;
  static override flags = {
    secret: Flags.string({
      summary: 'The secret: a reference (${env:NAME}, ${file:/path}) or whsec_… itself.',
      required: true,
    }),
    id: Flags.string({summary: 'The webhook-id header.', required: true}),
    timestamp: Flags.string({summary: 'The webhook-timestamp header.', required: true}),
    signature: Flags.string({summary: 'The webhook-signature header.', required: true}),
    body: Flags.string({summary: 'The raw body, or @file to read it from a file (@- for stdin).', required: true}),
    tolerance: integerFlag({
      summary: 'Accepted clock difference in seconds (0: do not check the time, for recorded requests).',
      default: 300,
      min: 0,
    }),
  };
  static override examples = [
    `<%= config.bin %> <%= command.id %> --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw --id msg_p5jXN8AQM9LWM0D4loKWxJek --timestamp 1614265330 --signature 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' --body '{"test": 2432232314}' --tolerance 0`,
  ];

  async run(): Promise<VerifyResult> {
    const f = this.flags;
    const secret = resolveSecretString(f.secret, '--secret');
    let body: string;
    if (f.body.startsWith('@')) {
      const path = f.body.slice(1);
      try {
        body = readFileSync(path === '-' ? 0 : path, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code}`);
      }
    } else body = f.body;
    const r = verify(
      {'webhook-id': f.id, 'webhook-timestamp': f.timestamp, 'webhook-signature': f.signature},
      body,
      secret,
      {toleranceS: f.tolerance === 0 ? Number.MAX_SAFE_INTEGER : f.tolerance},
    );
    if (!r.valid) this.exitWith(ExitCode.notOk);
    return this.present(r, () => renderVerify(r));
  }
}
