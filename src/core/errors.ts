// The one small tree of errors core throws; commands turn `code` into an exit status.

/**
 * Stable error codes. Scripts branch on the exit code a command derives from these
 * (DESIGN.md, "The command line"), so never rename one.
 */
export type ErrorCode =
  | 'FAILED' // the operation ran and said no (a chain did not validate, a handshake failed)
  | 'USAGE' // the caller asked for something that cannot be asked for
  | 'BAD_PASSWORD' // wrong password or PIN
  | 'NOT_FOUND' // file, label or token not there
  | 'BAD_INPUT' // damaged, truncated or foreign input
  | 'CONFLICT'; // label exists, file locked, entry too large

export const EXIT_CODES: Readonly<Record<ErrorCode, number>> = {
  FAILED: 1,
  USAGE: 2,
  BAD_PASSWORD: 3,
  NOT_FOUND: 4,
  BAD_INPUT: 5,
  CONFLICT: 6,
};

export class KymanError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KymanError';
    this.code = code;
  }
}

export const failed = (message: string, cause?: unknown) => new KymanError('FAILED', message, { cause });
export const usage = (message: string, cause?: unknown) => new KymanError('USAGE', message, { cause });
export const badPassword = (message: string, cause?: unknown) => new KymanError('BAD_PASSWORD', message, { cause });
export const notFound = (message: string, cause?: unknown) => new KymanError('NOT_FOUND', message, { cause });
export const badInput = (message: string, cause?: unknown) => new KymanError('BAD_INPUT', message, { cause });
export const conflict = (message: string, cause?: unknown) => new KymanError('CONFLICT', message, { cause });
