import {Flags} from '@oclif/core';
import {ALERT_STATES} from '../../services/alerts/alerts.js';

/** Flags shared by `alerts list` and `alerts groups`: which alerts. */

export const selectionFlags = {
  all: Flags.boolean({summary: "All alerts, not only the context's CDC alerts (alerts.matchers)."}),
  state: Flags.option({
    summary: 'Only alerts in this state (repeatable; default active).',
    options: [...ALERT_STATES],
    multiple: true,
  })(),
  receiver: Flags.string({summary: 'Only alerts routed to receivers matching this regex.'}),
};
