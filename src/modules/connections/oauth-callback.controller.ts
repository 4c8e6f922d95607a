import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { type Response } from 'express';
import { Public } from '#src/common/tenancy/decorators';
import { CALLBACK_ROUTE } from '#src/modules/connectors/connector-definition';
import { ConnectorRegistry } from '#src/modules/connectors/connector.registry';
import { type CallbackQuery, OAuthFlowService } from './oauth-flow.service';

const REASONS: Record<string, string> = {
  unknown_state: 'This authorization link is not valid. Start the connection again from the dashboard.',
  state_already_used:
    'This authorization link was already used. Start the connection again from the dashboard.',
  state_expired:
    'This authorization link expired (links are valid for 10 minutes). Start again from the dashboard.',
  missing_code:
    'The vendor did not return an authorization code. Start the connection again from the dashboard.',
  connection_not_found: 'The connection no longer exists.',
  wrong_integration:
    'This authorization link belongs to another integration. Check the redirect URI set on the app, then start again from the dashboard.',
};

/**
 * The connector's authorization server redirects the admin's browser here, one route for every connector
 * (`/api/integrations/:key/callback`). Public by necessity: the single-use state is the credential.
 */
@Public()
@Controller()
export class OAuthCallbackController {
  constructor(
    private readonly flow: OAuthFlowService,
    private readonly registry: ConnectorRegistry,
  ) {}

  @Get(CALLBACK_ROUTE)
  async callback(
    @Param('key') key: string,
    @Query() query: CallbackQuery,
    @Res() res: Response,
  ): Promise<void> {
    res.setHeader('cache-control', 'no-store');
    res.setHeader('referrer-policy', 'no-referrer');
    if (this.registry.find(key) === undefined) {
      res
        .status(404)
        .type('html')
        .send(page('Integration not found', 'No integration has this address.', 'unknown_integration'));
      return;
    }
    const outcome = await this.flow.complete(key, query);
    if (outcome.kind === 'redirect') {
      res.redirect(302, outcome.location);
      return;
    }
    const message = REASONS[outcome.reason] ?? 'The authorization could not be completed.';
    res
      .status(400)
      .type('html')
      .send(page('Connection not completed', message, outcome.reason));
  }
}

/** A fixed page: the reason is one of our codes, never request input. */
function page(title: string, message: string, reason: string): string {
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head>` +
    `<body><h1>${title}</h1><p>${message}</p><p>Reason: <code>${reason}</code></p></body></html>`
  );
}
