export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __MONGOD__?: { stop(): Promise<boolean> } }).__MONGOD__;
  if (server !== undefined) await server.stop();
}
