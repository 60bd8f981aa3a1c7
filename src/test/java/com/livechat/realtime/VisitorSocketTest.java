package com.livechat.realtime;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import com.livechat.support.WsClient;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * GET /ws/chat on two clustered nodes: a visitor's socket hears its own session's messages and a
 * reduced view of its conversation, whichever node produced them, resumes without gaps or
 * duplicates, never sees another session's frames, and exchanges typing with the dashboards.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VisitorSocketTest {

  private final List<LiveChatServer> nodes = new ArrayList<>();

  @BeforeAll
  void startCluster() {
    for (JsonObject config : TestServer.clusterConfigs(TestDatabase.createDatabase(), 2)) {
      // pings every 300 ms: a visitor's credentials are looked at again at each one
      config.getJsonObject("realtime").put("authTimeoutMs", 1000).put("pingIntervalMs", 300);
      nodes.add(TestServer.start(config));
    }
  }

  @AfterAll
  void stopCluster() {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).close();
    }
  }

  private record Tenant(String id, String jwt, String widgetToken) {}

  private Tenant signup() {
    JsonObject s = api(0).signup("visitor-" + System.nanoTime() + "@example.com");
    return new Tenant(s.getJsonObject("tenant").getString("id"), s.getString("token"),
        s.getJsonObject("tenant").getString("widgetToken"));
  }

  private Api api(int node) {
    return new Api(nodes.get(node).port());
  }

  private int port(int node) {
    return nodes.get(node).port();
  }

  private String chat(int node, Tenant t, String session, String message, String conversationId) {
    Api.Response r = api(node).post("/api/widgets/" + t.id() + "/chat", new JsonObject().put("sessionId", session)
        .put("message", message).put("conversationId", conversationId), "Authorization", bearer(t.widgetToken()));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json().getString("conversationId");
  }

  private void agentReply(int node, Tenant t, String conversationId, String content) {
    Api.Response r = api(node).post("/api/conversations/" + conversationId + "/messages",
        new JsonObject().put("content", content), "Authorization", bearer(t.jwt()));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
  }

  private static List<String> types(List<JsonObject> frames) {
    return frames.stream().map(f -> f.getString("type")).toList();
  }

  @Test
  void anAgentReplySentOnNodeAReachesTheVisitorSocketOnNodeB() {
    Tenant t = signup();
    try (WsClient visitor = WsClient.visitor(port(1), t.id(), t.widgetToken(), "sess-a", null)) {
      String conversationId = chat(0, t, "sess-a", "Hello there", null);
      List<JsonObject> turn = visitor.take(2, 10);
      assertThat(types(turn)).containsExactly("message:new", "message:new");
      assertThat(turn.get(0).getJsonObject("data").getString("role")).isEqualTo("visitor");
      assertThat(turn.get(0).getJsonObject("data").getString("content")).isEqualTo("Hello there");
      assertThat(turn.get(1).getJsonObject("data").getString("role")).isEqualTo("assistant");

      agentReply(0, t, conversationId, "Hi, Sam here.");
      List<JsonObject> reply = visitor.take(2, 10);
      assertThat(types(reply)).containsExactly("message:new", "conversation:updated");
      assertThat(reply.get(0).getJsonObject("data").getString("role")).isEqualTo("agent");
      assertThat(reply.get(0).getJsonObject("data").getString("content")).isEqualTo("Hi, Sam here.");
      // a visitor sees only what a visitor may: no contact data, no assignee
      JsonObject updated = reply.get(1).getJsonObject("data");
      assertThat(updated.fieldNames()).containsExactlyInAnyOrder("id", "status", "aiEnabled", "channel");
      assertThat(updated.getString("id")).isEqualTo(conversationId);
      assertThat(updated.getBoolean("aiEnabled")).isFalse();
      assertThat(visitor.quietFor(300)).isEmpty();
    }
  }

  @Test
  void theSameEventsCarryTheSameIdsAsOnTheTenantSocket() {
    Tenant t = signup();
    try (WsClient dashboard = WsClient.authenticated(port(0), t.jwt(), null);
        WsClient visitor = WsClient.visitor(port(1), t.id(), t.widgetToken(), "sess-ids", null)) {
      chat(1, t, "sess-ids", "Hi", null);
      List<JsonObject> all = dashboard.take(3, 10);
      assertThat(types(all)).containsExactly("conversation:new", "message:new", "message:new");
      List<JsonObject> own = visitor.take(2, 10);
      assertThat(own.get(0).getString("id")).isEqualTo(all.get(1).getString("id"));
      assertThat(own.get(1).getString("id")).isEqualTo(all.get(2).getString("id"));
      assertThat(own.get(1).getJsonObject("data")).isEqualTo(all.get(2).getJsonObject("data"));
    }
  }

  @Test
  void twoSessionsOfOneTenantOnTwoNodesNeverSeeEachOthersFrames() {
    Tenant t = signup();
    Tenant other = signup();
    try (WsClient first = WsClient.visitor(port(0), t.id(), t.widgetToken(), "sess-1", null);
        WsClient second = WsClient.visitor(port(1), t.id(), t.widgetToken(), "sess-2", null);
        // the same session id in another tenant is another session
        WsClient foreign = WsClient.visitor(port(1), other.id(), other.widgetToken(), "sess-1", null)) {
      String c1 = chat(1, t, "sess-1", "First visitor here", null);
      String c2 = chat(0, t, "sess-2", "Second visitor here", null);
      chat(1, t, "sess-1", "Again", c1);
      agentReply(1, t, c2, "Hello second");

      List<JsonObject> own1 = new ArrayList<>(first.take(3, 10));
      List<JsonObject> own2 = new ArrayList<>(second.take(4, 10));
      own1.addAll(first.quietFor(500));
      own2.addAll(second.quietFor(0));
      assertThat(contents(own1)).contains("First visitor here", "Again").doesNotContain("Second visitor here",
          "Hello second");
      assertThat(contents(own2)).contains("Second visitor here", "Hello second").doesNotContain("First visitor here",
          "Again");
      assertThat(own1).allSatisfy(f -> assertThat(conversationOf(f)).isEqualTo(c1));
      assertThat(own2).allSatisfy(f -> assertThat(conversationOf(f)).isEqualTo(c2));
      assertThat(foreign.quietFor(0)).isEmpty();
      // the assistant's reply as it was written went only to its own session too
      assertThat(first.ephemeral).isNotEmpty().allSatisfy(f -> assertThat(conversationOf(f)).isEqualTo(c1));
      assertThat(second.ephemeral).isNotEmpty().allSatisfy(f -> assertThat(conversationOf(f)).isEqualTo(c2));
      assertThat(foreign.ephemeral).isEmpty();
    }
  }

  private static String conversationOf(JsonObject frame) {
    JsonObject data = frame.getJsonObject("data");
    return frame.getString("type").startsWith("conversation:") ? data.getString("id") : data.getString("conversationId");
  }

  private static List<String> contents(List<JsonObject> frames) {
    return frames.stream().filter(f -> f.getString("type").equals("message:new"))
        .map(f -> f.getJsonObject("data").getString("content")).toList();
  }

  @Test
  void resumeAfterADroppedVisitorSocketReplaysExactlyTheMissedEvents() {
    Tenant t = signup();
    String lastSeen;
    String conversationId;
    try (WsClient visitor = WsClient.visitor(port(0), t.id(), t.widgetToken(), "sess-r", null)) {
      conversationId = chat(0, t, "sess-r", "Hi", null);
      List<JsonObject> seen = new ArrayList<>(visitor.take(2, 10));
      seen.addAll(visitor.quietFor(500));
      lastSeen = seen.get(seen.size() - 1).getString("id");
    }
    // while the visitor is away: its own events and another session's, seen whole by a dashboard
    try (WsClient dashboard = WsClient.authenticated(port(1), t.jwt(), lastSeen)) {
      chat(1, t, "sess-r", "Are you there?", conversationId);
      chat(0, t, "sess-other", "Someone else", null);
      agentReply(1, t, conversationId, "Yes, here.");
      // the agent gives it back to the AI: a conversation:updated whatever came before
      Api.Response givenBack = api(0).method("PATCH", "/api/conversations/" + conversationId,
          new JsonObject().put("aiEnabled", true).encode(), "Authorization", bearer(t.jwt()),
          "Content-Type", "application/json");
      assertThat(givenBack.status()).as(givenBack.text()).isEqualTo(200);
      List<JsonObject> all = new ArrayList<>(dashboard.take(6, 10));
      all.addAll(dashboard.quietFor(500));
      List<JsonObject> missed = all.stream()
          .filter(f -> conversationOf(f).equals(conversationId))
          .filter(f -> f.getString("type").equals("message:new") || f.getString("type").equals("conversation:updated"))
          .toList();
      assertThat(contents(missed)).contains("Are you there?", "Yes, here.");
      assertThat(contents(all)).contains("Someone else");

      try (WsClient back = WsClient.visitor(port(1), t.id(), t.widgetToken(), "sess-r", lastSeen)) {
        List<JsonObject> replayed = new ArrayList<>(back.take(missed.size(), 10));
        assertThat(back.quietFor(300)).isEmpty();
        assertThat(replayed.stream().map(f -> f.getString("id")).toList())
            .isEqualTo(missed.stream().map(f -> f.getString("id")).toList());
        assertThat(replayed.get(replayed.size() - 1).getString("type")).isEqualTo("conversation:updated");
        assertThat(replayed.get(replayed.size() - 1).getJsonObject("data").fieldNames())
            .containsExactlyInAnyOrder("id", "status", "aiEnabled", "channel");
        // then live, without a duplicate: the agent's reply takes the conversation over again
        agentReply(0, t, conversationId, "Anything else?");
        List<JsonObject> live = back.take(2, 10);
        assertThat(types(live)).containsExactly("message:new", "conversation:updated");
        assertThat(live.get(0).getJsonObject("data").getString("content")).isEqualTo("Anything else?");
        assertThat(Long.parseLong(live.get(0).getString("id")))
            .isGreaterThan(Long.parseLong(replayed.get(replayed.size() - 1).getString("id")));
        assertThat(back.quietFor(300)).isEmpty();
      }
    }
  }

  @Test
  void aVisitorPingGetsAPongAndUnknownMessagesAreIgnored() {
    Tenant t = signup();
    try (WsClient visitor = WsClient.visitor(port(0), t.id(), t.widgetToken(), "sess-ping", null)) {
      visitor.send(new JsonObject().put("type", "something-new"));
      visitor.send(new JsonObject().put("type", "ping"));
      assertThat(visitor.next(5)).isEqualTo(new JsonObject().put("type", "pong"));
      assertThat(visitor.isClosed()).isFalse();
    }
  }

  @Test
  void theAuthMessageIsChecked() {
    Tenant t = signup();
    assertThat(refusal(t.id(), "wt_wrong", "sess")).isEqualTo((short) 4401);
    assertThat(refusal("tnt-unknown", t.widgetToken(), "sess")).isEqualTo((short) 4401);
    assertThat(refusal(t.id(), t.widgetToken(), "not a session!")).isEqualTo((short) 4400);
    // a dashboard token is not a widget token
    assertThat(refusal(t.id(), t.jwt(), "sess")).isEqualTo((short) 4401);
    try (WsClient late = WsClient.connect(port(0), new WebSocketClientOptions(), "/ws/chat")) {
      assertThat(late.awaitClose(5)).isEqualTo((short) 4401);
      assertThat(late.closeReason).isEqualTo("auth timeout");
    }
  }

  private short refusal(String widgetId, String token, String sessionId) {
    try (WsClient ws = WsClient.connect(port(0), new WebSocketClientOptions(), "/ws/chat")) {
      ws.send(new JsonObject().put("type", "auth").put("widgetId", widgetId).put("token", token)
          .put("sessionId", sessionId));
      return ws.awaitClose(5);
    }
  }

  @Test
  void theWidgetsAllowedOriginsApplyToTheUpgrade() {
    Tenant t = signup();
    JsonObject config = api(0).get("/api/tenant", "Authorization", bearer(t.jwt())).json()
        .getJsonObject("tenant").getJsonObject("config");
    Api.Response put = api(0).method("PUT", "/api/tenant/config",
        config.copy().put("allowedOrigins", new JsonArray().add("https://shop.example")).encode(),
        "Authorization", bearer(t.jwt()), "Content-Type", "application/json");
    assertThat(put.status()).as(put.text()).isEqualTo(200);

    // named in the upgrade: refused before the handshake, with the JSON error
    WebSocketConnectOptions named = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port(0))
        .setURI("/ws/chat?widgetId=" + t.id()).addHeader("Origin", "https://evil.example");
    assertThatThrownBy(() -> WsClient.connect(named, new WebSocketClientOptions()))
        .isInstanceOfSatisfying(UpgradeRejectedException.class, e -> {
          assertThat(e.getStatus()).isEqualTo(403);
          assertThat(new JsonObject(e.getBody()).getJsonObject("error").getString("code"))
              .isEqualTo("origin_not_allowed");
        });
    // not named: the auth message is refused
    WebSocketConnectOptions unnamed = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port(1))
        .setURI("/ws/chat").addHeader("Origin", "https://evil.example");
    try (WsClient ws = WsClient.connect(unnamed, new WebSocketClientOptions())) {
      ws.send(new JsonObject().put("type", "auth").put("widgetId", t.id()).put("token", t.widgetToken())
          .put("sessionId", "sess"));
      assertThat(ws.awaitClose(5)).isEqualTo((short) 4403);
    }
    // the allowed origin gets in
    WebSocketConnectOptions allowed = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port(1))
        .setURI("/ws/chat?widgetId=" + t.id()).addHeader("Origin", "https://shop.example");
    try (WsClient ws = WsClient.connect(allowed, new WebSocketClientOptions())) {
      ws.send(new JsonObject().put("type", "auth").put("widgetId", t.id()).put("token", t.widgetToken())
          .put("sessionId", "sess"));
      assertThat(ws.next(10).getString("type")).isEqualTo("auth:ok");
    }
  }

  @Test
  void aSocketWhoseWidgetTokenWasRotatedAwayIsClosed() {
    Tenant t = signup();
    try (WsClient kept = WsClient.visitor(port(0), t.id(), t.widgetToken(), "sess-rot", null)) {
      // rotated with a grace period: the old token, and the socket, still hold
      Api.Response graced = api(1).post("/api/tenant/widget-token/rotate", new JsonObject().put("graceSeconds", 3600),
          "Authorization", bearer(t.jwt()));
      assertThat(graced.status()).as(graced.text()).isEqualTo(200);
      String second = graced.json().getString("widgetToken");
      sleepMs(1000);
      assertThat(kept.isClosed()).isFalse();
      try (WsClient onSecond = WsClient.visitor(port(1), t.id(), second, "sess-rot", null)) {
        // rotated again without grace: every socket of the tokens that went is closed within a ping or two
        Api.Response now = api(1).post("/api/tenant/widget-token/rotate", new JsonObject().put("graceSeconds", 0),
            "Authorization", bearer(t.jwt()));
        assertThat(now.status()).as(now.text()).isEqualTo(200);
        assertThat(onSecond.awaitClose(5)).isEqualTo((short) 4401);
        assertThat(onSecond.closeReason).isEqualTo("token expired");
        assertThat(kept.awaitClose(5)).isEqualTo((short) 4401);
        try (WsClient fresh = WsClient.visitor(port(0), t.id(), now.json().getString("widgetToken"), "sess-rot", null)) {
          sleepMs(700);
          assertThat(fresh.isClosed()).isFalse();
        }
      }
    }
  }

  @Test
  void typingGoesToTheOtherSideOnlyAndIsThrottledToOneASecond() {
    Tenant t = signup();
    Tenant other = signup();
    String mine = chat(0, t, "sess-t", "Hi", null);
    String theirs = chat(0, t, "sess-u", "Hi", null);
    try (WsClient dashboard = WsClient.authenticated(port(0), t.jwt(), null);
        WsClient otherDashboard = WsClient.authenticated(port(1), other.jwt(), null);
        WsClient visitor = WsClient.visitor(port(1), t.id(), t.widgetToken(), "sess-t", null);
        WsClient otherVisitor = WsClient.visitor(port(0), t.id(), t.widgetToken(), "sess-u", null)) {
      // the visitor types, five times in a row: the dashboard sees it once
      for (int i = 0; i < 5; i++) {
        visitor.send(new JsonObject().put("type", "typing").put("conversationId", mine));
      }
      JsonObject typing = dashboard.nextEphemeral(10);
      assertThat(typing).isEqualTo(new JsonObject().put("type", "typing")
          .put("data", new JsonObject().put("conversationId", mine).put("role", "visitor")));
      assertThat(dashboard.nextEphemeral(0)).isNull();
      // a visitor cannot type into another session's conversation
      visitor.send(new JsonObject().put("type", "typing").put("conversationId", theirs));

      // an agent types: only that conversation's visitor sees it
      for (int i = 0; i < 5; i++) {
        dashboard.send(new JsonObject().put("type", "typing").put("conversationId", mine));
      }
      JsonObject agentTyping = visitor.nextEphemeral(10);
      assertThat(agentTyping).isEqualTo(new JsonObject().put("type", "typing")
          .put("data", new JsonObject().put("conversationId", mine).put("role", "agent")));
      // another tenant's agent naming this conversation reaches nobody
      otherDashboard.send(new JsonObject().put("type", "typing").put("conversationId", mine));
      sleepMs(700);
      assertThat(visitor.ephemeral).isEmpty();
      assertThat(otherVisitor.ephemeral).isEmpty();
      assertThat(dashboard.ephemeral).isEmpty();
      assertThat(otherDashboard.ephemeral).isEmpty();

      // a second later the visitor's typing goes through again
      sleepMs(400);
      visitor.send(new JsonObject().put("type", "typing").put("conversationId", mine));
      assertThat(dashboard.nextEphemeral(10).getJsonObject("data").getString("role")).isEqualTo("visitor");
    }
  }

  @Test
  void theAssistantsReplyArrivesAsItIsWrittenThenAsTheDurableMessage() {
    Tenant t = signup();
    try (WsClient dashboard = WsClient.authenticated(port(0), t.jwt(), null);
        WsClient visitor = WsClient.visitor(port(1), t.id(), t.widgetToken(), "sess-d", null)) {
      String conversationId = chat(0, t, "sess-d", "Hello, what can you do?", null);
      String stored = visitor.take(2, 10).get(1).getJsonObject("data").getString("content");
      for (WsClient socket : List.of(visitor, dashboard)) {
        JsonObject typing = socket.nextEphemeral(10);
        assertThat(typing.getJsonObject("data")).isEqualTo(new JsonObject().put("conversationId", conversationId)
            .put("role", "assistant"));
        StringBuilder joined = new StringBuilder();
        String turnId = null;
        JsonObject delta;
        while ((delta = socket.nextEphemeral(1)) != null) {
          assertThat(delta.getString("type")).isEqualTo("message:delta");
          assertThat(delta.getJsonObject("data").getString("conversationId")).isEqualTo(conversationId);
          turnId = turnId == null ? delta.getJsonObject("data").getString("turnId") : turnId;
          assertThat(delta.getJsonObject("data").getString("turnId")).isEqualTo(turnId);
          joined.append(delta.getJsonObject("data").getString("delta"));
        }
        assertThat(joined.toString()).isEqualTo(stored);
      }
    }
  }

  @Test
  void onlyNodesHoldingSocketsOfTheTenantGetItsDeltasThroughOneConsumerEach() {
    Tenant t = signup();
    List<WsClient> sockets = new ArrayList<>();
    try {
      sockets.add(WsClient.authenticated(port(0), t.jwt(), null));
      for (int i = 0; i < 3; i++) {
        sockets.add(WsClient.visitor(port(0), t.id(), t.widgetToken(), "sess-n" + i, null));
      }
      assertThat(nodes.get(0).wiring().hub().channelCount().await()).isEqualTo(1);
      double before = nodes.get(1).wiring().metrics().liveFramesReceived();
      // the turn runs on node B, which holds no socket of the tenant: its deltas go to node A only
      chat(1, t, "sess-n0", "Hello, what can you do?", null);
      assertThat(sockets.get(0).nextEphemeral(10).getString("type")).isEqualTo("typing");
      assertThat(sockets.get(0).nextEphemeral(10).getString("type")).isEqualTo("message:delta");
      assertThat(sockets.get(1).nextEphemeral(10).getString("type")).isEqualTo("typing");
      assertThat(sockets.get(2).ephemeral).isEmpty();
      assertThat(nodes.get(1).wiring().metrics().liveFramesReceived()).isEqualTo(before);
    } finally {
      sockets.forEach(WsClient::close);
    }
  }

  private static void sleepMs(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
