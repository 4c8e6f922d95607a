import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** One command a client sent, as read from the MongoDB wire protocol (OP_MSG). */
export interface WireCommand {
  /** The command name: `insert`, `update`, `find`, `hello`, … */
  readonly name: string;
  /** The collection, for commands whose first field names one. */
  readonly collection: string | undefined;
}

/** `forward`: pass it on; `drop`: never deliver it and close the client's connection. */
export type Verdict = 'forward' | 'drop';
export type Interceptor = (command: WireCommand) => Verdict | Promise<Verdict>;

const OP_MSG = 2013;
const WRITE_COMMANDS = new Set(['insert', 'update', 'delete', 'findAndModify']);

export function isWrite(command: WireCommand, collection: string): boolean {
  return WRITE_COMMANDS.has(command.name) && command.collection === collection;
}

/** The first element of the body section of an OP_MSG: its name, and its value when it is a string. */
export function parseCommand(message: Buffer): WireCommand | undefined {
  if (message.length < 21 || message.readInt32LE(12) !== OP_MSG) return undefined;
  let offset = 20; // header (16) + flagBits (4)
  while (offset < message.length) {
    const kind = message.readUInt8(offset);
    offset += 1;
    const size = message.readInt32LE(offset);
    if (kind === 0) {
      const type = message.readUInt8(offset + 4);
      const nameEnd = message.indexOf(0, offset + 5);
      if (nameEnd < 0) return undefined;
      const name = message.toString('utf8', offset + 5, nameEnd);
      let collection: string | undefined;
      if (type === 0x02) {
        const length = message.readInt32LE(nameEnd + 1);
        collection = message.toString('utf8', nameEnd + 5, nameEnd + 5 + length - 1);
      }
      return { name, collection };
    }
    offset += size; // a document sequence (kind 1): skip it
  }
  return undefined;
}

/**
 * A TCP proxy in front of a MongoDB wire-protocol server that reads every client message and asks an
 * interceptor whether to deliver it. It never changes a byte: it only lets a test act (kill, stop the
 * server) at an exact point of the application's conversation, e.g. "between the first and the second
 * write of a page". Replies flow back untouched. Connections are dropped when either side closes.
 */
export class MongoWireProxy {
  interceptor: Interceptor | undefined;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly upstreamPort: () => number,
  ) {}

  static async start(upstreamPort: () => number): Promise<MongoWireProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const proxy = new MongoWireProxy(server, port, upstreamPort);
    server.on('connection', (client) => proxy.accept(client));
    return proxy;
  }

  get url(): string {
    return `mongodb://127.0.0.1:${this.port}`;
  }

  /** Closes every proxied connection (both sides). */
  dropAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(client: Socket): void {
    const upstream = createConnection({ host: '127.0.0.1', port: this.upstreamPort() });
    this.sockets.add(client);
    this.sockets.add(upstream);
    const closeBoth = (): void => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
    upstream.on('data', (chunk: Buffer) => client.write(chunk));

    let buffered = Buffer.alloc(0);
    let chain: Promise<void> = Promise.resolve();
    client.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4) {
        const length = buffered.readInt32LE(0);
        if (buffered.length < length) break;
        const message = buffered.subarray(0, length);
        buffered = buffered.subarray(length);
        chain = chain.then(async () => {
          if (client.destroyed) return;
          const command = parseCommand(message);
          const verdict =
            command === undefined || this.interceptor === undefined
              ? 'forward'
              : await this.interceptor(command);
          if (verdict === 'drop') closeBoth();
          else upstream.write(message);
        });
      }
    });
  }
}
