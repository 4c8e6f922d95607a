import { type ArgumentsHost, Catch, HttpException, Logger } from '@nestjs/common';
import { type GqlExceptionFilter } from '@nestjs/graphql';
import { type Request, type Response } from 'express';
import { GraphQLError } from 'graphql';
import { STATUS_CODES } from 'node:http';
import { GRAPHQL_PATH } from '#src/common/graphql/graphql-path';
import { DomainError, type ErrorCode } from './domain.error';

const HTTP_STATUS: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
  CONFLICT: 409,
  CONNECTOR_UNAVAILABLE: 503,
  SERVICE_BUSY: 503,
  INTERNAL_SERVER_ERROR: 500,
};

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
    case 422:
      return 'BAD_USER_INPUT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'CONFLICT';
    default:
      return status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_USER_INPUT';
  }
}

interface SafeError {
  code: ErrorCode;
  message: string;
  details?: Readonly<Record<string, unknown>>;
}

/**
 * The one place errors become responses. `DomainError`s map by code; Nest HTTP exceptions (validation)
 * become BAD_USER_INPUT with their messages; anything else is logged and becomes a generic
 * INTERNAL_SERVER_ERROR so no internal detail (or secret) reaches a client.
 */
@Catch()
export class DomainExceptionFilter implements GqlExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): unknown {
    if (host.getType<'graphql' | 'http'>() === 'graphql') {
      if (exception instanceof GraphQLError) return exception;
      const safe = this.toSafe(exception);
      return new GraphQLError(safe.message, { extensions: { code: safe.code, ...(safe.details ?? {}) } });
    }
    const response = host.switchToHttp().getResponse<Response>();
    const clientStatus = clientErrorStatus(exception);
    if (clientStatus !== undefined && host.switchToHttp().getRequest<Request>().path === GRAPHQL_PATH) {
      // A body the GraphQL endpoint could not read (malformed JSON, too large): a GraphQL-shaped 4xx.
      response.status(clientStatus).json({
        errors: [
          {
            message: BODY_ERRORS[clientStatus] ?? STATUS_CODES[clientStatus],
            extensions: { code: 'BAD_REQUEST' },
          },
        ],
      });
      return undefined;
    }
    if (clientStatus !== undefined && !(exception instanceof HttpException)) {
      // Errors of the body parser and other `http-errors` (413, 415, …), with their public message only.
      response.status(clientStatus).json({ statusCode: clientStatus, message: STATUS_CODES[clientStatus] });
      return undefined;
    }
    if (
      exception instanceof HttpException &&
      (exception.getStatus() < 500 || exception.getStatus() === 503)
    ) {
      // Client errors and health checks (503 names the dependency that is down) carry no secrets.
      response.status(exception.getStatus()).json(exception.getResponse());
      return undefined;
    }
    const safe = this.toSafe(exception);
    response
      .status(HTTP_STATUS[safe.code])
      .json({ code: safe.code, message: safe.message, ...(safe.details ?? {}) });
    return undefined;
  }

  private toSafe(exception: unknown): SafeError {
    if (exception instanceof DomainError) {
      if (exception.code === 'CONNECTOR_UNAVAILABLE' || exception.code === 'INTERNAL_SERVER_ERROR') {
        this.logger.warn(describe(exception));
      }
      return {
        code: exception.code,
        message: exception.message,
        ...(exception.details ? { details: exception.details } : {}),
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const messages =
        typeof body === 'object' && body !== null && 'message' in body ? body.message : undefined;
      if (status >= 500) this.logger.error(describe(exception));
      const list = Array.isArray(messages)
        ? messages.map(String)
        : [typeof messages === 'string' ? messages : exception.message];
      return {
        code: codeForStatus(status),
        message: list.join('; '),
        ...(Array.isArray(messages) ? { details: { validationErrors: list } } : {}),
      };
    }
    if (exception instanceof GraphQLError) {
      return { code: 'BAD_USER_INPUT', message: exception.message };
    }
    if (isQueryTimeout(exception)) {
      this.logger.warn(describe(exception));
      return {
        code: 'SERVICE_BUSY',
        message:
          'The query did not finish within its time limit; narrow it (a type, control or connection) or retry',
      };
    }
    this.logger.error(describe(exception));
    return { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' };
  }
}

const BODY_ERRORS: Readonly<Record<number, string>> = {
  400: 'Malformed request body: expected a JSON object',
  413: 'Request body too large',
  415: 'Unsupported request body encoding',
};

/** The 4xx status of a client error: a Nest HttpException, or an `http-errors` error (the body parser's). */
function clientErrorStatus(exception: unknown): number | undefined {
  const status =
    exception instanceof HttpException
      ? exception.getStatus()
      : typeof exception === 'object' && exception !== null && 'statusCode' in exception
        ? exception.statusCode
        : undefined;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

/** The database gave up on a query at its `maxTimeMS` (`DB_QUERY_TIMEOUT_MS`): the service is overloaded, not broken. */
function isQueryTimeout(error: unknown): boolean {
  return (
    error instanceof Error &&
    ((error as { code?: unknown }).code === 50 ||
      (error as { codeName?: unknown }).codeName === 'MaxTimeMSExpired')
  );
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return `Non-error thrown: ${typeof error}`;
  const cause = error.cause instanceof Error ? ` (cause: ${error.cause.name}: ${error.cause.message})` : '';
  return `${error.name}: ${error.message}${cause}\n${error.stack ?? ''}`;
}
