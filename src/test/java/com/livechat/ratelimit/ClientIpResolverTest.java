package com.livechat.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which address a request is charged to: the peer's, or X-Forwarded-For's from a trusted proxy. */
class ClientIpResolverTest {

  private static String resolve(List<String> trusted, String peer, String... forwardedFor) {
    return new ClientIpResolver(trusted).resolve(peer, List.of(forwardedFor));
  }

  @Test
  void withoutTrustedProxiesThePeerIsTheClientWhateverTheHeaderSays() {
    assertThat(resolve(List.of(), "127.0.0.1", "203.0.113.7")).isEqualTo("127.0.0.1");
    assertThat(resolve(List.of(), "198.51.100.9")).isEqualTo("198.51.100.9");
  }

  @Test
  void aSpoofedHeaderFromAnUntrustedPeerIsIgnored() {
    assertThat(resolve(List.of("10.0.0.0/8"), "198.51.100.9", "10.0.0.1")).isEqualTo("198.51.100.9");
    assertThat(resolve(List.of("10.0.0.0/8"), "198.51.100.9", "203.0.113.7, 10.0.0.1")).isEqualTo("198.51.100.9");
  }

  @Test
  void aTrustedProxyNamesTheClient() {
    assertThat(resolve(List.of("127.0.0.1"), "127.0.0.1", "203.0.113.7")).isEqualTo("203.0.113.7");
    // a trusted proxy without the header: the proxy is all there is to go on
    assertThat(resolve(List.of("127.0.0.1"), "127.0.0.1")).isEqualTo("127.0.0.1");
  }

  @Test
  void theRightmostUntrustedEntryWinsSoAClientCannotPrependItsWay() {
    // the client sent "X-Forwarded-For: 1.1.1.1"; the load balancer appended the real peer
    assertThat(resolve(List.of("127.0.0.1"), "127.0.0.1", "1.1.1.1, 203.0.113.7")).isEqualTo("203.0.113.7");
  }

  @Test
  void aChainOfTrustedProxiesIsWalkedFromTheRight() {
    List<String> trusted = List.of("10.0.0.0/8", "192.168.1.0/24");
    assertThat(resolve(trusted, "192.168.1.20", "6.6.6.6, 203.0.113.7, 10.1.2.3, 10.200.0.1"))
        .isEqualTo("203.0.113.7");
    // several header lines are one list, in the order received
    assertThat(resolve(trusted, "192.168.1.20", "6.6.6.6, 203.0.113.7", "10.1.2.3", "10.200.0.1"))
        .isEqualTo("203.0.113.7");
    // every entry a trusted proxy: the leftmost is as far as the chain goes
    assertThat(resolve(trusted, "192.168.1.20", "10.9.9.9, 10.1.2.3")).isEqualTo("10.9.9.9");
  }

  @Test
  void cidrRangesMatchExactlyTheirPrefix() {
    List<String> trusted = List.of("172.16.0.0/12");
    assertThat(resolve(trusted, "172.31.255.255", "203.0.113.7")).isEqualTo("203.0.113.7");
    assertThat(resolve(trusted, "172.32.0.1", "203.0.113.7")).isEqualTo("172.32.0.1");
    assertThat(resolve(trusted, "172.15.255.255", "203.0.113.7")).isEqualTo("172.15.255.255");
    assertThat(resolve(List.of("0.0.0.0/0"), "8.8.8.8", "203.0.113.7")).isEqualTo("203.0.113.7");
  }

  @Test
  void ipv6PeersRangesAndEntries() {
    List<String> trusted = List.of("2001:db8::/32", "::1");
    assertThat(resolve(trusted, "0:0:0:0:0:0:0:1", "2a00:1450:4001::5")).isEqualTo("2a00:1450:4001::5");
    assertThat(resolve(trusted, "2001:db8:aa::1", "2a00:1450::1, 2001:db8:ffff::5")).isEqualTo("2a00:1450::1");
    assertThat(resolve(trusted, "2001:db9::1", "2a00:1450::1")).isEqualTo("2001:db9::1");
    // bracketed, with or without a port; an IPv4 client behind an IPv6 proxy
    assertThat(resolve(trusted, "::1", "[2a00:1450::1]:443")).isEqualTo("2a00:1450::1");
    assertThat(resolve(trusted, "::1", "[2a00:1450::1]")).isEqualTo("2a00:1450::1");
    assertThat(resolve(trusted, "::1", "203.0.113.7:51000")).isEqualTo("203.0.113.7");
    // one address, one spelling
    assertThat(resolve(List.of(), "2A00:1450:0:0:0:0:0:1")).isEqualTo("2a00:1450::1");
  }

  @Test
  void anIpv4MappedIpv6AddressIsItsIpv4Address() {
    assertThat(resolve(List.of("127.0.0.1"), "::ffff:127.0.0.1", "203.0.113.7")).isEqualTo("203.0.113.7");
    assertThat(resolve(List.of(), "::ffff:203.0.113.7")).isEqualTo("203.0.113.7");
  }

  @Test
  void aMalformedEntryStopsTheWalkAtTheLastGoodAddress() {
    List<String> trusted = List.of("10.0.0.0/8");
    // the rightmost entry is already bad: the peer
    assertThat(resolve(trusted, "10.0.0.1", "203.0.113.7, garbage")).isEqualTo("10.0.0.1");
    assertThat(resolve(trusted, "10.0.0.1", "203.0.113.7, ")).isEqualTo("10.0.0.1");
    assertThat(resolve(trusted, "10.0.0.1", "unknown")).isEqualTo("10.0.0.1");
    // a host name is not an address (and is never looked up)
    assertThat(resolve(trusted, "10.0.0.1", "localhost")).isEqualTo("10.0.0.1");
    // bad further left: the last trusted hop read
    assertThat(resolve(trusted, "10.0.0.1", "garbage, 10.0.0.5")).isEqualTo("10.0.0.5");
    assertThat(resolve(trusted, "10.0.0.1", "1.2.3.4:99999, 10.0.0.5")).isEqualTo("10.0.0.5");
    assertThat(resolve(trusted, "10.0.0.1", "[2a00::1, 10.0.0.5")).isEqualTo("10.0.0.5");
  }

  @Test
  void aPeerThatIsNoAddressIsUnknown() {
    assertThat(resolve(List.of(), null)).isEqualTo("unknown");
    assertThat(resolve(List.of(), "some-host")).isEqualTo("unknown");
  }

  @Test
  void ipv6ClientsShareABucketPerSlash64() {
    assertThat(ClientIpResolver.limitKey("203.0.113.7")).isEqualTo("203.0.113.7");
    assertThat(ClientIpResolver.limitKey("2a00:1450:4001:81a:1:2:3:4")).isEqualTo("2a00:1450:4001:81a::/64");
    assertThat(ClientIpResolver.limitKey("2a00:1450:4001:81a:ffff::9"))
        .isEqualTo(ClientIpResolver.limitKey("2a00:1450:4001:81a:1:2:3:4"));
    assertThat(ClientIpResolver.limitKey("2a00:1450:4001:81b::1"))
        .isNotEqualTo(ClientIpResolver.limitKey("2a00:1450:4001:81a::1"));
  }

  @Test
  void trustedProxyEntriesMustBeAddressesOrRanges() {
    assertThat(IpRange.parse("10.0.0.0/8").toString()).isEqualTo("10.0.0.0/8");
    assertThat(IpRange.parse(" 10.1.2.3/8 ").toString()).isEqualTo("10.0.0.0/8");
    assertThat(IpRange.parse("2001:db8::1/32").toString()).isEqualTo("2001:db8::/32");
    for (String bad : new String[] {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "example.com", "10.0.0",
        "", "10.0.0.0/8/8", "1.2.3.4:80"}) {
      assertThatThrownBy(() -> new ClientIpResolver(List.of(bad))).as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
