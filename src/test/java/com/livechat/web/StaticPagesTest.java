package com.livechat.web;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The web pages of shared/API.md Part 7 (GET /, /dashboard/, /widget.js, /demo), over real HTTP. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StaticPagesTest {

  private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; "
      + "img-src 'self' data: https: http:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; "
      + "form-action 'self'";
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private LiveChatServer server;
  private Api api;

  @BeforeAll
  void startServer() {
    server = TestServer.start();
    api = new Api(server.port());
  }

  @AfterAll
  void stopServer() {
    server.close();
  }

  private record Raw(int status, java.net.http.HttpHeaders headers, byte[] body) {
    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }
  }

  /** The bytes as they came (java.net.http neither asks for nor undoes gzip by itself). */
  private Raw raw(String method, String path, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(30)).method(method, HttpRequest.BodyPublishers.noBody());
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    try {
      HttpResponse<byte[]> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Raw(r.statusCode(), r.headers(), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static byte[] classpath(String name) {
    try (InputStream in = StaticPagesTest.class.getClassLoader().getResourceAsStream(name)) {
      assertThat(in).as(name).isNotNull();
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] gunzip(byte[] bytes) {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void assertJsonNotFound(Api.Response r) {
    assertThat(r.status()).as(r.text()).isEqualTo(404);
    assertThat(r.header("content-type")).startsWith("application/json");
    assertThat(r.json().getBoolean("success")).isFalse();
    assertThat(r.errorCode()).isEqualTo("not_found");
  }

  private static void assertPageHeaders(Raw r) {
    assertThat(r.header("content-security-policy")).isEqualTo(CSP);
    assertThat(r.header("x-content-type-options")).isEqualTo("nosniff");
    assertThat(r.header("referrer-policy")).isEqualTo("no-referrer");
    assertThat(r.header("cache-control")).isEqualTo("no-cache");
    assertThat(r.header("etag")).matches("\"[0-9a-f]{32}(-gzip)?\"");
  }

  // ---- redirects ----------------------------------------------------------------------------

  @Test
  void theRootSendsTheBrowserToTheDashboard() {
    Api.Response r = api.get("/");
    assertThat(r.status()).isEqualTo(302);
    assertThat(r.header("location")).isEqualTo("/dashboard/");
  }

  @Test
  void theDashboardWithoutItsSlashRedirectsKeepingTheQuery() {
    Api.Response r = api.get("/dashboard");
    assertThat(r.status()).isEqualTo(301);
    assertThat(r.header("location")).isEqualTo("/dashboard/");
    assertThat(api.get("/dashboard?lang=fr").header("location")).isEqualTo("/dashboard/?lang=fr");
  }

  // ---- the dashboard ------------------------------------------------------------------------

  @Test
  void theDashboardIsItsIndexPageWithThePagePolicy() {
    Raw r = raw("GET", "/dashboard/");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("content-type")).isEqualTo("text/html; charset=utf-8");
    assertPageHeaders(r);
    assertThat(r.header("x-frame-options")).isEqualTo("DENY");
    assertThat(r.body()).isEqualTo(classpath("webroot/dashboard/index.html"));
    assertThat(r.header("content-encoding")).isNull();
  }

  @Test
  void theDashboardsModulesAreServedAsJavaScriptAndRevalidatedByEtag() {
    Raw r = raw("GET", "/dashboard/app.js");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("content-type")).isEqualTo("application/javascript; charset=utf-8");
    assertPageHeaders(r);
    assertThat(r.body()).isEqualTo(classpath("webroot/dashboard/app.js"));

    Raw again = raw("GET", "/dashboard/app.js", "If-None-Match", r.header("etag"));
    assertThat(again.status()).isEqualTo(304);
    assertThat(again.body()).isEmpty();
    assertThat(again.header("etag")).isEqualTo(r.header("etag"));
    assertThat(raw("GET", "/dashboard/app.js", "If-None-Match", "\"0000\"").status()).isEqualTo(200);
  }

  @Test
  void unknownFilesAndPathsOutsideTheWebRootAreTheJson404() {
    assertJsonNotFound(api.get("/dashboard/nope.js"));
    assertJsonNotFound(api.get("/dashboard/views/"));
    assertJsonNotFound(api.get("/dashboard/../pom.xml"));
    assertJsonNotFound(api.get("/dashboard/%2e%2e/%2e%2e/conf/config.json"));
    assertJsonNotFound(api.get("/dashboard/..%2f..%2fconf/config.json"));
    assertJsonNotFound(api.get("/dashboard/" + "a".repeat(600)));
    assertJsonNotFound(api.get("/demo/nope.css"));
    assertJsonNotFound(api.get("/webroot/widget.js"));
    assertJsonNotFound(api.get("/db/migration/V1__init.sql"));
  }

  @Test
  void otherMethodsThanGetAndHeadAre405() {
    Api.Response r = api.method("POST", "/dashboard/", "{}");
    assertThat(r.status()).isEqualTo(405);
    assertThat(r.errorCode()).isEqualTo("method_not_allowed");
  }

  // ---- the widget script --------------------------------------------------------------------

  @Test
  void theWidgetScriptIsPublicCachedFiveMinutesAndRevalidatedByItsContentHash() {
    Raw r = raw("GET", "/widget.js");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("content-type")).isEqualTo("application/javascript; charset=utf-8");
    assertThat(r.header("cache-control")).isEqualTo("public, max-age=300");
    assertThat(r.header("access-control-allow-origin")).isEqualTo("*");
    assertThat(r.header("x-content-type-options")).isEqualTo("nosniff");
    assertThat(r.header("vary")).isEqualToIgnoringCase("accept-encoding");
    byte[] content = classpath("webroot/widget.js");
    assertThat(r.body()).isEqualTo(content);
    assertThat(r.header("etag")).isEqualTo(WebAssets.asset("widget.js", content).etag());

    Raw notModified = raw("GET", "/widget.js", "If-None-Match", r.header("etag"));
    assertThat(notModified.status()).isEqualTo(304);
    assertThat(notModified.body()).isEmpty();
    assertThat(notModified.header("cache-control")).isEqualTo("public, max-age=300");
    assertThat(raw("GET", "/widget.js", "If-None-Match", "W/" + r.header("etag") + ", \"x\"").status()).isEqualTo(304);
    assertThat(raw("GET", "/widget.js", "If-None-Match", "*").status()).isEqualTo(304);
  }

  @Test
  void theWidgetScriptIsGzippedForClientsThatTakeGzip() {
    byte[] content = classpath("webroot/widget.js");
    Raw gz = raw("GET", "/widget.js", "Accept-Encoding", "br, gzip;q=0.8");
    assertThat(gz.status()).isEqualTo(200);
    assertThat(gz.header("content-encoding")).isEqualTo("gzip");
    assertThat(gz.body().length).isLessThan(content.length);
    assertThat(gunzip(gz.body())).isEqualTo(content);
    // another representation: another ETag, and either revalidates
    Raw identity = raw("GET", "/widget.js");
    assertThat(gz.header("etag")).isNotEqualTo(identity.header("etag"));
    assertThat(raw("GET", "/widget.js", "Accept-Encoding", "gzip", "If-None-Match", gz.header("etag")).status())
        .isEqualTo(304);
    assertThat(raw("GET", "/widget.js", "Accept-Encoding", "gzip", "If-None-Match", identity.header("etag")).status())
        .isEqualTo(304);

    assertThat(raw("GET", "/widget.js", "Accept-Encoding", "gzip;q=0").header("content-encoding")).isNull();
    assertThat(raw("GET", "/widget.js", "Accept-Encoding", "br").header("content-encoding")).isNull();
    assertThat(raw("GET", "/widget.js", "Accept-Encoding", "*").header("content-encoding")).isEqualTo("gzip");
  }

  @Test
  void headAnswersTheHeadersAndLengthWithoutTheBody() {
    Raw head = raw("HEAD", "/widget.js", "Accept-Encoding", "gzip");
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(head.header("content-encoding")).isEqualTo("gzip");
    long gzipLength = raw("GET", "/widget.js", "Accept-Encoding", "gzip").body().length;
    assertThat(head.header("content-length")).isEqualTo(String.valueOf(gzipLength));
    assertThat(raw("HEAD", "/dashboard/").status()).isEqualTo(200);
  }

  @Test
  void onlyTheWebFilesAreCompressedNeverTheApiOrTheChatStream() {
    JsonObject signup = api.signup("static@pages.test");
    String widgetId = signup.getJsonObject("tenant").getString("id");
    String auth = bearer(signup.getJsonObject("tenant").getString("widgetToken"));
    Raw config = raw("GET", "/api/widgets/" + widgetId + "/config", "Authorization", auth, "Accept-Encoding", "gzip");
    assertThat(config.status()).isEqualTo(200);
    assertThat(config.header("content-encoding")).isNull();

    HttpRequest chat = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/widgets/"
            + widgetId + "/chat"))
        .header("Authorization", auth).header("Accept", "text/event-stream").header("Accept-Encoding", "gzip")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("sessionId", "s1").put("message", "Hello")
            .encode()))
        .build();
    try {
      HttpResponse<String> r = CLIENT.send(chat, HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
      assertThat(r.headers().firstValue("content-encoding")).isEmpty();
      assertThat(r.body()).contains("event: done");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- the demo page ------------------------------------------------------------------------

  @Test
  void theDemoPageIsServedWithThePagePolicyWhateverItsQuery() {
    Raw page = raw("GET", "/demo?widgetId=tnt-abc&token=wt_xyz");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.header("content-type")).isEqualTo("text/html; charset=utf-8");
    assertPageHeaders(page);
    assertThat(page.body()).isEqualTo(classpath("webroot/demo/index.html"));
    assertThat(raw("GET", "/demo/").body()).isEqualTo(page.body());

    Raw script = raw("GET", "/demo/demo.js");
    assertThat(script.status()).isEqualTo(200);
    assertThat(script.header("content-type")).isEqualTo("application/javascript; charset=utf-8");
    assertThat(script.body()).isEqualTo(classpath("webroot/demo/demo.js"));
  }

  // ---- pieces -------------------------------------------------------------------------------

  @Test
  void acceptEncodingIsReadWithItsQualities() {
    assertThat(StaticPages.acceptsGzip(null)).isFalse();
    assertThat(StaticPages.acceptsGzip("")).isFalse();
    assertThat(StaticPages.acceptsGzip("gzip")).isTrue();
    assertThat(StaticPages.acceptsGzip("deflate, GZIP ;q=0.5")).isTrue();
    assertThat(StaticPages.acceptsGzip("gzip;q=0")).isFalse();
    assertThat(StaticPages.acceptsGzip("gzip;q=0, *")).isFalse();
    assertThat(StaticPages.acceptsGzip("*;q=0.1")).isTrue();
    assertThat(StaticPages.acceptsGzip("gzip;q=nonsense")).isFalse();
    assertThat(StaticPages.acceptsGzip("identity")).isFalse();
  }
}
