import express, { NextFunction, Request, Response } from 'express';
import { DomainError } from '@tributary/errors';
import { sendError } from './error-body';

/** JSON bodies, with body-parser's failures answered in the API's error format here (they happen before any route runs). */
export function jsonBody(limitBytes: number) {
  return bodyParser(express.json({ limit: limitBytes }), limitBytes);
}

/**
 * Webhook bodies stay raw bytes: a signature is computed over exactly what the source sent, and is
 * checked before the body is parsed.
 */
export function rawBody(limitBytes: number) {
  return bodyParser(express.raw({ limit: limitBytes, type: () => true }), limitBytes);
}

function bodyParser(parse: ReturnType<typeof express.json>, limitBytes: number) {
  return (req: Request, res: Response, next: NextFunction) =>
    parse(req, res, (err?: { type?: string; message?: string }) => {
      if (!err) return next();
      if (err.type === 'entity.too.large') {
        return sendError(res, new DomainError('too_large', 'payload_too_large', `the body is larger than the limit of ${limitBytes} bytes`, { limitBytes }));
      }
      if (err.type === 'entity.parse.failed') {
        return sendError(res, new DomainError('malformed', 'invalid_json', `the body is not valid JSON: ${err.message}`));
      }
      return sendError(res, new DomainError('malformed', 'unreadable_body', `the body could not be read: ${err.message ?? err.type}`));
    });
}
