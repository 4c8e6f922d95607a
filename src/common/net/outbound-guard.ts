import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Addresses an outbound call to a customer-supplied host must never reach (SSRF). */
const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['2001:db8::', 32],
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv6');
}

export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped?.[1] !== undefined) return BLOCKED.check(mapped[1], 'ipv4');
    return BLOCKED.check(address, 'ipv6');
  }
  return true;
}

export class BlockedAddressError extends Error {
  constructor(hostname: string) {
    super(`Refusing to connect to ${hostname}: it resolves to a private, loopback or reserved address`);
    this.name = 'BlockedAddressError';
  }
}

/**
 * A `lookup` for sockets to customer-supplied hosts: resolves the name and refuses private, loopback,
 * link-local and reserved addresses. It runs at connect time for every connection, so the address that
 * is checked is the address that is dialled: DNS rebinding cannot slip an internal address in.
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const safe = allowPrivate ? addresses : addresses.filter((a) => !isBlockedAddress(a.address));
      if (safe.length === 0 || safe.length !== addresses.length) {
        return callback(Object.assign(new BlockedAddressError(hostname), { code: 'EBLOCKED' }), '', 0);
      }
      if (options.all === true)
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, safe);
      const first = safe[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}

/** Where a customer's vendor account is reached. */
export interface VendorOrigin {
  /** As stored and shown: `acme.example.com`, or `host:port` for an allow-listed insecure host. */
  readonly domain: string;
  /** `https://acme.example.com` (or `http://…` for an allow-listed host). */
  readonly baseUrl: string;
  /** Allow-listed hosts (tests, demo) may resolve to loopback or private addresses. */
  readonly allowPrivateAddresses: boolean;
}

/** A host name an admin typed is refused; `reason` completes "<field> …" and is safe to show. */
export class HostInputError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'HostInputError';
  }
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Validates a vendor host as typed by an admin: a bare public https host (`acme.example.com`, a custom
 * domain), optionally written as `https://host`. Everything else is refused with a reason (HostInputError),
 * except the allow-listed `allowedInsecureHosts` (tests, demo), which may use http and a port. `example`
 * shows the expected form in the reasons.
 */
export function parsePublicHost(
  input: string,
  allowedInsecureHosts: readonly string[],
  example: string,
): VendorOrigin {
  const raw = input.trim().toLowerCase();
  const fail = (reason: string): never => {
    throw new HostInputError(reason);
  };
  if (raw === '') fail(`is required, e.g. ${example}`);
  if (raw.length > 260) fail('is too long');

  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//.test(raw);
  const bare = hasScheme ? raw.replace(/^[a-z][a-z0-9+.-]*:\/\//, '') : raw;
  const hostPart = bare.replace(/\/+$/, '');
  if (allowedInsecureHosts.includes(hostPart) && (!hasScheme || /^https?:\/\//.test(raw))) {
    const scheme = raw.startsWith('https://') ? 'https' : 'http';
    return { domain: hostPart, baseUrl: `${scheme}://${hostPart}`, allowPrivateAddresses: true };
  }

  let url: URL;
  try {
    url = new URL(hasScheme ? raw : `https://${raw}`);
  } catch {
    return fail('is not a valid host name');
  }
  if (url.protocol !== 'https:') fail(`must use https (got ${url.protocol.replace(':', '')})`);
  if (url.username !== '' || url.password !== '' || bare.includes('@')) fail('must not contain user info');
  const authority = bare.split(/[/?#]/, 1)[0] ?? '';
  if (url.port !== '' || (!authority.startsWith('[') && /:\d*$/.test(authority)))
    fail('must not contain a port');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    fail(`must be a bare host without a path, query or fragment (e.g. ${example})`);
  }
  const host = url.hostname;
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0) fail('must be a host name, not an IP address');
  if (host === 'localhost' || host.endsWith('.localhost')) fail('must not be localhost');
  const labels = host.split('.');
  if (
    labels.length < 2 ||
    host.length > 253 ||
    !labels.every((l) => LABEL.test(l)) ||
    /^\d+$/.test(labels.at(-1) ?? '')
  ) {
    fail(`is not a valid public host name (e.g. ${example})`);
  }
  if (['internal', 'local', 'localdomain', 'home', 'lan', 'corp'].includes(labels.at(-1) ?? '')) {
    fail('must be a public host name');
  }
  return { domain: host, baseUrl: `https://${host}`, allowPrivateAddresses: false };
}
