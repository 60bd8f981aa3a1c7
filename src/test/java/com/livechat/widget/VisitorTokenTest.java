package com.livechat.widget;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.TestServer;
import com.livechat.support.WsClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Secure mode (shared/API.md Part 7): the tenant's server mints visitor tokens with its widget
 * token; every widget endpoint and /ws/chat take one as the credential, bound to its session; its
 * user goes into the conversation's contact data; with requireVisitorToken a browser's request
 * with the raw widget token is refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VisitorTokenTest {

  private static final String ORIGIN = "https://shop.example";

  private LiveChatServer server;
  private Api api;
  private String widgetId;
  private String widgetToken;
  private String jwt;
  private int seq;

  @BeforeAll
  void startServer() {
    server = TestServer.start();
    api = new Api(server.port());
  }

  @AfterAll
  void stopServer() {
    server.close();
  }

  @BeforeEach
  void newTenant() {
    JsonObject signup = api.signup("secure" + (++seq) + "@widget.test");
    widgetId = signup.getJsonObject("tenant").getString("id");
    widgetToken = signup.getJsonObject("tenant").getString("widgetToken");
    jwt = signup.getString("token");
  }

  private String path(String endpoint) {
    return "/api/widgets/" + widgetId + endpoint;
  }

  private static void assertError(Api.Response r, int status, String code) {
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    assertThat(r.header("content-type")).startsWith("application/json");
    assertThat(r.json().getBoolean("success")).isFalse();
    assertThat(r.errorCode()).isEqualTo(code);
  }

  private Api.Response mint(Object body, String... headers) {
    String[] all = new String[headers.length + 2];
    all[0] = "Authorization";
    all[1] = bearer(widgetToken);
    System.arraycopy(headers, 0, all, 2, headers.length);
    return api.post(path("/visitor-tokens"), body, all);
  }

  private String visitorToken(String sessionId, JsonObject user) {
    JsonObject body = new JsonObject().put("sessionId", sessionId);
    if (user != null) {
      body.put("user", user);
    }
    Api.Response r = mint(body);
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json().getString("visitorToken");
  }

  private Api.Response chat(String token, String session, String message, String... headers) {
    String[] all = new String[headers.length + 2];
    all[0] = "Authorization";
    all[1] = bearer(token);
    System.arraycopy(headers, 0, all, 2, headers.length);
    return api.post(path("/chat"), new JsonObject().put("sessionId", session).put("message", message), all);
  }

  private void requireVisitorTokens(boolean required) {
    JsonObject config = api.get("/api/tenant", "Authorization", bearer(jwt)).json().getJsonObject("tenant")
        .getJsonObject("config");
    Api.Response put = api.method("PUT", "/api/tenant/config", config.put("requireVisitorToken", required).encode(),
        "Authorization", bearer(jwt), "Content-Type", "application/json");
    assertThat(put.status()).as(put.text()).isEqualTo(200);
    assertThat(put.json().getJsonObject("config").getBoolean("requireVisitorToken")).isEqualTo(required);
  }

  /** A token signed with the server's secret and claims of our choosing (what a forger with the key could do). */
  private String signed(JsonObject claims, List<String> audience) {
    JWTAuth auth = JWTAuth.create(server.vertx(), new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions()
        .setAlgorithm("HS256").setBuffer("test-secret-of-at-least-32-characters!")));
    JWTOptions options = new JWTOptions().setAlgorithm("HS256");
    if (audience != null) {
      options.setAudience(audience);
    }
    return auth.generateToken(claims, options);
  }

  private JsonObject contactData(String conversationId) {
    return api.get("/api/conversations/" + conversationId, "Authorization", bearer(jwt)).json()
        .getJsonObject("conversation").getJsonObject("contact_data");
  }

  // ---- minting ------------------------------------------------------------------------------

  @Test
  void theSitesServerMintsAnHourLongTokenForASession() {
    Api.Response r = mint(new JsonObject().put("sessionId", "session_abc123")
        .put("user", new JsonObject().put("name", "Ann Lee").put("email", "ann@example.com")));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(r.json().fieldNames()).containsExactlyInAnyOrder("success", "visitorToken", "expiresAt");
    assertThat(r.json().getString("visitorToken")).startsWith("vt_");
    Instant expires = Instant.parse(r.json().getString("expiresAt"));
    assertThat(Duration.between(Instant.now(), expires)).isBetween(Duration.ofMinutes(59), Duration.ofMinutes(61));
    // no user at all is fine too
    assertThat(mint(new JsonObject().put("sessionId", "s2")).status()).isEqualTo(200);
    assertThat(mint(new JsonObject().put("sessionId", "s3").putNull("user")).status()).isEqualTo(200);
  }

  @Test
  void mintingValidatesTheSessionAndTheUser() {
    assertError(mint(new JsonObject()), 400, "invalid_session_id");
    assertError(mint(new JsonObject().put("sessionId", "bad id")), 400, "invalid_session_id");
    assertError(mint(new JsonObject().put("sessionId", "s".repeat(129))), 400, "invalid_session_id");
    assertError(mint("not json"), 400, "invalid_json");
    assertError(mint(new JsonObject().put("sessionId", "s").put("role", "admin")), 400, "invalid_field");
    assertError(mint(new JsonObject().put("sessionId", "s").put("user", "Ann")), 400, "invalid_user");
    assertError(mint(new JsonObject().put("sessionId", "s").put("user", new JsonObject().put("company", "Acme"))),
        400, "invalid_user");
    JsonObject base = new JsonObject().put("sessionId", "s");
    assertError(mint(base.copy().put("user", new JsonObject().put("name", ""))), 400, "invalid_user_name");
    assertError(mint(base.copy().put("user", new JsonObject().put("name", 42))), 400, "invalid_user_name");
    assertError(mint(base.copy().put("user", new JsonObject().put("name", "a".repeat(201)))), 400, "invalid_user_name");
    assertError(mint(base.copy().put("user", new JsonObject().put("name", "Ann\u0007"))), 400, "invalid_user_name");
    assertThat(mint(base.copy().put("user", new JsonObject().put("name", "a".repeat(200)))).status()).isEqualTo(200);
    assertError(mint(base.copy().put("user", new JsonObject().put("email", "not-an-email"))), 400, "invalid_user_email");
    assertError(mint(base.copy().put("user", new JsonObject().put("email", "a".repeat(250) + "@x.io"))), 400,
        "invalid_user_email");
    assertError(mint(base.copy().put("user", new JsonObject().put("phone", "12"))), 400, "invalid_user_phone");
    assertError(mint(base.copy().put("user", new JsonObject().put("phone", "+1 416 555 0199" + " ".repeat(30)))),
        400, "invalid_user_phone");
    assertThat(mint(base.copy().put("user", new JsonObject().putNull("name").putNull("email").putNull("phone")))
        .status()).isEqualTo(200);
  }

  @Test
  void onlyTheWidgetTokenMints() {
    assertError(api.post(path("/visitor-tokens"), new JsonObject().put("sessionId", "s")), 401, "invalid_widget_token");
    assertError(api.post(path("/visitor-tokens"), new JsonObject().put("sessionId", "s"), "Authorization",
        bearer(visitorToken("s", null))), 401, "invalid_widget_token");
    assertError(api.post(path("/visitor-tokens"), new JsonObject().put("sessionId", "s"), "Authorization",
        bearer(jwt)), 401, "invalid_widget_token");
    assertError(api.post("/api/widgets/tnt-nope/visitor-tokens", new JsonObject().put("sessionId", "s"),
        "Authorization", bearer(widgetToken)), 404, "widget_not_found");
  }

  // ---- a visitor token as the credential -------------------------------------------------------

  @Test
  void everyWidgetEndpointTakesAVisitorTokenOfItsSession() {
    String token = visitorToken("s1", null);
    String auth = bearer(token);
    assertThat(api.get(path("/config"), "Authorization", auth, "Origin", ORIGIN).status()).isEqualTo(200);
    assertThat(api.get(path("/assistant"), "Authorization", auth, "Origin", ORIGIN).status()).isEqualTo(200);
    Api.Response chat = chat(token, "s1", "Hello", "Origin", ORIGIN);
    assertThat(chat.status()).as(chat.text()).isEqualTo(200);
    assertThat(chat.header("access-control-allow-origin")).isEqualTo(ORIGIN);
    String conversationId = chat.json().getString("conversationId");
    Api.Response streamed = api.post(path("/chat"), new JsonObject().put("sessionId", "s1").put("message", "Hi")
        .put("conversationId", conversationId), "Authorization", auth, "Accept", "text/event-stream");
    assertThat(streamed.status()).isEqualTo(200);
    assertThat(streamed.text()).contains("event: done");
    Api.Response messages = api.get(path("/messages?sessionId=s1&conversationId=" + conversationId),
        "Authorization", auth);
    assertThat(messages.status()).as(messages.text()).isEqualTo(200);
    assertThat(messages.json().getJsonArray("items")).hasSize(4);
    assertThat(api.post(path("/track"), new JsonObject().put("sessionId", "s1").put("event", "widget_opened"),
        "Authorization", auth).status()).isEqualTo(200);
    // past the credential check: this assistant has no number
    assertError(api.post(path("/voice/start"), new JsonObject().put("sessionId", "s1"), "Authorization", auth), 400,
        "voice_not_configured");
  }

  @Test
  void aVisitorTokenIsBoundToItsSession() {
    String auth = bearer(visitorToken("s1", null));
    String conversationId = chat(widgetToken, "s2", "Hello").json().getString("conversationId");
    assertError(chat(visitorToken("s1", null), "s2", "Hello"), 401, "invalid_widget_token");
    assertError(api.post(path("/track"), new JsonObject().put("sessionId", "s2").put("event", "x"),
        "Authorization", auth), 401, "invalid_widget_token");
    assertError(api.post(path("/voice/start"), new JsonObject().put("sessionId", "s2"), "Authorization", auth), 401,
        "invalid_widget_token");
    assertError(api.get(path("/messages?sessionId=s2&conversationId=" + conversationId), "Authorization", auth), 401,
        "invalid_widget_token");
    // its own session still cannot read another's conversation
    assertError(api.get(path("/messages?sessionId=s1&conversationId=" + conversationId), "Authorization", auth), 404,
        "conversation_not_found");
    // the body is still checked first
    assertError(api.post(path("/track"), new JsonObject().put("event", "x"), "Authorization", auth), 400,
        "invalid_session_id");
  }

  @Test
  void aVisitorTokenOfAnotherTenantOrForgedOrExpiredIsRefused() {
    String mine = visitorToken("s1", null);
    JsonObject other = api.signup("secure-other" + seq + "@widget.test").getJsonObject("tenant");
    assertError(api.get("/api/widgets/" + other.getString("id") + "/config", "Authorization", bearer(mine)), 401,
        "invalid_widget_token");

    String tampered = mine.substring(0, mine.length() - 2) + (mine.endsWith("A") ? "BB" : "AA");
    assertError(api.get(path("/config"), "Authorization", bearer(tampered)), 401, "invalid_widget_token");
    assertError(api.get(path("/config"), "Authorization", bearer("vt_garbage")), 401, "invalid_widget_token");
    assertError(api.get(path("/config"), "Authorization", bearer("vt_" + "x".repeat(5000))), 401,
        "invalid_widget_token");

    JsonObject claims = new JsonObject().put("typ", "visitor").put("tenantId", widgetId).put("sessionId", "s1")
        .put("user", new JsonObject());
    List<String> audience = List.of("livechat-visitor");
    // as issued, it is accepted: so each refusal below is the claim that changed
    String good = "vt_" + signed(claims.copy().put("exp", Instant.now().getEpochSecond() + 60), audience);
    assertThat(api.get(path("/config"), "Authorization", bearer(good)).status()).isEqualTo(200);
    assertError(api.get(path("/config"), "Authorization", bearer("vt_" + signed(claims.copy()
        .put("exp", Instant.now().getEpochSecond() - 5), audience))), 401, "invalid_widget_token");
    assertError(api.get(path("/config"), "Authorization", bearer("vt_" + signed(claims.copy(), audience))), 401,
        "invalid_widget_token");
    long exp = Instant.now().getEpochSecond() + 60;
    assertError(api.get(path("/config"), "Authorization", bearer("vt_" + signed(claims.copy().put("exp", exp), null))),
        401, "invalid_widget_token");
    JsonObject untyped = claims.copy().put("exp", exp);
    untyped.remove("typ");
    assertError(api.get(path("/config"), "Authorization", bearer("vt_" + signed(untyped, audience))), 401,
        "invalid_widget_token");
    assertError(api.get(path("/config"), "Authorization", bearer("vt_" + signed(claims.copy().put("exp", exp)
        .put("typ", "dashboard"), audience))), 401, "invalid_widget_token");
    JsonObject noUser = claims.copy().put("exp", exp);
    noUser.remove("user");
    assertError(api.get(path("/config"), "Authorization", bearer("vt_" + signed(noUser, audience))), 401,
        "invalid_widget_token");
  }

  @Test
  void aDashboardTokenIsNeverAVisitorTokenNorTheOtherWayRound() {
    assertError(api.get(path("/config"), "Authorization", bearer(jwt)), 401, "invalid_widget_token");
    assertError(api.get(path("/config"), "Authorization", bearer("vt_" + jwt)), 401, "invalid_widget_token");
    String visitor = visitorToken("s1", null);
    assertThat(api.get("/api/tenant", "Authorization", bearer(visitor)).status()).isEqualTo(401);
    assertThat(api.get("/api/tenant", "Authorization", bearer(visitor.substring(3))).status()).isEqualTo(401);
    // even one with every dashboard claim, if it carries the visitor audience
    String both = signed(new JsonObject().put("sub", "usr-x").put("tenantId", widgetId).put("role", "owner")
        .put("exp", Instant.now().getEpochSecond() + 60), List.of("livechat-visitor"));
    assertThat(api.get("/api/tenant", "Authorization", bearer(both)).status()).isEqualTo(401);
  }

  // ---- the user goes into the contact data ------------------------------------------------------

  @Test
  void theTokensUserIsMergedIntoTheConversationsContactData() {
    String token = visitorToken("s1", new JsonObject().put("name", "  Ann   Lee ").put("email", "ANN@Example.COM")
        .put("phone", "(416) 555-0199"));
    Api.Response r = chat(token, "s1", "Hello! my email is other@example.org");
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    JsonObject contact = contactData(r.json().getString("conversationId"));
    // what the site's server vouches for wins over what the message says
    assertThat(contact.getString("email")).isEqualTo("ann@example.com");
    assertThat(contact.getString("name")).isEqualTo("Ann Lee");
    assertThat(contact.getString("phone")).isEqualTo("+14165550199");
    // name and email are the default assistant's required fields
    assertThat(api.get("/api/conversations/" + r.json().getString("conversationId"), "Authorization", bearer(jwt))
        .json().getJsonObject("conversation").getBoolean("qualified")).isTrue();
  }

  @Test
  void aWidgetTokensChatAddsNoUser() {
    Api.Response r = chat(widgetToken, "s1", "Hello");
    assertThat(contactData(r.json().getString("conversationId"))).isEqualTo(new JsonObject());
  }

  // ---- requireVisitorToken ----------------------------------------------------------------------

  @Test
  void withVisitorTokensRequiredABrowsersWidgetTokenIsRefused() {
    requireVisitorTokens(true);
    String auth = bearer(widgetToken);
    assertError(api.get(path("/config"), "Authorization", auth, "Origin", ORIGIN), 401, "invalid_widget_token");
    assertError(chat(widgetToken, "s1", "Hello", "Origin", ORIGIN), 401, "invalid_widget_token");
    assertError(api.get(path("/assistant"), "Authorization", auth, "Origin", ORIGIN), 401, "invalid_widget_token");
    assertError(mint(new JsonObject().put("sessionId", "s1"), "Origin", ORIGIN), 401, "invalid_widget_token");
    // the refusal still carries CORS, so the page's script can read it
    assertThat(api.get(path("/config"), "Authorization", auth, "Origin", ORIGIN).header("access-control-allow-origin"))
        .isEqualTo(ORIGIN);
    // preflights need no credential
    assertThat(api.method("OPTIONS", path("/chat"), null, "Origin", ORIGIN, "Access-Control-Request-Method", "POST")
        .status()).isEqualTo(204);

    // server to server (no Origin): the widget token works, minting included
    assertThat(api.get(path("/config"), "Authorization", auth).status()).isEqualTo(200);
    String token = visitorToken("s1", null);
    // and the browser uses the visitor token
    assertThat(api.get(path("/config"), "Authorization", bearer(token), "Origin", ORIGIN).status()).isEqualTo(200);
    assertThat(chat(token, "s1", "Hello", "Origin", ORIGIN).status()).isEqualTo(200);

    // the public config does not tell
    JsonObject config = api.get(path("/config"), "Authorization", auth).json().getJsonObject("config");
    assertThat(config.containsKey("requireVisitorToken")).isFalse();
    assertThat(api.get("/api/tenant", "Authorization", bearer(jwt)).json().getJsonObject("tenant")
        .getJsonObject("config").getBoolean("requireVisitorToken")).isTrue();

    requireVisitorTokens(false);
    assertThat(api.get(path("/config"), "Authorization", auth, "Origin", ORIGIN).status()).isEqualTo(200);
  }

  @Test
  void requireVisitorTokenMustBeABoolean() {
    JsonObject config = api.get("/api/tenant", "Authorization", bearer(jwt)).json().getJsonObject("tenant")
        .getJsonObject("config");
    for (Object value : new Object[] {"true", 1, new JsonObject()}) {
      assertError(api.method("PUT", "/api/tenant/config", config.copy().put("requireVisitorToken", value).encode(),
          "Authorization", bearer(jwt), "Content-Type", "application/json"), 400, "invalid_require_visitor_token");
    }
    // absent: false, as every other optional field of the config
    requireVisitorTokens(true);
    config.remove("requireVisitorToken");
    Api.Response put = api.method("PUT", "/api/tenant/config", config.encode(), "Authorization", bearer(jwt),
        "Content-Type", "application/json");
    assertThat(put.json().getJsonObject("config").getBoolean("requireVisitorToken")).isFalse();
  }

  // ---- the visitor socket -----------------------------------------------------------------------

  private WsClient socket(String origin, String token, String sessionId) {
    WebSocketConnectOptions connect = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(server.port())
        .setURI("/ws/chat");
    if (origin != null) {
      connect.addHeader("Origin", origin);
    } else {
      // the Vert.x client sends an Origin of its own unless told not to
      connect.setAllowOriginHeader(false);
    }
    WsClient c = WsClient.connect(connect, new WebSocketClientOptions());
    c.send(new JsonObject().put("type", "auth").put("widgetId", widgetId).put("token", token)
        .put("sessionId", sessionId));
    return c;
  }

  @Test
  void theVisitorSocketTakesAVisitorTokenOfItsSessionOnly() {
    String token = visitorToken("s1", null);
    try (WsClient own = socket(ORIGIN, token, "s1")) {
      JsonObject ok = own.next(10);
      assertThat(ok).isNotNull();
      assertThat(ok.getString("type")).isEqualTo("auth:ok");
      chat(token, "s1", "Hello");
      assertThat(own.take(2, 10)).allSatisfy(frame -> assertThat(frame.getString("type")).isEqualTo("message:new"));
    }
    try (WsClient other = socket(ORIGIN, token, "s2")) {
      assertThat(other.awaitClose(10)).isEqualTo((short) 4401);
    }
    JsonObject foreign = api.signup("secure-ws" + seq + "@widget.test").getJsonObject("tenant");
    String foreignToken = api.post("/api/widgets/" + foreign.getString("id") + "/visitor-tokens",
        new JsonObject().put("sessionId", "s1"), "Authorization", bearer(foreign.getString("widgetToken")))
        .json().getString("visitorToken");
    try (WsClient wrongTenant = socket(ORIGIN, foreignToken, "s1")) {
      assertThat(wrongTenant.awaitClose(10)).isEqualTo((short) 4401);
    }
  }

  @Test
  void withVisitorTokensRequiredTheSocketRefusesABrowsersWidgetToken() {
    requireVisitorTokens(true);
    try (WsClient browser = socket(ORIGIN, widgetToken, "s1")) {
      assertThat(browser.awaitClose(10)).isEqualTo((short) 4401);
    }
    try (WsClient serverSide = socket(null, widgetToken, "s1")) {
      assertThat(serverSide.next(10).getString("type")).isEqualTo("auth:ok");
    }
    try (WsClient secure = socket(ORIGIN, visitorToken("s1", null), "s1")) {
      assertThat(secure.next(10).getString("type")).isEqualTo("auth:ok");
    }
  }
}
