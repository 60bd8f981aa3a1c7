package com.livechat.realtime;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import com.livechat.support.WsClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** GET /api/ws/tenant on one node: auth, events, ping, resume, expiry. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TenantSocketTest {

  private LiveChatServer server;
  private Api api;
  private int seq;
  private String jwt;
  private String userId;
  private String tenantId;
  private String widgetAuth;

  @BeforeAll
  void start() {
    JsonObject config = TestServer.config(TestDatabase.createDatabase());
    config.getJsonObject("realtime").put("authTimeoutMs", 500).put("pingIntervalMs", 200).put("idleTimeoutMs", 1500);
    server = TestServer.start(config);
    api = new Api(server.port());
  }

  @AfterAll
  void stop() {
    server.close();
  }

  @BeforeEach
  void tenant() {
    JsonObject signup = api.signup("ws" + (++seq) + "@example.com");
    jwt = signup.getString("token");
    userId = signup.getJsonObject("user").getString("id");
    tenantId = signup.getJsonObject("tenant").getString("id");
    widgetAuth = bearer(signup.getJsonObject("tenant").getString("widgetToken"));
  }

  private String chat(String session, String message, String conversationId) {
    Api.Response r = api.post("/api/widgets/" + tenantId + "/chat", new JsonObject().put("sessionId", session)
        .put("message", message).put("conversationId", conversationId), "Authorization", widgetAuth);
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json().getString("conversationId");
  }

  private static List<String> types(List<JsonObject> events) {
    return events.stream().map(e -> e.getString("type")).toList();
  }

  private static void assertConsecutiveIds(List<JsonObject> events, long first) {
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.get(i).getString("id")).isEqualTo(String.valueOf(first + i));
    }
  }

  @Test
  void withoutAnAuthMessageTheSocketIsClosedWith4401() {
    try (WsClient ws = WsClient.connect(server.port())) {
      assertThat(ws.awaitClose(5)).isEqualTo((short) 4401);
    }
  }

  @Test
  void aBadForeignOrMissingTokenIsClosedWith4401() {
    String foreign = JWTAuth.create(server.vertx(), new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions()
            .setAlgorithm("HS256").setBuffer("another-secret-another-secret-another!")))
        .generateToken(new JsonObject().put("sub", userId).put("tenantId", tenantId).put("role", "owner"),
            new JWTOptions().setExpiresInMinutes(5));
    for (String token : new String[] {"garbage", foreign, null}) {
      try (WsClient ws = WsClient.connect(server.port())) {
        ws.send(new JsonObject().put("type", "auth").put("token", token));
        assertThat(ws.awaitClose(5)).isEqualTo((short) 4401);
        assertThat(ws.received).isEmpty();
      }
    }
    try (WsClient ws = WsClient.connect(server.port())) {
      ws.sendText("hello");
      assertThat(ws.awaitClose(5)).isEqualTo((short) 4401);
    }
  }

  @Test
  void authOkThenTheEventsOfAWidgetChatInOrder() {
    try (WsClient ws = WsClient.authenticated(server.port(), jwt, null)) {
      String conversationId = chat("s1", "Hello", null);
      List<JsonObject> events = ws.take(3, 10);
      assertThat(types(events)).containsExactly("conversation:new", "message:new", "message:new");
      assertConsecutiveIds(events, 1);
      JsonObject conversation = events.get(0).getJsonObject("data");
      assertThat(conversation.getString("id")).isEqualTo(conversationId);
      assertThat(conversation.getString("channel")).isEqualTo("chat");
      assertThat(conversation.getJsonObject("contact_data")).isNotNull();
      JsonObject visitor = events.get(1).getJsonObject("data");
      assertThat(visitor.getString("role")).isEqualTo("visitor");
      assertThat(visitor.getString("content")).isEqualTo("Hello");
      assertThat(visitor.getString("conversationId")).isEqualTo(conversationId);
      assertThat(events.get(2).getJsonObject("data").getString("role")).isEqualTo("assistant");
      assertThat(ws.quietFor(200)).isEmpty();
    }
  }

  /**
   * An upgrade the router takes (here the path with a trailing slash, which only the router
   * matches) gets a vertx-web socket, whose frames go through the ordinary text write, not
   * straight to the channel: the same events arrive, in order.
   */
  @Test
  void aSocketUpgradedThroughTheRouterGetsTheSameEvents() {
    try (WsClient ws = WsClient.connect(server.port(), new WebSocketClientOptions(), "/api/ws/tenant/")) {
      ws.send(new JsonObject().put("type", "auth").put("token", jwt));
      assertThat(ws.next(10).getString("type")).isEqualTo("auth:ok");
      String conversationId = chat("s-router", "Hello there", null);
      List<JsonObject> events = ws.take(3, 10);
      assertThat(types(events)).containsExactly("conversation:new", "message:new", "message:new");
      assertThat(events.get(0).getJsonObject("data").getString("id")).isEqualTo(conversationId);
      assertThat(events.get(1).getJsonObject("data").getString("content")).isEqualTo("Hello there");
      assertThat(Long.parseLong(events.get(1).getString("id")))
          .isEqualTo(Long.parseLong(events.get(0).getString("id")) + 1);
    }
  }

  @Test
  void anotherTenantsSocketHearsNothing() {
    String otherJwt = api.signup("other-ws" + seq + "@example.com").getString("token");
    try (WsClient mine = WsClient.authenticated(server.port(), jwt, null);
        WsClient theirs = WsClient.authenticated(server.port(), otherJwt, null)) {
      chat("s1", "Hello", null);
      assertThat(mine.take(3, 10)).hasSize(3);
      assertThat(theirs.quietFor(500)).isEmpty();
    }
  }

  @Test
  void appLevelPingGetsPong() {
    try (WsClient ws = WsClient.authenticated(server.port(), jwt, null)) {
      ws.send(new JsonObject().put("type", "ping"));
      assertThat(ws.next(5)).isEqualTo(new JsonObject().put("type", "pong"));
    }
  }

  @Test
  void aResumedSocketReceivesExactlyTheMissedEventsThenLiveOnes() {
    String lastSeen;
    String conversationId;
    try (WsClient first = WsClient.authenticated(server.port(), jwt, null)) {
      conversationId = chat("s1", "Hello", null);
      List<JsonObject> events = first.take(3, 10);
      lastSeen = events.get(2).getString("id");
    }
    // while no socket is open: two more turns, six events
    chat("s1", "Hi there", conversationId);
    chat("s1", "Hey there", conversationId);
    try (WsClient resumed = WsClient.authenticated(server.port(), jwt, lastSeen)) {
      List<JsonObject> missed = resumed.take(4, 10);
      assertConsecutiveIds(missed, Long.parseLong(lastSeen) + 1);
      assertThat(missed.get(0).getJsonObject("data").getString("content")).isEqualTo("Hi there");
      assertThat(missed.get(2).getJsonObject("data").getString("content")).isEqualTo("Hey there");
      chat("s1", "Hello there", conversationId);
      List<JsonObject> live = resumed.take(2, 10);
      assertConsecutiveIds(live, Long.parseLong(lastSeen) + 5);
      assertThat(resumed.quietFor(200)).isEmpty();
    }
  }

  @Test
  void resumingFromZeroReplaysTheWholeLog() {
    chat("s1", "Hello", null);
    try (WsClient ws = WsClient.authenticated(server.port(), jwt, "0")) {
      assertConsecutiveIds(ws.take(3, 10), 1);
      assertThat(ws.quietFor(200)).isEmpty();
    }
  }

  @Test
  void aMalformedLastEventIdIsRefused() {
    try (WsClient ws = WsClient.connect(server.port())) {
      ws.send(new JsonObject().put("type", "auth").put("token", jwt).put("lastEventId", "abc"));
      assertThat(ws.awaitClose(5)).isEqualTo((short) 4400);
    }
  }

  @Test
  void theSocketIsClosedWhenItsTokenExpires() {
    String shortLived = JWTAuth.create(server.vertx(), new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions()
            .setAlgorithm("HS256").setBuffer("test-secret-of-at-least-32-characters!")))
        .generateToken(new JsonObject().put("sub", userId).put("tenantId", tenantId).put("role", "agent"),
            new JWTOptions().setExpiresInSeconds(2));
    try (WsClient ws = WsClient.authenticated(server.port(), shortLived, null)) {
      assertThat(ws.awaitClose(10)).isEqualTo((short) 4401);
      assertThat(ws.closeReason).contains("expired");
    }
  }

  @Test
  void aClientThatNeverAnswersPingsIsClosedAsIdle() throws Exception {
    // a raw socket: it authenticates, then never answers the server's pings (a Vert.x client would)
    try (var raw = new java.net.Socket("127.0.0.1", server.port())) {
      raw.setSoTimeout(10_000);
      var out = raw.getOutputStream();
      var in = new java.io.DataInputStream(raw.getInputStream());
      out.write(("GET /api/ws/tenant HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes());
      String headers = "";
      while (!headers.endsWith("\r\n\r\n")) {
        headers += (char) in.read();
      }
      assertThat(headers).startsWith("HTTP/1.1 101");
      byte[] auth = new JsonObject().put("type", "auth").put("token", jwt).encode().getBytes();
      out.write(maskedTextFrame(auth));
      out.flush();
      int closeCode = -1;
      List<Integer> opcodes = new java.util.ArrayList<>();
      while (closeCode < 0) {
        int opcode = in.readUnsignedByte() & 0x0F;
        int len = in.readUnsignedByte() & 0x7F;
        if (len == 126) {
          len = in.readUnsignedShort();
        }
        byte[] payload = in.readNBytes(len);
        opcodes.add(opcode);
        if (opcode == 0x8) {
          closeCode = ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        }
      }
      assertThat(opcodes).contains(0x1, 0x9); // auth:ok, then pings it ignored
      assertThat(closeCode).isEqualTo(1001);
    }
  }

  @Test
  void aRequestThatIsNotAWebSocketUpgradeGetsAJsonError() throws Exception {
    Api.Response plain = api.get("/api/ws/tenant");
    assertThat(plain.status()).isEqualTo(400);
    assertThat(plain.errorCode()).isEqualTo("websocket_upgrade_required");

    String noKey = rawRequest("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n");
    assertThat(noKey).startsWith("HTTP/1.1 400");
    assertThat(jsonBody(noKey).getJsonObject("error").getString("code")).isEqualTo("websocket_upgrade_required");

    String badVersion = rawRequest("Upgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 99\r\n");
    assertThat(badVersion).startsWith("HTTP/1.1 426").containsIgnoringCase("sec-websocket-version: 13");
    assertThat(jsonBody(badVersion).getJsonObject("error").getString("code")).isEqualTo("unsupported_websocket_version");
    assertThat(jsonBody(badVersion).getBoolean("success")).isFalse();
  }

  /** A GET /api/ws/tenant written by hand (java.net.http refuses to send Upgrade), answered then closed. */
  private String rawRequest(String headers) throws Exception {
    try (var raw = new java.net.Socket("127.0.0.1", server.port())) {
      raw.setSoTimeout(10_000);
      raw.getOutputStream().write(("GET /api/ws/tenant HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers
          + "Connection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      return new String(raw.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  private static JsonObject jsonBody(String httpAnswer) {
    return new JsonObject(httpAnswer.substring(httpAnswer.indexOf("\r\n\r\n") + 4));
  }

  private static byte[] maskedTextFrame(byte[] payload) {
    byte[] mask = {1, 2, 3, 4};
    var frame = new java.io.ByteArrayOutputStream();
    frame.write(0x81);
    if (payload.length < 126) {
      frame.write(0x80 | payload.length);
    } else {
      frame.write(0x80 | 126);
      frame.write(payload.length >> 8);
      frame.write(payload.length & 0xFF);
    }
    frame.writeBytes(mask);
    for (int i = 0; i < payload.length; i++) {
      frame.write(payload[i] ^ mask[i % 4]);
    }
    return frame.toByteArray();
  }

  @Test
  void anAgentReplyTakesOverAndTheWidgetThenGetsTheHandoffResponse() {
    String conversationId = chat("s1", "Hello", null);
    try (WsClient ws = WsClient.authenticated(server.port(), jwt, null)) {
      Api.Response reply = api.post("/api/conversations/" + conversationId + "/messages",
          new JsonObject().put("content", "Hi, this is Sam from support."), "Authorization", bearer(jwt));
      assertThat(reply.status()).as(reply.text()).isEqualTo(201);
      assertThat(reply.json().getJsonObject("message").getString("role")).isEqualTo("agent");
      List<JsonObject> events = ws.take(2, 10);
      assertThat(types(events)).containsExactly("message:new", "conversation:updated");
      assertThat(events.get(1).getJsonObject("data").getBoolean("aiEnabled")).isFalse();

      Api.Response widget = api.post("/api/widgets/" + tenantId + "/chat", new JsonObject().put("sessionId", "s1")
          .put("message", "Thanks Sam").put("conversationId", conversationId), "Authorization", widgetAuth);
      assertThat(widget.json().getValue("message")).isNull();
      assertThat(widget.json().getJsonObject("metadata").getBoolean("handoff")).isTrue();
      List<JsonObject> visitor = ws.take(1, 10);
      assertThat(visitor.get(0).getJsonObject("data").getString("role")).isEqualTo("visitor");
      assertThat(ws.quietFor(200)).isEmpty();

      // the AI is given back with PATCH: one conversation:updated, and a no-op PATCH raises none
      api.method("PATCH", "/api/conversations/" + conversationId, "{\"aiEnabled\": true}", "Authorization",
          bearer(jwt), "Content-Type", "application/json");
      assertThat(types(ws.take(1, 10))).containsExactly("conversation:updated");
      api.method("PATCH", "/api/conversations/" + conversationId, "{\"aiEnabled\": true}", "Authorization",
          bearer(jwt), "Content-Type", "application/json");
      assertThat(ws.quietFor(300)).isEmpty();
    }
  }
}
