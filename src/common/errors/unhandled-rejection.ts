import { type LoggerService } from '@nestjs/common';

const MAX_MESSAGE_LENGTH = 2000;

/**
 * A promise rejection nobody handled is a bug to fix, not a reason to stop serving every tenant: Node 20
 * would exit the process. It is logged (the error's name, message and stack only: never the error object,
 * whose properties may hold request headers or tokens) and the process keeps running.
 */
export function unhandledRejectionHandler(logger: Pick<LoggerService, 'error'>): (reason: unknown) => void {
  return (reason) => {
    if (reason instanceof Error) {
      const message = `${reason.name}: ${reason.message}`.slice(0, MAX_MESSAGE_LENGTH);
      logger.error(`Unhandled promise rejection: ${message}`, reason.stack);
    } else {
      logger.error(`Unhandled promise rejection with a non-error value (${typeof reason})`);
    }
  };
}

/** Installs the handler for the whole process; returns a function that removes it. */
export function handleUnhandledRejections(logger: Pick<LoggerService, 'error'>): () => void {
  const handler = unhandledRejectionHandler(logger);
  process.on('unhandledRejection', handler);
  return () => process.off('unhandledRejection', handler);
}
