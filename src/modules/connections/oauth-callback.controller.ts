import { Controller, Get, Query, Res } from '@nestjs/common';
import { type Response } from 'express';
import { Public } from '#src/common/tenancy/decorators';
import { OKTA_CALLBACK_PATH } from '#src/modules/connectors/okta/okta.definition';
import { type CallbackQuery, OAuthFlowService } from './oauth-flow.service';

const REASONS: Record<string, string> = {
  unknown_state: 'This authorization link is not valid. Start the connection again from the dashboard.',
  state_already_used:
    'This authorization link was already used. Start the connection again from the dashboard.',
  state_expired:
    'This authorization link expired (links are valid for 10 minutes). Start again from the dashboard.',
  missing_code: 'Okta did not return an authorization code. Start the connection again from the dashboard.',
  connection_not_found: 'The connection no longer exists.',
};

/** Okta redirects the admin's browser here. Public by necessity: the single-use state is the credential. */
@Public()
@Controller()
export class OAuthCallbackController {
  constructor(private readonly flow: OAuthFlowService) {}

  @Get(OKTA_CALLBACK_PATH)
  async callback(@Query() query: CallbackQuery, @Res() res: Response): Promise<void> {
    const outcome = await this.flow.complete(query);
    res.setHeader('cache-control', 'no-store');
    res.setHeader('referrer-policy', 'no-referrer');
    if (outcome.kind === 'redirect') {
      res.redirect(302, outcome.location);
      return;
    }
    const message = REASONS[outcome.reason] ?? 'The authorization could not be completed.';
    res
      .status(400)
      .type('html')
      .send(
        `<!doctype html><html><head><meta charset="utf-8"><title>Okta connection</title></head>` +
          `<body><h1>Okta connection not completed</h1><p>${message}</p><p>Reason: <code>${outcome.reason}</code></p></body></html>`,
      );
  }
}
