package com.livechat.dashboard;

import static com.livechat.dashboard.Dashboard.assertError;
import static com.livechat.dashboard.Dashboard.assertSuccess;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Conversations, messages, agent replies, PATCH, analytics and usage (shared/API.md Part 2). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConversationApiTest {

  private LiveChatServer server;
  private Api api;
  private Dashboard dashboard;

  @BeforeAll
  void start() {
    server = TestServer.start();
    api = new Api(server.port());
    dashboard = new Dashboard(api);
  }

  @AfterAll
  void stop() {
    server.close();
  }

  private static List<String> ids(JsonArray items) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      out.add(items.getJsonObject(i).getString("id"));
    }
    return out;
  }

  @Test
  void listIsNewestFirstAndPagesWithACursorWithoutSkipsOrRepeats() {
    Dashboard.Tenant t = dashboard.signup();
    List<String> created = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      created.add(dashboard.chat(t, "s" + i, "Hello " + i, null));
    }
    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonObject page = assertSuccess(dashboard.get("/api/conversations?limit=2"
          + (cursor == null ? "" : "&cursor=" + cursor), t.ownerJwt()), 200);
      seen.addAll(ids(page.getJsonArray("items")));
      cursor = page.getString("nextCursor");
      pages++;
    } while (cursor != null);
    assertThat(pages).isEqualTo(3);
    List<String> newestFirst = new ArrayList<>(created);
    java.util.Collections.reverse(newestFirst);
    assertThat(seen).isEqualTo(newestFirst);
  }

  @Test
  void listItemsHaveTheApiShapeAndFiltersApply() {
    Dashboard.Tenant t = dashboard.signup();
    String open = dashboard.chat(t, "s1", "Hello", null);
    String closed = dashboard.chat(t, "s2", "Hello", null);
    assertSuccess(dashboard.patch("/api/conversations/" + closed, t.ownerJwt(), new JsonObject().put("status", "closed")),
        200);
    JsonObject item = assertSuccess(dashboard.get("/api/conversations?status=open", t.ownerJwt()), 200)
        .getJsonArray("items").getJsonObject(0);
    assertThat(item.getString("id")).isEqualTo(open);
    assertThat(item.fieldNames()).contains("id", "channel", "status", "assistantId", "sessionId", "contact_data",
        "qualified", "aiEnabled", "createdAt", "updatedAt", "lastMessageAt");
    assertThat(item.getString("createdAt")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
    assertThat(ids(assertSuccess(dashboard.get("/api/conversations?status=closed", t.ownerJwt()), 200)
        .getJsonArray("items"))).containsExactly(closed);
    assertThat(ids(assertSuccess(dashboard.get("/api/conversations?channel=voice", t.ownerJwt()), 200)
        .getJsonArray("items"))).isEmpty();
    assertThat(ids(assertSuccess(dashboard.get("/api/conversations?qualified=false", t.ownerJwt()), 200)
        .getJsonArray("items"))).hasSize(2);
    assertThat(ids(assertSuccess(dashboard.get("/api/conversations?qualified=true", t.ownerJwt()), 200)
        .getJsonArray("items"))).isEmpty();
  }

  @Test
  void badListParametersAre400() {
    Dashboard.Tenant t = dashboard.signup();
    assertError(dashboard.get("/api/conversations?status=pending", t.ownerJwt()), 400, "invalid_status");
    assertError(dashboard.get("/api/conversations?channel=sms", t.ownerJwt()), 400, "invalid_channel");
    assertError(dashboard.get("/api/conversations?qualified=maybe", t.ownerJwt()), 400, "invalid_qualified");
    assertError(dashboard.get("/api/conversations?limit=0", t.ownerJwt()), 400, "invalid_limit");
    assertError(dashboard.get("/api/conversations?limit=201", t.ownerJwt()), 400, "invalid_limit");
    assertError(dashboard.get("/api/conversations?cursor=***", t.ownerJwt()), 400, "invalid_cursor");
    assertError(dashboard.get("/api/conversations?cursor=bm9wZQ", t.ownerJwt()), 400, "invalid_cursor");
  }

  @Test
  void detailAndMessagesOldestFirstWithAfterPaging() {
    Dashboard.Tenant t = dashboard.signup();
    String id = dashboard.chat(t, "s1", "First", null);
    dashboard.chat(t, "s1", "Second", id);
    JsonObject detail = assertSuccess(dashboard.get("/api/conversations/" + id, t.ownerJwt()), 200);
    assertThat(detail.getJsonObject("conversation").getString("id")).isEqualTo(id);

    JsonObject first = assertSuccess(dashboard.get("/api/conversations/" + id + "/messages?limit=3", t.ownerJwt()), 200);
    JsonArray items = first.getJsonArray("items");
    assertThat(items.size()).isEqualTo(3);
    assertThat(items.getJsonObject(0).getString("content")).isEqualTo("First");
    assertThat(items.getJsonObject(0).getString("role")).isEqualTo("visitor");
    assertThat(items.getJsonObject(1).getString("role")).isEqualTo("assistant");
    assertThat(items.getJsonObject(0).fieldNames()).contains("id", "conversationId", "role", "content", "createdAt",
        "metadata");
    String after = first.getString("nextCursor");
    assertThat(after).isEqualTo(items.getJsonObject(2).getString("id"));
    JsonObject rest = assertSuccess(dashboard.get("/api/conversations/" + id + "/messages?after=" + after,
        t.ownerJwt()), 200);
    assertThat(rest.getJsonArray("items").size()).isEqualTo(1);
    assertThat(rest.getValue("nextCursor")).isNull();
    assertError(dashboard.get("/api/conversations/" + id + "/messages?after=msg-nope", t.ownerJwt()), 400,
        "invalid_after");
  }

  @Test
  void anAgentCanReadAndReplyAndTheReplyTakesOver() {
    Dashboard.Tenant t = dashboard.signup();
    String agent = dashboard.member(t.ownerJwt(), "agent");
    String id = dashboard.chat(t, "s1", "Hello", null);
    assertSuccess(dashboard.get("/api/conversations", agent), 200);
    JsonObject reply = assertSuccess(dashboard.post("/api/conversations/" + id + "/messages", agent,
        new JsonObject().put("content", "  Hi, I'm Sam.  ")), 201).getJsonObject("message");
    assertThat(reply.getString("role")).isEqualTo("agent");
    assertThat(reply.getString("content")).isEqualTo("Hi, I'm Sam.");
    assertThat(reply.getString("conversationId")).isEqualTo(id);
    assertThat(assertSuccess(dashboard.get("/api/conversations/" + id, agent), 200).getJsonObject("conversation")
        .getBoolean("aiEnabled")).isFalse();
    assertError(dashboard.post("/api/conversations/" + id + "/messages", agent, new JsonObject().put("content", " ")),
        400, "invalid_content");
    assertError(dashboard.post("/api/conversations/" + id + "/messages", agent,
        new JsonObject().put("content", "x".repeat(4001))), 400, "invalid_content");
  }

  @Test
  void patchChangesStatusAiAndAssigneeAndValidates() {
    Dashboard.Tenant t = dashboard.signup();
    String id = dashboard.chat(t, "s1", "Hello", null);
    JsonObject c = assertSuccess(dashboard.patch("/api/conversations/" + id, t.ownerJwt(), new JsonObject()
        .put("status", "closed").put("aiEnabled", false).put("assigneeId", t.ownerId())), 200).getJsonObject("conversation");
    assertThat(c.getString("status")).isEqualTo("closed");
    assertThat(c.getBoolean("aiEnabled")).isFalse();
    assertThat(c.getString("assigneeId")).isEqualTo(t.ownerId());
    c = assertSuccess(dashboard.patch("/api/conversations/" + id, t.ownerJwt(), new JsonObject().putNull("assigneeId")),
        200).getJsonObject("conversation");
    assertThat(c.getValue("assigneeId")).isNull();
    assertThat(c.getString("status")).isEqualTo("closed");

    assertError(dashboard.patch("/api/conversations/" + id, t.ownerJwt(), new JsonObject().put("status", "done")), 400,
        "invalid_status");
    assertError(dashboard.patch("/api/conversations/" + id, t.ownerJwt(), new JsonObject().put("aiEnabled", "yes")),
        400, "invalid_ai_enabled");
    assertError(dashboard.patch("/api/conversations/" + id, t.ownerJwt(), new JsonObject().put("assigneeId", "usr-x")),
        400, "invalid_assignee_id");
    assertError(dashboard.patch("/api/conversations/" + id, t.ownerJwt(), new JsonObject().put("color", "red")), 400,
        "invalid_field");
    assertError(dashboard.patch("/api/conversations/" + id, t.ownerJwt(), new JsonObject()), 400, "invalid_request");
    assertError(dashboard.patch("/api/conversations/conv-nope", t.ownerJwt(), new JsonObject().put("status", "open")),
        404, "conversation_not_found");
  }

  @Test
  void anotherTenantsConversationsAreInvisible() {
    Dashboard.Tenant a = dashboard.signup();
    Dashboard.Tenant b = dashboard.signup();
    String id = dashboard.chat(a, "s1", "Hello", null);
    String otherUser = b.ownerId();
    assertError(dashboard.get("/api/conversations/" + id, b.ownerJwt()), 404, "conversation_not_found");
    assertError(dashboard.get("/api/conversations/" + id + "/messages", b.ownerJwt()), 404, "conversation_not_found");
    assertError(dashboard.post("/api/conversations/" + id + "/messages", b.ownerJwt(),
        new JsonObject().put("content", "hijack")), 404, "conversation_not_found");
    assertError(dashboard.patch("/api/conversations/" + id, b.ownerJwt(), new JsonObject().put("status", "closed")),
        404, "conversation_not_found");
    // nor can a user of another tenant be assigned
    assertError(dashboard.patch("/api/conversations/" + id, a.ownerJwt(), new JsonObject().put("assigneeId", otherUser)),
        400, "invalid_assignee_id");
    assertThat(assertSuccess(dashboard.get("/api/conversations", b.ownerJwt()), 200).getJsonArray("items")).isEmpty();
    assertThat(TestServer.sql(server, "SELECT count(*) FROM messages WHERE content = 'hijack'").iterator().next()
        .getLong(0)).isZero();
  }

  @Test
  void withoutAValidTokenEveryConversationEndpointIs401() {
    for (String path : new String[] {"/api/conversations", "/api/conversations/conv-x",
        "/api/conversations/conv-x/messages", "/api/analytics/summary", "/api/usage"}) {
      assertError(api.get(path), 401, "unauthorized");
      assertError(api.get(path, "Authorization", "Bearer nope"), 401, "unauthorized");
    }
  }

  @Test
  void analyticsCountsTrackedEventsConversationsAndMessagesInTheWindow() {
    Dashboard.Tenant t = dashboard.signup();
    String auth = Api.bearer(t.widgetToken());
    for (String event : new String[] {"widget_opened", "widget_opened", "page:view"}) {
      assertThat(api.post("/api/widgets/" + t.id() + "/track", new JsonObject().put("sessionId", "s1")
          .put("event", event), "Authorization", auth).status()).isEqualTo(200);
    }
    api.post("/api/widgets/" + t.id() + "/track", new JsonObject().put("sessionId", "s1").put("event", "old")
        .put("timestamp", "2020-01-01T00:00:00Z"), "Authorization", auth);
    dashboard.chat(t, "s1", "Hello", null);
    JsonObject summary = assertSuccess(dashboard.get("/api/analytics/summary", t.ownerJwt()), 200);
    assertThat(summary.getJsonObject("events")).isEqualTo(new JsonObject().put("page:view", 1).put("widget_opened", 2));
    assertThat(summary.getJsonObject("conversations")).isEqualTo(new JsonObject().put("chat", 1).put("voice", 0));
    assertThat(summary.getLong("messages")).isEqualTo(2);
    assertThat(summary.getLong("qualified")).isZero();
    JsonObject old = assertSuccess(dashboard.get("/api/analytics/summary?from=2019-12-31T00:00:00Z&to=2020-01-02T00:00:00Z",
        t.ownerJwt()), 200);
    assertThat(old.getJsonObject("events")).isEqualTo(new JsonObject().put("old", 1));
    assertThat(old.getLong("messages")).isZero();
    assertError(dashboard.get("/api/analytics/summary?from=yesterday", t.ownerJwt()), 400, "invalid_from");
    assertError(dashboard.get("/api/analytics/summary?from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z",
        t.ownerJwt()), 400, "invalid_window");
    // years Java reads but neither the default window's arithmetic nor PostgreSQL takes: these were 500s
    assertError(dashboard.get("/api/analytics/summary?to=-999999999-01-01T00:00:00Z", t.ownerJwt()), 400, "invalid_to");
    assertError(dashboard.get("/api/analytics/summary?from=%2B999999999-01-01T00:00:00Z", t.ownerJwt()), 400,
        "invalid_from");
  }

  @Test
  void usageReportsThisMonthsMessagesAndTokens() {
    Dashboard.Tenant t = dashboard.signup();
    JsonObject empty = assertSuccess(dashboard.get("/api/usage", t.ownerJwt()), 200);
    assertThat(empty.getString("period")).matches("\\d{4}-\\d\\d");
    assertThat(empty.getJsonObject("usage")).isEqualTo(new JsonObject().put("messages", 0).put("tokens", 0)
        .put("voiceCalls", 0));
    assertThat(empty.getJsonObject("limits")).isNotNull();
    dashboard.chat(t, "s1", "Hello", null);
    JsonObject used = assertSuccess(dashboard.get("/api/usage", t.ownerJwt()), 200).getJsonObject("usage");
    assertThat(used.getLong("messages")).isEqualTo(1);
    assertThat(used.getLong("tokens")).isPositive();
  }
}
