package com.livechat.ratelimit;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.util.List;

/**
 * Which client a request comes from, for the per-IP rate limits.
 *
 * <p>The peer's address, unless the peer is one of the trusted proxies ({@code http.trustedProxies});
 * then {@code X-Forwarded-For} (all its header lines, in order) is walked from right to left, each
 * trusted proxy there is skipped too, and the first address that is not a trusted proxy is the
 * client. Entries left of it were written by the client itself and are never believed. A malformed
 * entry (not an IP literal; {@code ip:port} and {@code [ipv6]:port} are accepted) stops the walk:
 * the last address that was read is used (the peer's, when the rightmost entry is already bad).
 * When every entry is a trusted proxy, the leftmost one is used. A peer that is not a trusted proxy
 * is the client, whatever header it sends.
 */
public final class ClientIpResolver {

  public static final String X_FORWARDED_FOR = "X-Forwarded-For";

  /** Most X-Forwarded-For entries looked at; the walk stops there as at a malformed entry. */
  static final int MAX_HOPS = 32;

  private final IpRange[] trusted;

  /** @throws IllegalArgumentException when an entry is not an IP address or CIDR range */
  public ClientIpResolver(List<String> trustedProxies) {
    this.trusted = trustedProxies.stream().map(IpRange::parse).toArray(IpRange[]::new);
  }

  /** The key of the request's client in the per-IP buckets (see {@link #limitKey}). */
  public String clientKey(HttpServerRequest request) {
    SocketAddress peer = request.remoteAddress();
    String host = peer == null ? null : peer.hostAddress();
    List<String> forwarded = trusted.length == 0 ? List.of() : request.headers().getAll(X_FORWARDED_FOR);
    return limitKey(resolve(host, forwarded));
  }

  /**
   * The client's address in canonical form.
   *
   * @param peer the connection's remote address (null or not an IP literal → "unknown")
   * @param forwardedFor the X-Forwarded-For header lines, in the order received
   */
  public String resolve(String peer, List<String> forwardedFor) {
    byte[] peerAddress = IpRange.parseAddress(peer);
    if (peerAddress == null) {
      return "unknown";
    }
    byte[] client = peerAddress;
    if (isTrusted(peerAddress) && !forwardedFor.isEmpty()) {
      client = walk(peerAddress, forwardedFor);
    }
    return IpRange.format(client);
  }

  private byte[] walk(byte[] peer, List<String> lines) {
    byte[] last = peer;
    int hops = 0;
    for (int l = lines.size() - 1; l >= 0; l--) {
      String line = lines.get(l);
      int end = line.length();
      while (end >= 0) {
        int comma = line.lastIndexOf(',', end - 1);
        String entry = line.substring(comma + 1, end);
        byte[] address = parseEntry(entry);
        if (address == null || ++hops > MAX_HOPS) {
          return last;
        }
        last = address;
        if (!isTrusted(address)) {
          return address;
        }
        if (comma < 0) {
          break;
        }
        end = comma;
      }
    }
    return last;
  }

  /** An entry: {@code ip}, {@code ipv4:port}, {@code [ipv6]} or {@code [ipv6]:port}, spaces around. */
  static byte[] parseEntry(String raw) {
    String entry = raw.strip();
    if (entry.startsWith("[")) {
      int close = entry.indexOf(']');
      if (close < 0 || !(close == entry.length() - 1 || isPort(entry, close + 1))) {
        return null;
      }
      byte[] address = IpRange.parseAddress(entry.substring(1, close));
      return address != null && entry.substring(1, close).indexOf(':') >= 0 ? address : null;
    }
    int colon = entry.indexOf(':');
    if (colon > 0 && colon == entry.lastIndexOf(':')) {
      // IPv4 with a port
      return isPort(entry, colon) ? IpRange.parseAddress(entry.substring(0, colon)) : null;
    }
    return IpRange.parseAddress(entry);
  }

  private static boolean isPort(String entry, int colon) {
    int digits = entry.length() - colon - 1;
    if (entry.charAt(colon) != ':' || digits < 1 || digits > 5) {
      return false;
    }
    int port = 0;
    for (int i = colon + 1; i < entry.length(); i++) {
      char c = entry.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
      port = port * 10 + (c - '0');
    }
    return port <= 65535;
  }

  private boolean isTrusted(byte[] address) {
    for (IpRange range : trusted) {
      if (range.contains(address)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The bucket key of a client address: an IPv4 address as is, an IPv6 address by its /64 prefix
   * (one subscriber usually holds a whole /64 and could otherwise rotate through it for fresh
   * buckets).
   */
  public static String limitKey(String address) {
    byte[] bytes = IpRange.parseAddress(address);
    if (bytes == null || bytes.length == 4) {
      return address;
    }
    return IpRange.format(IpRange.mask(bytes, 64)) + "/64";
  }
}
