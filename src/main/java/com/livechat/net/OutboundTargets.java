package com.livechat.net;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Where the server may send a request a tenant chose the target of (a tenant's own carrier API
 * root; outbound webhooks): to the public internet only, over https. A URL is checked when it is
 * saved (syntax, scheme, a literal address) and again at every request, on the addresses its host
 * resolves to at that moment: every one must be public, and the request goes to the one checked
 * (so a name that resolves to a public address when saved and to a private one later, or to both
 * at once, is refused).
 *
 * <p>Not public: unspecified ({@code 0.0.0.0/8}, {@code ::}), loopback ({@code 127/8}, {@code ::1}),
 * RFC 1918 ({@code 10/8}, {@code 172.16/12}, {@code 192.168/16}), link-local ({@code 169.254/16},
 * the cloud metadata address {@code 169.254.169.254} among them; {@code fe80::/10}), CGNAT
 * ({@code 100.64/10}), IETF protocol assignments ({@code 192.0.0/24}), benchmarking
 * ({@code 198.18/15}), multicast, reserved ({@code 240/4}) and broadcast, IPv6 unique local
 * ({@code fc00::/7}) and site-local ({@code fec0::/10}); an IPv4-mapped ({@code ::ffff:a.b.c.d}),
 * IPv4-compatible, 6to4 ({@code 2002::/16}) or NAT64 ({@code 64:ff9b::/96}) address is judged by
 * the IPv4 address inside it.
 *
 * <p>{@code allowPrivate} (a development and test setting) lifts both the address rule and the
 * https rule.
 */
public final class OutboundTargets {

  /** A target refused: {@link #getMessage()} says why, for the tenant. */
  public static final class Refused extends RuntimeException {
    public Refused(String message) {
      super(message, null, false, false);
    }
  }

  private OutboundTargets() {}

  /**
   * The reason {@code url} cannot be a target, or null when it may be (its host's addresses are
   * checked again at each request): not an absolute http(s) URL with a host, not https, or a
   * literal address that is not public.
   */
  public static String problem(String url, boolean allowPrivate) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return "not a URL";
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null) {
      return "not an absolute http(s) URL with a host";
    }
    if (uri.getRawUserInfo() != null) {
      return "a URL with credentials in it";
    }
    if (allowPrivate) {
      return null;
    }
    if (!scheme.equals("https")) {
      return "not https";
    }
    InetAddress literal = literal(uri.getHost());
    if (literal != null && !isPublic(literal)) {
      return "a private, loopback, link-local or reserved address";
    }
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    if (host.equals("localhost") || host.endsWith(".localhost")) {
      return "a loopback name";
    }
    return null;
  }

  /**
   * Resolves {@code url}'s host (off the event loop) and checks every address it has now: the
   * address to connect to (the first), or a failed future with {@link Refused} (or with
   * {@link UnknownHostException} when the name does not resolve). With {@code allowPrivate}, any
   * address is accepted.
   */
  public static Future<SocketAddress> resolve(Vertx vertx, String url, boolean allowPrivate) {
    return resolve(vertx, url, allowPrivate, InetAddress::getAllByName);
  }

  /** A name's addresses (the system's resolver; tests give their own). */
  @FunctionalInterface
  interface Resolver {
    InetAddress[] addresses(String host) throws UnknownHostException;
  }

  static Future<SocketAddress> resolve(Vertx vertx, String url, boolean allowPrivate, Resolver resolver) {
    String problem = problem(url, allowPrivate);
    if (problem != null) {
      return Future.failedFuture(new Refused("The URL is not allowed: " + problem + "."));
    }
    URI uri = URI.create(url);
    String host = uri.getHost();
    int port = uri.getPort() != -1 ? uri.getPort() : uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    return vertx.executeBlocking(() -> {
      // a name that does not resolve (now) fails with UnknownHostException: nothing was sent
      InetAddress[] all = resolver.addresses(host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
      if (!allowPrivate) {
        for (InetAddress address : all) {
          if (!isPublic(address)) {
            throw new Refused("The URL's host " + host + " resolves to an address that is not public.");
          }
        }
      }
      return SocketAddress.inetSocketAddress(port, all[0].getHostAddress());
    }, false);
  }

  /** Whether a request may go to {@code address} (see the class comment). */
  public static boolean isPublic(InetAddress address) {
    if (address instanceof Inet4Address v4) {
      return isPublicV4(v4.getAddress());
    }
    if (address instanceof Inet6Address v6) {
      byte[] b = v6.getAddress();
      byte[] embedded = embeddedV4(b);
      if (embedded != null) {
        return isPublicV4(embedded);
      }
      if (v6.isAnyLocalAddress() || v6.isLoopbackAddress() || v6.isLinkLocalAddress() || v6.isSiteLocalAddress()
          || v6.isMulticastAddress()) {
        return false;
      }
      // fc00::/7 unique local
      return (b[0] & 0xfe) != 0xfc;
    }
    return false;
  }

  private static boolean isPublicV4(byte[] b) {
    int a0 = b[0] & 0xff;
    int a1 = b[1] & 0xff;
    int a2 = b[2] & 0xff;
    return !(a0 == 0 // this network, unspecified
        || a0 == 10
        || a0 == 127
        || a0 == 100 && a1 >= 64 && a1 <= 127 // CGNAT 100.64/10
        || a0 == 169 && a1 == 254 // link-local, cloud metadata
        || a0 == 172 && a1 >= 16 && a1 <= 31
        || a0 == 192 && a1 == 0 && a2 == 0 // IETF protocol assignments
        || a0 == 192 && a1 == 168
        || a0 == 198 && (a1 == 18 || a1 == 19) // benchmarking
        || a0 >= 224); // multicast, reserved, broadcast
  }

  /** The IPv4 address inside an IPv4-mapped, IPv4-compatible, 6to4 or NAT64 address, else null. */
  private static byte[] embeddedV4(byte[] b) {
    boolean zeros80 = true;
    for (int i = 0; i < 10; i++) {
      zeros80 &= b[i] == 0;
    }
    if (zeros80 && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
      return new byte[] {b[12], b[13], b[14], b[15]}; // ::ffff:a.b.c.d
    }
    if (zeros80 && b[10] == 0 && b[11] == 0) {
      // ::a.b.c.d (deprecated IPv4-compatible); :: and ::1 are handled as themselves
      boolean small = b[12] == 0 && b[13] == 0 && b[14] == 0 && (b[15] & 0xff) <= 1;
      return small ? null : new byte[] {b[12], b[13], b[14], b[15]};
    }
    if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x02) {
      return new byte[] {b[2], b[3], b[4], b[5]}; // 2002:a.b.c.d::/48, 6to4
    }
    if (b[0] == 0 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
      boolean nat64 = true;
      for (int i = 4; i < 12; i++) {
        nat64 &= b[i] == 0;
      }
      if (nat64) {
        return new byte[] {b[12], b[13], b[14], b[15]}; // 64:ff9b::a.b.c.d
      }
    }
    return null;
  }

  /** The address when {@code host} is a literal IPv4 or IPv6 address (no lookup), else null. */
  static InetAddress literal(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    boolean v4 = h.matches("[0-9.]+");
    boolean v6 = h.contains(":") && h.matches("[0-9a-fA-F:.%A-Za-z0-9]+");
    if (!v4 && !v6) {
      return null;
    }
    try {
      return InetAddress.getByName(h); // a literal: parsed, not looked up
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
