package com.livechat.ratelimit;

import io.netty.util.NetUtil;

/**
 * One IP address or CIDR range ({@code 10.0.0.0/8}, {@code 2001:db8::/32}, {@code 127.0.0.1},
 * {@code ::1}), IPv4 or IPv6. Only literal addresses are accepted: a host name is refused, never
 * looked up. IPv4-mapped IPv6 addresses ({@code ::ffff:10.1.2.3}) count as their IPv4 address.
 */
public final class IpRange {

  private final byte[] network;
  private final int prefixBits;

  private IpRange(byte[] network, int prefixBits) {
    this.network = network;
    this.prefixBits = prefixBits;
  }

  /** @throws IllegalArgumentException naming the entry when it is neither an address nor a range */
  public static IpRange parse(String text) {
    String entry = text == null ? "" : text.strip();
    int slash = entry.indexOf('/');
    byte[] address = parseAddress(slash < 0 ? entry : entry.substring(0, slash));
    if (address == null) {
      throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR range");
    }
    int maxBits = address.length * 8;
    int bits = maxBits;
    if (slash >= 0) {
      String prefix = entry.substring(slash + 1);
      if (!prefix.matches("[0-9]{1,3}") || Integer.parseInt(prefix) > maxBits) {
        throw new IllegalArgumentException("'" + text + "' has a prefix length outside 0-" + maxBits);
      }
      bits = Integer.parseInt(prefix);
    }
    return new IpRange(mask(address, bits), bits);
  }

  /**
   * The bytes of a literal IPv4 (4 bytes) or IPv6 (16 bytes) address, IPv4-mapped IPv6 turned into
   * IPv4; null when {@code text} is not an address literal. Never does a DNS lookup.
   */
  public static byte[] parseAddress(String text) {
    if (text == null || text.isEmpty() || text.length() > 64) {
      return null;
    }
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(text);
    if (bytes == null) {
      return null;
    }
    if (bytes.length == 16 && isIpv4Mapped(bytes)) {
      byte[] v4 = new byte[4];
      System.arraycopy(bytes, 12, v4, 0, 4);
      return v4;
    }
    return bytes;
  }

  /** The canonical text of an address (RFC 5952 for IPv6), so one address always gives one key. */
  public static String format(byte[] address) {
    return NetUtil.bytesToIpAddress(address);
  }

  public boolean contains(byte[] address) {
    if (address.length != network.length) {
      return false;
    }
    int full = prefixBits / 8;
    for (int i = 0; i < full; i++) {
      if (address[i] != network[i]) {
        return false;
      }
    }
    int rest = prefixBits % 8;
    if (rest == 0) {
      return true;
    }
    int m = (0xff << (8 - rest)) & 0xff;
    return (address[full] & m) == (network[full] & m);
  }

  /** The address with every bit after the first {@code bits} cleared. */
  static byte[] mask(byte[] address, int bits) {
    byte[] masked = address.clone();
    for (int i = 0; i < masked.length; i++) {
      int keep = Math.max(0, Math.min(8, bits - i * 8));
      masked[i] = (byte) (masked[i] & ((0xff << (8 - keep)) & 0xff));
    }
    return masked;
  }

  private static boolean isIpv4Mapped(byte[] b) {
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
  }

  @Override
  public String toString() {
    return format(network) + "/" + prefixBits;
  }
}
