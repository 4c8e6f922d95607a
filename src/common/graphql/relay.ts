import { type Type } from '@nestjs/common';
import { ArgsType, Field, Int, ObjectType } from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { DomainError } from '#src/common/errors/domain.error';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Relay clients send `after: null` (and sometimes `first: null`) for the first page: the same as absent. */
function absentWhenNull({ value }: { value: unknown }): unknown {
  return value === null ? undefined : value;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, {
    nullable: true,
    description: `Page size, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})`,
  })
  @Transform(absentWhenNull)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  first?: number;

  @Field(() => String, { nullable: true, description: 'The `endCursor` of the previous page' })
  @Transform(absentWhenNull)
  @IsOptional()
  @IsString()
  @MaxLength(512)
  after?: string;
}

@ObjectType()
export class PageInfo {
  @Field() hasNextPage: boolean;
  @Field(() => String, { nullable: true }) endCursor: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
}

/** A Relay connection type for `node`: `{ edges { cursor node } pageInfo { hasNextPage endCursor } }`. */
export function ConnectionType<T>(node: Type<T>, name: string): Type<Connection<T>> {
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field() cursor: string;
    @Field(() => node) node: T;
  }

  @ObjectType(`${name}Connection`, { isAbstract: false })
  class ConnectionTypeImpl {
    @Field(() => [EdgeType], { complexity: 0 }) edges: EdgeType[];
    @Field(() => PageInfo) pageInfo: PageInfo;
  }
  return ConnectionTypeImpl;
}

/** Keyset cursors: opaque base64url JSON of the sort key of the last item of a page. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, shape: readonly ('string' | 'number')[]): (string | number)[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== shape.length) throw invalidCursor();
  parsed.forEach((value, i) => {
    if (typeof value !== shape[i]) throw invalidCursor();
  });
  return parsed as (string | number)[];
}

export function pageSize(first: number | undefined): number {
  return first ?? DEFAULT_PAGE_SIZE;
}

/**
 * Builds a connection from `limit + 1` fetched rows (the extra row only tells whether there is a next page).
 */
export function toConnection<T>(
  rows: readonly T[],
  limit: number,
  cursorOf: (row: T) => string,
): Connection<T> {
  const page = rows.slice(0, limit);
  const edges = page.map((node) => ({ cursor: cursorOf(node), node }));
  return { edges, pageInfo: { hasNextPage: rows.length > limit, endCursor: edges.at(-1)?.cursor ?? null } };
}

function invalidCursor(): DomainError {
  return new DomainError('BAD_USER_INPUT', 'Invalid pagination cursor', { field: 'after' });
}

/** One page of rows keyed by id, newest first: `fetch(limit + 1, beforeId)` → a Relay connection. */
export async function paginateById<T extends { id: string }>(
  args: PageArgs,
  fetch: (limit: number, beforeId: string | undefined) => Promise<T[]>,
): Promise<Connection<T>> {
  const limit = pageSize(args.first);
  const beforeId = args.after === undefined ? undefined : String(decodeCursor(args.after, ['string'])[0]);
  return toConnection(await fetch(limit + 1, beforeId), limit, (row) => encodeCursor([row.id]));
}
