package com.livechat.voice;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.TestServer;
import com.livechat.voice.sim.FakeCarrier;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;

/** A node for voice tests with a known carrier account, and the fake carrier that calls it. */
final class VoiceNode implements AutoCloseable {

  static final String TOKEN = "test-carrier-auth-token-0123456789";
  static final String ACCOUNT = "AC" + "0".repeat(32);

  final LiveChatServer server;
  final Api api;
  final Vertx client = Vertx.vertx();
  final FakeCarrier carrier;

  private VoiceNode(JsonObject config) {
    config.getJsonObject("voice").getJsonObject("twilio").put("authToken", TOKEN).put("accountSid", ACCOUNT);
    server = TestServer.start(config);
    api = new Api(server.port());
    carrier = carrier(TOKEN, ACCOUNT);
  }

  /** Starts a node with this test config (TestServer.config) and the carrier account of the tests. */
  static VoiceNode start(JsonObject config) {
    return new VoiceNode(config);
  }

  /** Another carrier (another account's token) calling the same node. */
  FakeCarrier carrier(String token, String accountSid) {
    return new FakeCarrier(client, "http://127.0.0.1:" + server.port(), publicBase(), token, accountSid);
  }

  /** The node's public URL: voice.publicUrl is not set, so it is its own address. */
  String publicBase() {
    return "http://localhost:" + server.port();
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    carrier.close();
    client.close();
    server.close();
  }
}
