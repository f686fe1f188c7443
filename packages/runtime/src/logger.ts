// The one way kedge processes log: pino writing JSON lines (stdout unless told
// otherwise), secrets censored before they reach the output. Modules take a
// child logger, `log.child({ module })`, so every line names its source.
import { KedgeError } from '@kedge/api';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

/** Fields censored wherever they appear at these paths (pino redact syntax). */
const REDACTED_PATHS: readonly string[] = [
  'token',
  'authorization',
  'password',
  'secret',
  '*.token',
  '*.authorization',
  '*.password',
  '*.secret',
  'headers.authorization',
  'req.headers.authorization',
  '*.headers.authorization',
];

const REDACTED_CENSOR = '[redacted]';

export interface LoggerOptions {
  name: string;
  /** pino level name; defaults to $KEDGE_LOG_LEVEL, then 'info'. */
  level?: string;
  /** A writable stream or a file descriptor; defaults to stdout (fd 1). */
  destination?: NodeJS.WritableStream | number;
}

export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? process.env['KEDGE_LOG_LEVEL'] ?? 'info';
  if (level !== 'silent' && !(level in pino.levels.values)) {
    const known = [...Object.keys(pino.levels.values), 'silent'].join(', ');
    throw new KedgeError('KEDGE_CONFIG_INVALID', `log level: unknown level "${level}" (one of ${known})`, {
      fields: ['level'],
    });
  }
  const destination = resolveDestination(options.destination);
  return pino(
    {
      name: options.name,
      level,
      redact: { paths: [...REDACTED_PATHS], censor: REDACTED_CENSOR },
    },
    destination,
  );
}

function resolveDestination(d: NodeJS.WritableStream | number | undefined): DestinationStream {
  if (d === undefined) return pino.destination({ fd: 1, sync: true });
  if (typeof d === 'number') return pino.destination({ fd: d, sync: true });
  return d as DestinationStream;
}
