package com.livechat.bridge;

import com.livechat.bus.Addresses;
import com.livechat.config.AppConfig;
import com.livechat.ops.StartupFailure;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.bridge.BridgeOptions;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.eventbus.bridge.tcp.TcpEventBusBridge;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP event-bus bridge of this node ({@code bridge.enabled}, off by default), on its own
 * interface and port ({@code bridge.host}, {@code bridge.port}), with TLS when {@code bridge.tls}
 * names a certificate. Workers in any language connect with the bridge's framing (a 4-byte length,
 * then JSON) and take roles of the contract (docs/EVENTBUS.md): serve an AI provider, hear a
 * tenant's events. The bridge's own permissions admit only the addresses the contract marks as
 * bridgeable; {@link BridgeGuard} checks each frame's key and what that key allows.
 */
public final class BridgeVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(BridgeVerticle.class);

  private final AppConfig.Bridge settings;
  private TcpEventBusBridge bridge;
  private int port;

  public BridgeVerticle(AppConfig.Bridge settings) {
    this.settings = settings;
  }

  /** What a worker may send to (IN) and register on (OUT): the contract's bridgeable addresses. */
  private static final List<Pattern> INBOUND = patterns(Addresses.Bridged.IN);
  private static final List<Pattern> OUTBOUND = patterns(Addresses.Bridged.OUT);

  /** The addresses of the contract marked {@code bridged}, a {@code <placeholder>} standing for any text. */
  private static List<Pattern> patterns(Addresses.Bridged bridged) {
    return Addresses.CONTRACTS.stream().filter(c -> c.bridged() == bridged).map(c -> {
      List<String> literal = List.of(c.address().split("<[^>]+>", -1));
      return Pattern.compile(String.join(".+", literal.stream().map(Pattern::quote).toList()));
    }).toList();
  }

  /** The bridge's permissions, from the contract (docs/EVENTBUS.md): inbound and outbound never overlap. */
  static BridgeOptions permissions() {
    BridgeOptions options = new BridgeOptions();
    INBOUND.forEach(p -> options.addInboundPermitted(new PermittedOptions().setAddressRegex(p.pattern())));
    OUTBOUND.forEach(p -> options.addOutboundPermitted(new PermittedOptions().setAddressRegex(p.pattern())));
    return options;
  }

  /** Whether {@link #permissions()} lets a worker send to the address. */
  static boolean inboundPermitted(String address) {
    return INBOUND.stream().anyMatch(p -> p.matcher(address).matches());
  }

  @Override
  public Future<?> start() {
    NetServerOptions options = new NetServerOptions().setHost(settings.host()).setPort(settings.port())
        .setTcpNoDelay(true);
    if (settings.tls()) {
      options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(settings.certPath())
          .setKeyPath(settings.keyPath()));
    }
    BridgeGuard guard = new BridgeGuard(new BridgeKeys(settings.keys()), new TenantEventsForWorkers(vertx));
    bridge = TcpEventBusBridge.create(vertx, permissions(), options, guard);
    return bridge.listen().onSuccess(b -> {
      port = settings.port();
      LOG.info("Event-bus bridge for workers on {}:{} ({}, {} keys)", settings.host(), settings.port(),
          settings.tls() ? "TLS" : "plain TCP: keep it on a private network", settings.keys().size());
    }).recover(err -> Future.failedFuture(new StartupFailure("the event-bus bridge cannot listen on "
        + settings.host() + ":" + settings.port() + " (bridge.host, bridge.port / LIVECHAT_BRIDGE_HOST, LIVECHAT_BRIDGE_PORT): "
        + StartupFailure.rootMessage(err), err)));
  }

  @Override
  public Future<?> stop() {
    return bridge == null ? Future.succeededFuture() : bridge.close();
  }
}
