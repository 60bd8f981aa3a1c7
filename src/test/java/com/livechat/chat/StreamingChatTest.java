package com.livechat.chat;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.FakeOpenAi;
import com.livechat.support.FakeOpenAi.Canned;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import com.livechat.support.WsClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * POST /api/widgets/:id/chat with {@code Accept: text/event-stream} against two streaming
 * OpenAI-compatible fakes: the deltas, byte for byte, then one {@code done}; the same deltas on the
 * visitor's and the tenant's sockets; failover before the first token; a stream that breaks; a turn
 * called off by an agent's takeover or by the client going away, which closes the provider request.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamingChatTest {

  private static final long FIRST_TOKEN_MS = 600;
  private static final long CHUNK_MS = 800;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private FakeOpenAi primary;
  private FakeOpenAi secondary;
  private LiveChatServer server;
  private Api api;
  private String tenantId;
  private String widgetToken;
  private String jwt;

  @BeforeAll
  void start() {
    primary = new FakeOpenAi();
    secondary = new FakeOpenAi();
    JsonObject config = TestServer.config(TestDatabase.createDatabase());
    config.getJsonObject("ai").put("providers", new JsonArray()
        .add(provider("primary", primary, "gpt-primary"))
        .add(provider("secondary", secondary, "gpt-secondary")));
    server = TestServer.start(config);
    api = new Api(server.port());
  }

  private static JsonObject provider(String name, FakeOpenAi fake, String model) {
    return fake.providerConfig(name, model).put("timeoutMs", 10_000).put("firstTokenTimeoutMs", FIRST_TOKEN_MS)
        .put("chunkTimeoutMs", CHUNK_MS);
  }

  @AfterAll
  void stop() {
    server.close();
    primary.close();
    secondary.close();
  }

  @BeforeEach
  void reset() {
    primary.reset();
    secondary.reset();
    JsonObject s = api.signup("stream-" + System.nanoTime() + "@example.com");
    tenantId = s.getJsonObject("tenant").getString("id");
    widgetToken = s.getJsonObject("tenant").getString("widgetToken");
    jwt = s.getString("token");
  }

  /** A streamed response read as it arrives: the raw text, and each event with the time it came. */
  private record Streamed(int status, java.net.http.HttpHeaders headers, String text, List<Event> events) {
    JsonObject done() {
      List<Event> done = events.stream().filter(e -> e.name().equals("done")).toList();
      assertThat(done).hasSize(1);
      return new JsonObject(done.get(0).data());
    }

    List<String> deltas() {
      return events.stream().filter(e -> e.name().equals("delta"))
          .map(e -> new JsonObject(e.data()).getString("delta")).toList();
    }
  }

  private record Event(String name, String data, long atNanos) {}

  private HttpRequest streamRequest(JsonObject body) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/widgets/" + tenantId + "/chat"))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", bearer(widgetToken))
        .header("Content-Type", "application/json")
        .header("Accept", "text/event-stream")
        .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build();
  }

  private Streamed stream(JsonObject body) {
    try {
      HttpResponse<InputStream> r = HTTP.send(streamRequest(body), HttpResponse.BodyHandlers.ofInputStream());
      return read(r, r.body(), Integer.MAX_VALUE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Reads until the end, or until {@code maxEvents} events came. */
  private static Streamed read(HttpResponse<?> r, InputStream in, int maxEvents) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    List<Event> events = new ArrayList<>();
    StringBuilder pending = new StringBuilder();
    byte[] buffer = new byte[4096];
    int n;
    while (events.size() < maxEvents && (n = in.read(buffer)) > 0) {
      long at = System.nanoTime();
      all.write(buffer, 0, n);
      pending.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
      int end;
      while ((end = pending.indexOf("\n\n")) >= 0) {
        String block = pending.substring(0, end);
        pending.delete(0, end + 2);
        String name = null;
        String data = null;
        for (String line : block.split("\n")) {
          if (line.startsWith("event: ")) {
            name = line.substring(7);
          } else if (line.startsWith("data: ")) {
            data = line.substring(6);
          }
        }
        if (name != null) {
          events.add(new Event(name, data, at));
        }
      }
    }
    return new Streamed(r.statusCode(), r.headers(), all.toString(StandardCharsets.UTF_8), events);
  }

  private JsonObject message(String session, String text) {
    return new JsonObject().put("sessionId", session).put("message", text);
  }

  private List<JsonObject> messages(String conversationId) {
    Api.Response r = api.get("/api/conversations/" + conversationId + "/messages", "Authorization", bearer(jwt));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json().getJsonArray("items").stream().map(o -> (JsonObject) o).toList();
  }

  private static String sse(String event, JsonObject data) {
    return "event: " + event + "\ndata: " + data.encode() + "\n\n";
  }

  @Test
  void aStreamedChatSendsEachDeltaThenOneDoneByteForByte() {
    List<String> tokens = List.of("We are ", "open from ", "9 to 6", ", Monday to Saturday.");
    primary.script(Canned.stream(tokens, 50, 20));
    Streamed r = stream(message("s-bytes", "When are you open?"));

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
    assertThat(r.headers().firstValue("x-accel-buffering")).hasValue("no");
    assertThat(r.headers().firstValue("cache-control")).hasValue("no-cache");
    assertThat(r.deltas()).isEqualTo(tokens);
    JsonObject done = r.done();
    StringBuilder expected = new StringBuilder();
    for (String token : tokens) {
      expected.append(sse("delta", new JsonObject().put("delta", token)));
    }
    expected.append(sse("done", done));
    assertThat(r.text()).isEqualTo(expected.toString());

    // done is the body the plain request would have returned
    assertThat(done.fieldNames()).containsExactlyInAnyOrder("success", "conversationId", "message", "metadata");
    assertThat(done.getBoolean("success")).isTrue();
    assertThat(done.getString("message")).isEqualTo(String.join("", tokens));
    assertThat(done.getJsonObject("metadata").getString("model")).isEqualTo("gpt-primary-0125");
    assertThat(done.getJsonObject("metadata").containsKey("interrupted")).isFalse();
    List<JsonObject> stored = messages(done.getString("conversationId"));
    assertThat(stored.get(stored.size() - 1).getString("content")).isEqualTo(String.join("", tokens));
    assertThat(primary.requests.get(0).getBoolean("stream")).isTrue();
  }

  @Test
  void withoutTheAcceptHeaderNothingChanges() {
    primary.script(Canned.stream(List.of("Plain ", "answer."), 0, 0));
    Api.Response r = api.post("/api/widgets/" + tenantId + "/chat", message("s-plain", "Hi"),
        "Authorization", bearer(widgetToken));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("content-type")).isEqualTo("application/json");
    assertThat(r.json().getString("message")).isEqualTo("Plain answer.");
  }

  @Test
  void theSameDeltasReachTheVisitorAndTheTenantSocketsInOrder() {
    List<String> tokens = List.of("One, ", "two, ", "three.");
    primary.script(Canned.stream(tokens, 20, 20));
    try (WsClient dashboard = WsClient.authenticated(server.port(), jwt, null);
        WsClient visitor = WsClient.visitor(server.port(), tenantId, widgetToken, "s-sockets", null);
        WsClient otherVisitor = WsClient.visitor(server.port(), tenantId, widgetToken, "s-someone-else", null)) {
      Streamed r = stream(message("s-sockets", "Count to three"));
      String conversationId = r.done().getString("conversationId");
      for (WsClient socket : List.of(visitor, dashboard)) {
        JsonObject typing = socket.nextEphemeral(5);
        assertThat(typing.getJsonObject("data").getString("role")).isEqualTo("assistant");
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
          JsonObject delta = socket.nextEphemeral(5);
          assertThat(delta.getString("type")).isEqualTo("message:delta");
          assertThat(delta.getJsonObject("data").getString("conversationId")).isEqualTo(conversationId);
          assertThat(delta.getJsonObject("data").getString("turnId")).startsWith("turn-");
          seen.add(delta.getJsonObject("data").getString("delta"));
        }
        assertThat(seen).isEqualTo(tokens);
        assertThat(socket.nextEphemeral(0)).isNull();
      }
      List<JsonObject> durable = visitor.take(2, 5);
      assertThat(durable.get(1).getJsonObject("data").getString("content")).isEqualTo("One, two, three.");
      assertThat(otherVisitor.quietFor(200)).isEmpty();
      assertThat(otherVisitor.ephemeral).isEmpty();
    }
  }

  @Test
  void aFailureBeforeTheFirstEventIsThePlainJsonError() {
    Streamed unknown = stream(message("s-err", "Hi").put("conversationId", "conv-not-mine"));
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(new JsonObject(unknown.text()).getJsonObject("error").getString("code"))
        .isEqualTo("conversation_not_found");
    Streamed invalid = stream(new JsonObject().put("sessionId", "s-err"));
    assertThat(invalid.status()).isEqualTo(400);
    assertThat(new JsonObject(invalid.text()).getBoolean("success")).isFalse();
    assertThat(primary.requests).isEmpty();
  }

  @Test
  void aHandedOffConversationGetsOneDoneAndNoDelta() {
    Streamed r;
    try (WsClient agent = WsClient.authenticated(server.port(), jwt, null)) {
      r = stream(message("s-human", "I want to talk to a real person"));
    }
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.deltas()).isEmpty();
    JsonObject done = r.done();
    assertThat(done.getJsonObject("metadata").getBoolean("handoff")).isTrue();
    assertThat(r.text()).isEqualTo(sse("done", done));
    assertThat(primary.requests).isEmpty();
  }

  @Test
  void aProviderThatHangsBeforeItsFirstTokenHandsOverWithinTheFirstTokenLimit() {
    primary.script(Canned.hangBeforeFirstToken());
    secondary.script(Canned.stream(List.of("Second ", "provider here."), 0, 10));
    long sent = System.nanoTime();
    Streamed r = stream(message("s-hang", "Hello?"));
    long firstDeltaMs = TimeUnit.NANOSECONDS.toMillis(r.events().get(0).atNanos() - sent);
    assertThat(r.deltas()).containsExactly("Second ", "provider here.");
    assertThat(r.done().getJsonObject("metadata").getString("model")).isEqualTo("gpt-secondary-0125");
    // once, not retried, and well before the whole-attempt limit (10 s)
    assertThat(primary.requests).hasSize(1);
    assertThat(firstDeltaMs).isGreaterThanOrEqualTo(FIRST_TOKEN_MS).isLessThan(FIRST_TOKEN_MS + 4_000);
    awaitAbandoned(primary, 1);
  }

  @Test
  void aStreamThatGoesSilentMidwayEndsWithWhatWasSaid() {
    primary.script(Canned.streamThenHang(List.of("The first part, ", "and then"), 10));
    Streamed r = stream(message("s-silent", "Tell me a story"));
    assertThat(r.deltas()).containsExactly("The first part, ", "and then");
    JsonObject done = r.done();
    assertThat(done.getString("message")).isEqualTo("The first part, and then");
    assertThat(done.getJsonObject("metadata").getBoolean("interrupted")).isTrue();
    List<JsonObject> stored = messages(done.getString("conversationId"));
    assertThat(stored.get(stored.size() - 1).getString("content")).isEqualTo("The first part, and then");
    // nothing was handed to the next provider once the visitor had seen text
    assertThat(secondary.requests).isEmpty();
  }

  @Test
  void anAgentTakingOverMidReplyStopsTheProviderRequest() throws Exception {
    // a long silence after the first tokens: the turn is still being written when the agent steps in
    String agentJwt = jwt;
    primary.script(Canned.streamThenHang(List.of("Let me ", "check"), 10));
    try (WsClient dashboard = WsClient.authenticated(server.port(), jwt, null)) {
      CompletableFuture<Streamed> pending = CompletableFuture.supplyAsync(() -> stream(message("s-take", "Pricing?")));
      JsonObject opened = dashboard.take(1, 5).get(0);
      String conversationId = opened.getJsonObject("data").getString("id");
      assertThat(dashboard.nextEphemeral(5).getString("type")).isEqualTo("typing");
      assertThat(dashboard.nextEphemeral(5).getString("type")).isEqualTo("message:delta");
      Api.Response reply = api.post("/api/conversations/" + conversationId + "/messages",
          new JsonObject().put("content", "Hi, I'm Sam, I'll take it from here."), "Authorization", bearer(agentJwt));
      assertThat(reply.status()).as(reply.text()).isEqualTo(201);

      Streamed r = pending.get(5, TimeUnit.SECONDS);
      JsonObject done = r.done();
      assertThat(done.getString("message")).isEqualTo(String.join("", r.deltas()));
      assertThat(done.getJsonObject("metadata").getBoolean("interrupted")).isTrue();
      awaitAbandoned(primary, 1);
      assertThat(server.wiring().chat().runningTurns()).isZero();
    }
  }

  @Test
  void aClientThatGoesAwayStopsTheProviderRequest() throws Exception {
    primary.script(Canned.streamThenHang(List.of("Working on it"), 10));
    HttpResponse<InputStream> r = HTTP.send(streamRequest(message("s-gone", "Hello")),
        HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = r.body()) {
      Streamed first = read(r, in, 1);
      assertThat(first.deltas()).containsExactly("Working on it");
    }
    // closing the body closes the connection: the turn is called off and the provider request closed
    awaitAbandoned(primary, 1);
    long deadline = System.currentTimeMillis() + 5_000;
    while (server.wiring().chat().runningTurns() > 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertThat(server.wiring().chat().runningTurns()).isZero();
  }

  private static void awaitAbandoned(FakeOpenAi fake, int n) {
    long deadline = System.currentTimeMillis() + 5_000;
    while (fake.abandoned.size() < n && System.currentTimeMillis() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    assertThat(fake.abandoned).as("provider requests whose connection the server closed").hasSize(n);
  }
}
