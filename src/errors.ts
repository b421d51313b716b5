/**
 * The exit-code contract (DESIGN.md, README) and the errors that carry it.
 * Every error a user can cause or meet is a CdcError: one line of message, an optional hint,
 * a stable machine code and the exit code. Anything else that escapes is a bug (exit 1).
 */
export const ExitCode = {
  ok: 0,
  bug: 1,
  usage: 2,
  notOk: 3,
  unreachable: 4,
  partial: 5,
  forbidden: 6,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface CdcErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Extra structured detail for --json error output (never secrets). */
  details?: Record<string, unknown>;
}

export class CdcError extends Error {
  readonly exitCode: ExitCode;
  readonly code: string;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: string, exitCode: ExitCode, message: string, options: CdcErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause});
    this.name = 'CdcError';
    this.code = code;
    this.exitCode = exitCode;
    this.hint = options.hint;
    this.details = options.details;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      exitCode: this.exitCode,
      ...(this.hint ? {hint: this.hint} : {}),
      ...(this.details ? {details: this.details} : {}),
    };
  }
}

/** Invalid flags, arguments or input files (exit 2). */
export class UsageError extends CdcError {
  constructor(message: string, options: CdcErrorOptions = {}) {
    super('USAGE', ExitCode.usage, message, options);
  }
}

/** Invalid or unreadable configuration, unknown context, unresolvable secret reference (exit 2). */
export class ConfigError extends CdcError {
  constructor(message: string, options: CdcErrorOptions = {}) {
    super('CONFIG', ExitCode.usage, message, options);
  }
}

/** The command worked and the answer is "not OK" (exit 3). */
export class NotOkError extends CdcError {
  constructor(message: string, options: CdcErrorOptions = {}) {
    super('NOT_OK', ExitCode.notOk, message, options);
  }
}

/** Some targets of a bulk operation failed (exit 5). */
export class PartialFailureError extends CdcError {
  constructor(message: string, options: CdcErrorOptions = {}) {
    super('PARTIAL', ExitCode.partial, message, options);
  }
}

/**
 * A service answered with an error, or could not be reached. `status` is absent when no answer came
 * (connection refused, DNS, TLS, timeout): that is "unreachable", exit 4. An answer with an HTTP
 * status maps to exit 4 for 5xx/408/429 (the dependency is unwell) and exit 2 for other 4xx (the
 * request was wrong: unknown connector, invalid config).
 */
export class ServiceError extends CdcError {
  readonly service: string;
  readonly url: string;
  readonly status?: number;
  readonly serverMessage?: string;

  constructor(
    init: {
      service: string;
      url: string;
      status?: number;
      serverMessage?: string;
      message: string;
      code?: string;
      /** Overrides the exit code the status maps to (a 200 with a garbage body is not a usage error). */
      exitCode?: ExitCode;
    },
    options: CdcErrorOptions = {},
  ) {
    const exit =
      init.exitCode ??
      (init.status === undefined || init.status >= 500 || init.status === 408 || init.status === 429
        ? ExitCode.unreachable
        : ExitCode.usage);
    super(init.code ?? (init.status === undefined ? 'UNREACHABLE' : `HTTP_${init.status}`), exit, init.message, {
      ...options,
      details: {
        service: init.service,
        url: init.url,
        ...(init.status === undefined ? {} : {status: init.status}),
        ...(init.serverMessage ? {serverMessage: init.serverMessage} : {}),
        ...options.details,
      },
    });
    this.name = 'ServiceError';
    this.service = init.service;
    this.url = init.url;
    this.status = init.status;
    this.serverMessage = init.serverMessage;
  }

  get unreachable(): boolean {
    return this.status === undefined;
  }
}

/**
 * A service answered, but not the way its API does: an HTML page (a proxy or an SSO login page in
 * front of it), plain text, malformed JSON, or JSON of another shape. The dependency is not usable
 * as configured: exit 4, like an unreachable one, and never taken as data.
 */
export class BadAnswerError extends ServiceError {
  constructor(init: {service: string; url: string; status: number; message: string}, options: CdcErrorOptions = {}) {
    super({...init, code: 'BAD_RESPONSE', exitCode: ExitCode.unreachable}, options);
    this.name = 'BadAnswerError';
  }
}

export function isCdcError(err: unknown): err is CdcError {
  return err instanceof CdcError;
}
