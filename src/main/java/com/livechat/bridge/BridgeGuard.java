package com.livechat.bridge;

import com.livechat.bus.Addresses;
import com.livechat.config.AppConfig.BridgeKey;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.eventbus.bridge.tcp.BridgeEvent;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every frame a worker sends passes here before the bridge acts on it:
 * <ol>
 *   <li>its {@code headers.authorization} must be {@code "Bearer <key>"} of a key of {@code
 *       bridge.keys}; a frame without one, or with a wrong one, gets the err frame {@code
 *       unauthorized} and the connection is closed (on the first such frame, whatever came before);
 *   <li>the header is taken out of the frame, so the key goes no further than here;
 *   <li>the key must allow what the frame asks: {@code register}/{@code unregister} on an {@code
 *       ai.provider.<name>} address of its {@code serve} list, or on {@code bridge.events.<tenantId>}
 *       of one of its {@code tenants}; {@code send} to {@code ai.stream.<nodeId>} (a key that serves a
 *       provider), or as a reply to a message the worker got. Anything else,
 *       internal addresses first of all, gets the bridge's own {@code access_denied} err frame and
 *       does nothing.
 * </ol>
 */
final class BridgeGuard implements Handler<BridgeEvent> {

  private static final Logger LOG = LoggerFactory.getLogger(BridgeGuard.class);

  private static final String REPLY_PREFIX = "__vertx.reply.";
  private static final Pattern STREAM = Pattern.compile("ai\\.stream\\.[A-Za-z0-9_.:-]{1,128}");

  private final BridgeKeys keys;
  private final TenantEventsForWorkers events;
  /**
   * The open connections, by the key of their first frame (for the log line and the clean-up when
   * one closes); each frame is still checked against its own key.
   */
  private final Map<NetSocket, BridgeKey> connections = new ConcurrentHashMap<>();

  BridgeGuard(BridgeKeys keys, TenantEventsForWorkers events) {
    this.keys = keys;
    this.events = events;
  }

  @Override
  public void handle(BridgeEvent event) {
    switch (event.type()) {
      case SOCKET_PING, SEND, PUBLISH, REGISTER, UNREGISTER -> frame(event);
      case REGISTERED -> {
        String tenantId = Addresses.tenantOfBridgeEvents(event.getRawMessage().getString("address"));
        if (tenantId != null) {
          events.attach(tenantId, event.socket());
        }
        event.complete(true);
      }
      default -> event.complete(true);
    }
  }

  private void frame(BridgeEvent event) {
    JsonObject frame = event.getRawMessage();
    NetSocket socket = event.socket();
    JsonObject headers = frame.getValue("headers") instanceof JsonObject h ? h : null;
    Object authorization = headers == null ? null : headers.getValue("authorization");
    BridgeKey key = authorization instanceof String text ? keys.match(text) : null;
    if (key == null) {
      LOG.info("bridge connection from {} refused: {}", socket.remoteAddress(),
          authorization == null ? "a frame without a key" : "a wrong key");
      // The event is left open: completed, the bridge would send its own err frame too. The
      // connection, and the event with it, is gone once the close has flushed this one.
      socket.write(errFrame("unauthorized"));
      socket.close();
      return;
    }
    if (connections.putIfAbsent(socket, key) == null) {
      socket.closeHandler(v -> {
        connections.remove(socket);
        events.detachAll(socket);
        LOG.info("bridge connection from {} (key {} of bridge.keys) closed", socket.remoteAddress(),
            keys.indexOf(key));
      });
      LOG.info("bridge connection from {} with key {} of bridge.keys", socket.remoteAddress(), keys.indexOf(key));
    }
    // the frame is the bridge's own: changed in place (the key out), its body never copied
    headers.remove("authorization");
    if (headers.isEmpty()) {
      frame.remove("headers");
    }
    String address = frame.getString("address");
    if (event.type() != io.vertx.ext.bridge.BridgeEventType.SOCKET_PING && !allowed(event.type(), key, address)) {
      LOG.debug("bridge frame refused: {} {} (key {} of bridge.keys)", event.type(), address, keys.indexOf(key));
      // The bridge acts on this frame's type but on the address it read before asking us: the type
      // becomes the one whose permission the address never has (the contract's inbound and outbound
      // addresses do not overlap), so the bridge answers its own access_denied and does nothing.
      frame.put("type", BridgeVerticle.inboundPermitted(address) ? "register" : "send");
      frame.remove("replyAddress");
    } else if (event.type() == io.vertx.ext.bridge.BridgeEventType.UNREGISTER
        && Addresses.tenantOfBridgeEvents(address) != null) {
      events.detach(Addresses.tenantOfBridgeEvents(address), socket);
    }
    event.complete(true);
  }

  private static boolean allowed(io.vertx.ext.bridge.BridgeEventType type, BridgeKey key, String address) {
    if (address == null) {
      return true; // the bridge answers missing_address
    }
    switch (type) {
      case REGISTER, UNREGISTER -> {
        if (Addresses.AI_PROVIDER_ADDRESS.matcher(address).matches()) {
          return key.serve().contains(address);
        }
        String tenantId = Addresses.tenantOfBridgeEvents(address);
        // "*" in a key means every tenant; as an address it is nobody's
        return tenantId != null && !tenantId.equals("*")
            && (key.tenants().contains(tenantId) || key.tenants().contains("*"));
      }
      case SEND -> {
        // an answer to a request it got (the bridge knows which), or an inbound address of the
        // contract; a provider's stream only from a key that serves one
        return address.startsWith(REPLY_PREFIX) || BridgeVerticle.inboundPermitted(address)
            && (!STREAM.matcher(address).matches() || !key.serve().isEmpty());
      }
      default -> {
        return false; // nothing on the contract takes a worker's publish
      }
    }
  }

  /** The bridge's framing: a 4-byte big-endian length, then the JSON. */
  static Buffer errFrame(String message) {
    Buffer json = new JsonObject().put("type", "err").put("message", message).toBuffer();
    return Buffer.buffer(4 + json.length()).appendInt(json.length()).appendBuffer(json);
  }
}
