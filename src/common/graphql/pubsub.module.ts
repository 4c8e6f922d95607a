import { Global, Module } from '@nestjs/common';
import { PubSub } from 'graphql-subscriptions';
import { PUB_SUB } from './pubsub';

/** The subscription event bus, in-process (one instance per application). */
@Global()
@Module({
  providers: [{ provide: PUB_SUB, useFactory: () => new PubSub() }],
  exports: [PUB_SUB],
})
export class PubSubModule {}
