/**
 * How every sign-in response is framed: form bodies parsed, security headers on every answer, and any error shown
 * as a page (never a stack trace; a server fault gets a correlation id that is also logged).
 */
import { randomUUID } from 'node:crypto';
import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { messagePage } from '../pages/index.ts';
import { setSecurityHeaders } from '../security-headers.ts';
import { PageError } from './page-error.ts';
import { sendPage } from './send-page.ts';

export async function registerPageHooks(app: FastifyInstance, log: Logger): Promise<void> {
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(formbody);

  app.addHook('onSend', async (_request, reply, payload) => {
    setSecurityHeaders(reply);
    return payload;
  });

  app.setErrorHandler(async (error: Error & { statusCode?: number }, request, reply) => {
    if (error instanceof PageError) {
      return sendPage(reply, error.status, messagePage({ title: error.title, alert: { message: error.message } }));
    }
    const status = error.statusCode ?? 500;
    if (status < 500) {
      // Body too large, unsupported media type, malformed body: a clear page, never a stack trace.
      const message =
        status === 413
          ? 'What you typed is too long. Go back and try again.'
          : 'The request could not be read. Go back and try again.';
      return sendPage(
        reply,
        status === 413 ? 413 : 400,
        messagePage({ title: 'Request not valid', alert: { message } }),
      );
    }
    const correlationId = randomUUID();
    log.error({ err: error, correlationId, url: request.url }, 'sign-in page failed');
    return sendPage(
      reply,
      500,
      messagePage({
        title: 'Something went wrong',
        alert: { message: 'Something went wrong on our side. Please try again.', correlationId },
      }),
    );
  });
}
