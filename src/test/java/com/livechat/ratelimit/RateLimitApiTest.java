package com.livechat.ratelimit;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The rate limits over real HTTP, on a node with small limits behind a trusted proxy (127.0.0.1,
 * so each test names its clients with X-Forwarded-For), and on a node that trusts no proxy.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RateLimitApiTest {

  private static final String PASSWORD = "correct horse battery";
  private static final int PERIOD = 3600;
  private static final int CHAT_PER_SESSION = 3;
  private static final int CHAT_PER_IP = 5;
  private static final int LOGIN_PER_IP = 6;
  private static final int LOGIN_FAILURES = 3;
  private static final int SIGNUP_PER_IP = 2;

  private final AtomicInteger addresses = new AtomicInteger();
  private final AtomicInteger emails = new AtomicInteger();
  private LiveChatServer proxied;
  private LiveChatServer direct;
  private Api api;

  @BeforeAll
  void start() {
    JsonObject config = TestServer.config(TestDatabase.createDatabase());
    // the counters are read from /metrics without an operator key
    config.getJsonObject("metrics").put("access", "public");
    config.getJsonObject("http").put("trustedProxies", new JsonArray().add("127.0.0.1"));
    config.put("rateLimits", new JsonObject()
        .put("chatPerSession", rate(CHAT_PER_SESSION))
        .put("chatPerIp", rate(CHAT_PER_IP))
        .put("loginPerIp", rate(LOGIN_PER_IP))
        .put("loginFailuresPerEmail", rate(LOGIN_FAILURES))
        .put("signupPerIp", rate(SIGNUP_PER_IP))
        .put("maxKeys", 1000));
    proxied = TestServer.start(config);
    api = new Api(proxied.port());

    JsonObject untrusting = TestServer.config(TestDatabase.createDatabase());
    untrusting.getJsonObject("rateLimits").put("chatPerIp", rate(2));
    direct = TestServer.start(untrusting);
  }

  @AfterAll
  void stop() {
    if (direct != null) {
      direct.close();
    }
    if (proxied != null) {
      proxied.close();
    }
  }

  private static JsonObject rate(int capacity) {
    return new JsonObject().put("capacity", capacity).put("perSeconds", PERIOD);
  }

  /** A client address no other test uses. */
  private String newAddress() {
    int n = addresses.incrementAndGet();
    return "198.51." + (100 + n / 250) + "." + (1 + n % 250);
  }

  private String newEmail() {
    return "user" + emails.incrementAndGet() + "@ratelimit.test";
  }

  private record Widget(String id, String auth) {}

  private Widget newTenant(Api on) {
    return newTenant(on, newEmail());
  }

  private Widget newTenant(Api on, String email) {
    Api.Response r = on.post("/api/auth/signup", new JsonObject().put("email", email).put("password", PASSWORD)
        .put("companyName", "Acme"), "X-Forwarded-For", newAddress());
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    JsonObject tenant = r.json().getJsonObject("tenant");
    return new Widget(tenant.getString("id"), bearer(tenant.getString("widgetToken")));
  }

  private static Api.Response chat(Api on, Widget widget, String session, String forwardedFor) {
    return on.post("/api/widgets/" + widget.id() + "/chat",
        new JsonObject().put("sessionId", session).put("message", "Hello"),
        "Authorization", widget.auth(), "X-Forwarded-For", forwardedFor);
  }

  private Api.Response login(String email, String password, String forwardedFor) {
    return api.post("/api/auth/login", new JsonObject().put("email", email).put("password", password),
        "X-Forwarded-For", forwardedFor);
  }

  private static void assertOk(Api.Response r) {
    assertThat(r.status()).as(r.text()).isEqualTo(200);
  }

  private static void assertRateLimited(Api.Response r) {
    assertThat(r.status()).as(r.text()).isEqualTo(429);
    assertThat(r.header("content-type")).startsWith("application/json");
    JsonObject body = r.json();
    assertThat(body.getBoolean("success")).isFalse();
    assertThat(body.getJsonObject("error").getString("code")).isEqualTo("rate_limited");
    assertThat(body.getJsonObject("error").getString("message")).isNotBlank();
    assertThat(r.header("retry-after")).matches("[0-9]+");
    assertThat(Long.parseLong(r.header("retry-after"))).isBetween(1L, (long) PERIOD);
  }

  // ---- chat -----------------------------------------------------------------------------

  @Test
  void aSessionGets429OnceItsBucketIsEmptyWhileAnotherSessionOfTheSameAddressGoesOn() {
    Widget widget = newTenant(api);
    String visitor = newAddress();
    for (int i = 0; i < CHAT_PER_SESSION; i++) {
      assertOk(chat(api, widget, "s1", visitor));
    }
    Api.Response refused = chat(api, widget, "s1", visitor);
    assertRateLimited(refused);
    // one token every PERIOD / CHAT_PER_SESSION seconds
    assertThat(Long.parseLong(refused.header("retry-after"))).isBetween(1L, (long) PERIOD / CHAT_PER_SESSION);
    assertOk(chat(api, widget, "s2", visitor));
  }

  @Test
  void sessionBucketsBelongToOneTenant() {
    Widget first = newTenant(api);
    Widget second = newTenant(api);
    String visitor = newAddress();
    for (int i = 0; i < CHAT_PER_SESSION; i++) {
      assertOk(chat(api, first, "shared-session", visitor));
    }
    assertRateLimited(chat(api, first, "shared-session", visitor));
    assertOk(chat(api, second, "shared-session", newAddress()));
  }

  @Test
  void thePerAddressLimitTellsClientsApartByTheTrustedProxysForwardedFor() {
    Widget widget = newTenant(api);
    String crowd = newAddress();
    for (int i = 0; i < CHAT_PER_IP; i++) {
      assertOk(chat(api, widget, "visitor-" + i, crowd));
    }
    assertRateLimited(chat(api, widget, "one-more-visitor", crowd));
    // another client behind the same proxy, and the one the proxy says it talks for (rightmost)
    assertOk(chat(api, widget, "elsewhere", newAddress()));
    assertOk(chat(api, widget, "spoofer", crowd + ", " + newAddress()));
  }

  @Test
  void withoutTrustedProxiesForwardedForIsIgnored() {
    Api directApi = new Api(direct.port());
    Widget widget = newTenant(directApi);
    // three different claimed clients, one real peer (127.0.0.1) with a limit of 2
    assertOk(chat(directApi, widget, "a", newAddress()));
    assertOk(chat(directApi, widget, "b", newAddress()));
    assertRateLimited(chat(directApi, widget, "c", newAddress()));
  }

  @Test
  void anInvalidRequestCostsNoToken() {
    Widget widget = newTenant(api);
    String visitor = newAddress();
    for (int i = 0; i < CHAT_PER_IP + 2; i++) {
      Api.Response invalid = api.post("/api/widgets/" + widget.id() + "/chat",
          new JsonObject().put("sessionId", "s").put("message", "  "),
          "Authorization", widget.auth(), "X-Forwarded-For", visitor);
      assertThat(invalid.status()).as(invalid.text()).isEqualTo(400);
    }
    for (int i = 0; i < CHAT_PER_SESSION; i++) {
      assertOk(chat(api, widget, "s", visitor));
    }
    assertRateLimited(chat(api, widget, "s", visitor));
  }

  @Test
  void eventTrackingIsNeverRateLimited() {
    Widget widget = newTenant(api);
    String visitor = newAddress();
    for (int i = 0; i < CHAT_PER_IP; i++) {
      assertOk(chat(api, widget, "t" + i, visitor));
    }
    assertRateLimited(chat(api, widget, "t0", visitor));
    for (int i = 0; i < 3 * CHAT_PER_IP; i++) {
      Api.Response tracked = api.post("/api/widgets/" + widget.id() + "/track",
          new JsonObject().put("sessionId", "t0").put("event", "widget_opened"),
          "Authorization", widget.auth(), "X-Forwarded-For", visitor);
      assertOk(tracked);
    }
  }

  @Test
  void rejectionsAreCountedInTheMetrics() {
    double before = rateLimitedCount("chat_session");
    Widget widget = newTenant(api);
    String visitor = newAddress();
    for (int i = 0; i < CHAT_PER_SESSION; i++) {
      assertOk(chat(api, widget, "m", visitor));
    }
    assertRateLimited(chat(api, widget, "m", visitor));
    assertThat(rateLimitedCount("chat_session")).isEqualTo(before + 1);
  }

  private double rateLimitedCount(String limit) {
    String text = api.get("/metrics").text();
    Matcher m = Pattern.compile("(?m)^livechat_rate_limited_total\\{limit=\"" + limit + "\",?} ([0-9.E]+)$").matcher(text);
    assertThat(m.find()).as(text).isTrue();
    return Double.parseDouble(m.group(1));
  }

  // ---- login and sign-up -----------------------------------------------------------------

  @Test
  void afterTooManyFailuresEvenTheRightPasswordGets429AndOtherEmailsAreUnaffected() {
    String victim = newEmail();
    String bystander = newEmail();
    newTenant(api, victim);
    newTenant(api, bystander);
    for (int i = 0; i < LOGIN_FAILURES; i++) {
      Api.Response wrong = login(victim, "wrong password!", newAddress());
      assertThat(wrong.status()).as(wrong.text()).isEqualTo(401);
    }
    // from any address: the bucket is the email's
    assertRateLimited(login(victim, PASSWORD, newAddress()));
    assertOk(login(bystander, PASSWORD, newAddress()));
  }

  @Test
  void successfulLoginsDoNotCountAsFailures() {
    String email = newEmail();
    newTenant(api, email);
    for (int i = 0; i < LOGIN_FAILURES - 1; i++) {
      assertThat(login(email, "wrong password!", newAddress()).status()).isEqualTo(401);
    }
    for (int i = 0; i < LOGIN_FAILURES + 1; i++) {
      assertOk(login(email, PASSWORD, newAddress()));
    }
    assertThat(login(email, "wrong password!", newAddress()).status()).isEqualTo(401);
    assertRateLimited(login(email, PASSWORD, newAddress()));
  }

  @Test
  void anUnknownEmailIsLimitedExactlyLikeAKnownOne() {
    String known = newEmail();
    newTenant(api, known);
    String unknown = newEmail();
    for (int i = 0; i < LOGIN_FAILURES; i++) {
      Api.Response a = login(known, "wrong password!", newAddress());
      Api.Response b = login(unknown, "wrong password!", newAddress());
      assertThat(a.status()).isEqualTo(401);
      assertThat(b.text()).isEqualTo(a.text());
    }
    Api.Response a = login(known, "wrong password!", newAddress());
    Api.Response b = login(unknown, "wrong password!", newAddress());
    assertRateLimited(a);
    assertRateLimited(b);
    // the same words; only the seconds to wait may differ
    assertThat(b.errorCode()).isEqualTo(a.errorCode());
    assertThat(message(b).replaceAll("[0-9]+", "N")).isEqualTo(message(a).replaceAll("[0-9]+", "N"));
  }

  private static String message(Api.Response r) {
    return r.json().getJsonObject("error").getString("message");
  }

  @Test
  void oneAddressHasALimitedNumberOfLoginAttempts() {
    String email = newEmail();
    newTenant(api, email);
    String guesser = newAddress();
    for (int i = 0; i < LOGIN_PER_IP; i++) {
      assertThat(login(newEmail(), "wrong password!", guesser).status()).isEqualTo(401);
    }
    assertRateLimited(login(email, PASSWORD, guesser));
    assertOk(login(email, PASSWORD, newAddress()));
  }

  @Test
  void signUpsAreLimitedPerAddressAndInvalidOnesCostNothing() {
    String office = newAddress();
    Api.Response invalid = api.post("/api/auth/signup", new JsonObject().put("email", "nope").put("password", PASSWORD)
        .put("companyName", "A"), "X-Forwarded-For", office);
    assertThat(invalid.status()).isEqualTo(400);
    for (int i = 0; i < SIGNUP_PER_IP; i++) {
      Api.Response r = api.post("/api/auth/signup", new JsonObject().put("email", newEmail()).put("password", PASSWORD)
          .put("companyName", "A"), "X-Forwarded-For", office);
      assertThat(r.status()).as(r.text()).isEqualTo(201);
    }
    assertRateLimited(api.post("/api/auth/signup", new JsonObject().put("email", newEmail()).put("password", PASSWORD)
        .put("companyName", "A"), "X-Forwarded-For", office));
    assertThat(api.post("/api/auth/signup", new JsonObject().put("email", newEmail()).put("password", PASSWORD)
        .put("companyName", "A"), "X-Forwarded-For", newAddress()).status()).isEqualTo(201);
  }
}
