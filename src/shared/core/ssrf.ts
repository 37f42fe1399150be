/**
 * The SSRF guard for webhook targets. A webhook URL is chosen by an API client, so the
 * service must not be steered into calling its own network: loopback, private, link-local
 * (169.254.0.0/16 holds the cloud metadata service), multicast, unspecified and the other
 * special-purpose ranges are refused, as are IPv4-mapped IPv6 forms of them. Only globally
 * routable unicast addresses pass. The check runs at creation and again at every delivery
 * on freshly resolved addresses, and the caller then connects to the checked address
 * itself, so a DNS answer that changes between check and connect (rebinding) cannot slip in.
 * Link-local and cloud metadata addresses are refused under every policy, WEBHOOK_ALLOW_PRIVATE_TARGETS
 * included. Address classification uses ipaddr.js rather than hand-written CIDR tables.
 */
import ipaddr from 'ipaddr.js';
import { AppError, validationError } from './errors';

export interface SsrfPolicy {
  /** Refuse http:// (production). */
  requireHttps: boolean;
  /** Skip the address checks (WEBHOOK_ALLOW_PRIVATE_TARGETS; development and tests only). */
  allowPrivateTargets: boolean;
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (the DNS adapter implements it). */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface WebhookTarget {
  url: URL;
  /** The checked address to connect to. */
  address: string;
  family: 4 | 6;
}

export const MAX_WEBHOOK_URL_LENGTH = 2_048;

/**
 * Cloud metadata endpoints outside 169.254.0.0/16 (AWS IPv6 IMDS, Alibaba Cloud). With
 * link-local they are refused under every policy: WEBHOOK_ALLOW_PRIVATE_TARGETS opens loopback
 * and private ranges for development, never the instance's credentials.
 */
const METADATA_ADDRESSES = new Set(['fd00:ec2::254', '100.100.100.200']);

/** The address as ipaddr judges it: IPv4-mapped and IPv4-compatible IPv6 reduced to their IPv4. */
function canonical(address: string): ipaddr.IPv4 | ipaddr.IPv6 {
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6') {
    const v6 = ip as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) ip = v6.toIPv4Address();
    // IPv4-compatible addresses (::a.b.c.d, deprecated) are not classified by ipaddr.js ('unicast');
    // some stacks route them to the embedded IPv4 address, so they are judged as that address.
    else if (v6.range() === 'unicast' && v6.parts.slice(0, 6).every((p) => p === 0)) {
      const [hi = 0, lo = 0] = [v6.parts[6], v6.parts[7]];
      ip = new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
    }
  }
  return ip;
}

/** Why an address is refused under every policy (link-local, metadata), or undefined. */
export function alwaysRefusedReason(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return 'invalid';
  const ip = canonical(address);
  if (METADATA_ADDRESSES.has(ip.toNormalizedString()) || METADATA_ADDRESSES.has(ip.toString())) return 'cloud metadata';
  return ip.range() === 'linkLocal' ? 'linkLocal' : undefined;
}

/** Why an address is refused, or undefined when it is a public unicast address. */
export function refusedAddressReason(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return 'invalid';
  const always = alwaysRefusedReason(address);
  if (always) return always;
  const range = canonical(address).range();
  return range === 'unicast' ? undefined : range;
}

/** The host of a URL as an IP literal (brackets removed), or undefined when it is a name. */
export function ipLiteralOf(url: URL): string | undefined {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return ipaddr.isValid(host) && (host.includes(':') || ipaddr.IPv4.isValidFourPartDecimal(host)) ? host : undefined;
}

/** Names the field in refusals; the HTTP layer's convention is "body.url". */
export const SSRF_FIELD = 'body.url';

const refuse = (issue: string): AppError => validationError([{ field: SSRF_FIELD, issue }], 'The webhook URL is not allowed.');

/** Checks the URL's form (scheme, credentials, length) and returns it parsed. */
export function parseWebhookUrl(raw: string, policy: SsrfPolicy): URL {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) throw refuse(`must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refuse('must use https');
  if (policy.requireHttps && url.protocol !== 'https:') throw refuse('must use https');
  if (url.username || url.password) throw refuse('must not contain credentials');
  if (url.hash) throw refuse('must not contain a fragment');
  return url;
}

/**
 * Parses, resolves and checks a webhook URL; returns the address to connect to.
 * Throws VALIDATION_ERROR (field "url") when the target is refused or does not resolve.
 */
export async function resolveWebhookTarget(raw: string, policy: SsrfPolicy, resolve: HostResolver): Promise<WebhookTarget> {
  const url = parseWebhookUrl(raw, policy);
  const literal = ipLiteralOf(url);
  const addresses: ResolvedAddress[] = literal ? [{ address: literal, family: literal.includes(':') ? 6 : 4 }] : await resolve(url.hostname);
  if (addresses.length === 0) throw refuse('host does not resolve');
  // Every address must pass: a name with one public and one private address is refused,
  // since the connection could be steered to either.
  const judge = policy.allowPrivateTargets ? alwaysRefusedReason : refusedAddressReason;
  for (const a of addresses) {
    const reason = judge(a.address);
    if (reason) throw refuse(`resolves to a ${reason} address, which webhooks may not target`);
  }
  const [first] = addresses;
  if (!first) throw refuse('host does not resolve');
  return { url, address: first.address, family: first.family };
}
