import { type Params, type PinoLogger } from 'nestjs-pino';
import { AppLogger, isWiringLine } from './app-logger';

describe('AppLogger (Nest wiring lines at debug)', () => {
  it.each<[unknown, unknown, boolean]>([
    ['AppModule dependencies initialized', 'InstanceLoader', true],
    ['HealthController {/health}:', 'RoutesResolver', true],
    ['Mapped {/health/live, GET} route', 'RouterExplorer', true],
    ['Mapped {/graphql, POST} route', 'GraphQLModule', true],
    ['Starting Nest application...', 'NestFactory', false],
    ['Nest application successfully started', 'NestApplication', false],
    ['GraphQL API at https://evidence.example.test/graphql', 'Main', false],
    ['some other GraphQL line', 'GraphQLModule', false],
    ['a line without context', undefined, false],
  ])('%s (%s) is wiring: %s', (message, context, wiring) => {
    expect(isWiringLine(message, context)).toBe(wiring);
  });

  it('logs wiring at debug and everything else at info, with the context', () => {
    const calls: [string, unknown][] = [];
    const pino = {
      info: (obj: unknown) => calls.push(['info', obj]),
      debug: (obj: unknown) => calls.push(['debug', obj]),
    } as unknown as PinoLogger;
    const params: Params = {};
    const logger = new AppLogger(pino, params);
    logger.log('AppModule dependencies initialized', 'InstanceLoader');
    logger.log('Nest application successfully started', 'NestApplication');
    expect(calls).toEqual([
      ['debug', { context: 'InstanceLoader' }],
      ['info', { context: 'NestApplication' }],
    ]);
  });
});
