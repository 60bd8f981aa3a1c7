package com.livechat.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Which addresses a tenant-chosen target may have, and the checks at save and at request time. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutboundTargetsTest {

  private Vertx vertx;

  @BeforeAll
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  void stop() {
    vertx.close().await();
  }

  private static InetAddress ip(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }

  @Test
  void everyPrivateLoopbackLinkLocalAndReservedRangeIsRefused() throws Exception {
    List<String> refused = List.of(
        "0.0.0.0", "0.1.2.3", // this network
        "127.0.0.1", "127.255.255.254", // loopback
        "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255", "192.168.0.1", "192.168.255.255", // RFC 1918
        "169.254.0.1", "169.254.169.254", // link-local, cloud metadata
        "100.64.0.1", "100.127.255.255", // CGNAT
        "192.0.0.8", "198.18.0.1", "198.19.255.255", // IETF, benchmarking
        "224.0.0.1", "239.255.255.255", "240.0.0.1", "255.255.255.255", // multicast, reserved, broadcast
        "::", "::1", // unspecified, loopback
        "fe80::1", "fec0::1", "fc00::1", "fd12:3456::1", "ff02::1", // link-local, site-local, ULA, multicast
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", // IPv4-mapped
        "::10.0.0.1", // IPv4-compatible
        "2002:0a00:0001::1", // 6to4 of 10.0.0.1
        "64:ff9b::c0a8:0001"); // NAT64 of 192.168.0.1
    for (String address : refused) {
      assertThat(OutboundTargets.isPublic(ip(address))).as(address).isFalse();
    }
  }

  @Test
  void publicAddressesAreAllowedAndTheRangesEdgesAreExact() throws Exception {
    List<String> allowed = List.of("8.8.8.8", "1.1.1.1", "9.255.255.255", "11.0.0.1", "100.63.255.255",
        "100.128.0.1", "169.253.255.255", "172.15.255.255", "172.32.0.1", "192.167.255.255", "192.169.0.1",
        "198.17.255.255", "198.20.0.1", "223.255.255.255", "2606:4700:4700::1111", "2001:4860:4860::8888",
        "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:0808:0808::1");
    for (String address : allowed) {
      assertThat(OutboundTargets.isPublic(ip(address))).as(address).isTrue();
    }
  }

  @Test
  void aUrlIsCheckedForSchemeAndLiteralAddressWhenSaved() {
    assertThat(OutboundTargets.problem("https://api.twilio.com", false)).isNull();
    assertThat(OutboundTargets.problem("https://carrier.example:8443/twilio", false)).isNull();
    assertThat(OutboundTargets.problem("http://api.twilio.com", false)).isEqualTo("not https");
    assertThat(OutboundTargets.problem("https://127.0.0.1", false)).contains("address");
    assertThat(OutboundTargets.problem("https://[::ffff:10.0.0.1]/x", false)).contains("address");
    assertThat(OutboundTargets.problem("https://localhost:8443", false)).contains("loopback");
    assertThat(OutboundTargets.problem("https://a.localhost", false)).contains("loopback");
    assertThat(OutboundTargets.problem("ftp://api.twilio.com", false)).isNotNull();
    assertThat(OutboundTargets.problem("https://user:pw@api.twilio.com", false)).isNotNull();
    assertThat(OutboundTargets.problem("not a url", false)).isNotNull();
    // the development setting lifts the scheme and address rules, not the shape
    assertThat(OutboundTargets.problem("http://127.0.0.1:8080", true)).isNull();
    assertThat(OutboundTargets.problem("ftp://127.0.0.1", true)).isNotNull();
  }

  /** A resolver of a few names, as DNS would answer them (no network in tests). */
  private static InetAddress[] dns(String host) throws java.net.UnknownHostException {
    return switch (host) {
      case "public.example" -> new InetAddress[] {InetAddress.getByName("93.184.216.34")};
      case "loopback.example" -> new InetAddress[] {InetAddress.getByName("127.0.0.1")};
      case "metadata.example" -> new InetAddress[] {InetAddress.getByName("169.254.169.254")};
      case "mapped.example" -> new InetAddress[] {InetAddress.getByName("::ffff:10.0.0.7")};
      // one public and one private address: refused (the request could go to either)
      case "both.example" -> new InetAddress[] {InetAddress.getByName("93.184.216.34"),
          InetAddress.getByName("192.168.1.1")};
      default -> throw new java.net.UnknownHostException(host);
    };
  }

  @Test
  void aNameIsJudgedByWhatItResolvesToAtRequestTime() {
    for (String host : List.of("loopback.example", "metadata.example", "mapped.example", "both.example")) {
      assertThatThrownBy(() -> OutboundTargets.resolve(vertx, "https://" + host + "/twilio", false,
          OutboundTargetsTest::dns).await()).as(host)
          .isInstanceOf(OutboundTargets.Refused.class).hasMessageContaining("not public");
    }
    assertThatThrownBy(() -> OutboundTargets.resolve(vertx, "https://nowhere.example/x", false,
        OutboundTargetsTest::dns).await())
        .isInstanceOf(java.net.UnknownHostException.class);
    SocketAddress named = OutboundTargets.resolve(vertx, "https://public.example:8443/x", false,
        OutboundTargetsTest::dns).await();
    assertThat(named.hostAddress()).isEqualTo("93.184.216.34");
    assertThat(named.port()).isEqualTo(8443);
    assertThatThrownBy(() -> OutboundTargets.resolve(vertx, "http://8.8.8.8/x", false).await())
        .isInstanceOf(OutboundTargets.Refused.class).hasMessageContaining("https");
    // allowed: the address to connect to is the one checked
    SocketAddress literal = OutboundTargets.resolve(vertx, "https://8.8.8.8/x", false).await();
    assertThat(literal.hostAddress()).isEqualTo("8.8.8.8");
    assertThat(literal.port()).isEqualTo(443);
    SocketAddress dev = OutboundTargets.resolve(vertx, "http://loopback.example:8080/x", true,
        OutboundTargetsTest::dns).await();
    assertThat(dev.port()).isEqualTo(8080);
    assertThat(dev.hostAddress()).isEqualTo("127.0.0.1");
  }
}
