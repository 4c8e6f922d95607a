import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { request } from './http-client';
import { BlockedAddressError, isBlockedAddress } from './outbound-guard';

describe('isBlockedAddress', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    'not-an-ip',
  ])('blocks %s', (address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '172.32.0.1', '104.16.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])(
    'allows %s',
    (address) => {
      expect(isBlockedAddress(address)).toBe(false);
    },
  );
});

describe('guarded outbound requests', () => {
  it('refuses to dial a name that resolves to loopback, and allows it only for allow-listed hosts', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const url = `http://localhost:${port}/`;
      await expect(
        request(url, { method: 'GET', timeoutMs: 2000, allowPrivateAddresses: false }),
      ).rejects.toBeInstanceOf(BlockedAddressError);
      const ok = await request(url, { method: 'GET', timeoutMs: 2000, allowPrivateAddresses: true });
      expect(ok).toMatchObject({ status: 200, body: 'ok' });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
