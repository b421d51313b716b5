import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {durationFlag, mutationFlags} from '../../cli/flags/common.js';
import {UsageError} from '../../errors.js';
import {renderFired} from '../../output/alerts.js';
import {buildTestAlert, fireTestAlert, isLocalContext, type TestAlert} from '../../services/alerts/alerts.js';

export default class AlertsFire extends BaseCommand<typeof AlertsFire> {
  static override summary = 'Post a test alert to Alertmanager, to check routing and receivers.';
  static override description =
    'The alert resolves by itself after --duration. Outside local contexts (a non-loopback Alertmanager, unless ' +
    'alerts.local is set) it asks first: a test alert may page someone. Label and annotation names are checked ' +
    "with Alertmanager's rules ([a-zA-Z_][a-zA-Z0-9_]*) before anything is sent, --dry-run included.";
  static override mutating = true;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --severity critical --label connector=inventory-sink --duration 2m',
    '<%= config.bin %> <%= command.id %> --context prod --yes --json',
  ];
  static override flags = {
    name: Flags.string({summary: 'alertname label.', default: 'CdcctlTestAlert'}),
    severity: Flags.string({summary: 'severity label.', default: 'info'}),
    label: Flags.string({char: 'l', summary: 'Extra label name=value (repeatable).', multiple: true}),
    summary: Flags.string({summary: 'summary annotation.'}),
    duration: durationFlag({summary: 'How long until it resolves, e.g. 5m.', default: 300_000}),
    ...mutationFlags,
  };

  async run(): Promise<{alert: TestAlert; sent: boolean; receivers?: string[]}> {
    const ctx = await this.runContext();
    const labels: Record<string, string> = {};
    for (const l of this.flags.label ?? []) {
      const i = l.indexOf('=');
      if (i < 1) throw new UsageError(`bad --label "${l}"`, {hint: 'Use name=value.'});
      labels[l.slice(0, i)] = l.slice(i + 1);
    }
    const alert = buildTestAlert(ctx, {
      name: this.flags.name,
      severity: this.flags.severity,
      labels,
      summary: this.flags.summary,
      durationMs: this.flags.duration,
    });
    if (!this.flags['dry-run'] && !isLocalContext(ctx))
      await this.confirm(
        `send test alert ${alert.labels.alertname} to the Alertmanager of context "${ctx.contextName}"?`,
      );
    const r = await fireTestAlert(ctx, alert, {dryRun: this.flags['dry-run']});
    return this.present(r, () => renderFired(r));
  }
}
