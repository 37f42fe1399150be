/**
 * The context.log of every local invocation (HTTP, queue, timer): the Functions log levels mapped
 * onto the project logger, each line tagged with the function and invocation id, as the host does.
 */
import { format } from 'node:util';
import type { LogHandler } from '@azure/functions';
import type { Logger } from '../src/shared/logger';

const LOG_LEVEL_MAP: Record<string, 'debug' | 'info' | 'warn' | 'error'> = {
  trace: 'debug',
  debug: 'debug',
  information: 'info',
  warning: 'warn',
  error: 'error',
  critical: 'error',
};

export function invocationLogHandler(logger: Logger, functionName: string, invocationId: string): LogHandler {
  return (level, ...args) => logger[LOG_LEVEL_MAP[level] ?? 'info'](format(...args), { function: functionName, invocation_id: invocationId });
}
