import { Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { IsMongoId } from 'class-validator';
import { ConnectionType } from '#src/common/graphql/relay';
import { RUN_STATUSES, type RunStatus } from './connector-run.schema';

export const RunStatusEnum = Object.fromEntries(RUN_STATUSES.map((s) => [s, s])) as { [K in RunStatus]: K };
registerEnumType(RunStatusEnum, { name: 'ConnectorRunStatus' });

@ObjectType('CollectorStats')
export class CollectorStatsModel {
  @Field({ description: 'Evidence type collected' }) collector: string;
  @Field() endpoint: string;
  @Field() filter: string;
  @Field(() => Int) pages: number;
  @Field(() => Int) items: number;
  @Field(() => Int) apiCalls: number;
  @Field(() => Int) rateLimitWaits: number;
  @Field(() => Int) rateLimitWaitMs: number;
  @Field(() => Int) retries: number;
  @Field(() => Int, { description: 'Evidence rows written' }) inserted: number;
  @Field(() => Int, { description: 'Evidence rows closed (changed or vanished)' }) closed: number;
  @Field(() => Int) unchanged: number;
  @Field(() => Int, {
    nullable: true,
    description: 'Changes reported to the change feed (null on runs recorded before the feed existed)',
  })
  changes: number | null;
  @Field(() => Int) durationMs: number;
  @Field() complete: boolean;
  @Field(() => String, { nullable: true }) error: string | null;
}

@ObjectType('RunError')
export class RunErrorModel {
  @Field() code: string;
  @Field() message: string;
}

@ObjectType('ConnectorRun')
export class ConnectorRunModel {
  @Field(() => ID) id: string;
  @Field(() => ID) connectionId: string;
  @Field() trigger: string;
  @Field(() => RunStatusEnum) status: RunStatus;
  @Field() startedAt: Date;
  @Field(() => Date, { nullable: true }) finishedAt: Date | null;
  @Field(() => [CollectorStatsModel], { description: 'Per collector; live while RUNNING' })
  stats: CollectorStatsModel[];
  @Field(() => [String]) grantedScopes: string[];
  @Field(() => RunErrorModel, { nullable: true }) error: RunErrorModel | null;
}

export const ConnectorRunConnection = ConnectionType(ConnectorRunModel, 'ConnectorRun');

@InputType()
export class SyncConnectionInput {
  @Field(() => ID) @IsMongoId({ message: 'connectionId must be a connection id' }) connectionId: string;
}
