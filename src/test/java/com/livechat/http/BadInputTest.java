package com.livechat.http;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Input that used to reach a 500 or an answer without the JSON error shape: NUL and bad escapes in
 * the path or the query, a well-signed JWT with claims of the wrong type, and requests the HTTP
 * codec refuses (too long a line, too large headers, a malformed request line).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {

  private LiveChatServer server;
  private Api api;
  private String jwt;

  @BeforeAll
  void start() {
    server = TestServer.start();
    api = new Api(server.port());
    jwt = api.signup("bad-input-" + System.nanoTime() + "@example.com").getString("token");
  }

  @AfterAll
  void stop() {
    server.close();
  }

  private static void assertJsonError(int status, String body, int expectedStatus, String code) {
    assertThat(status).as(body).isEqualTo(expectedStatus);
    JsonObject error = new JsonObject(body);
    assertThat(error.getBoolean("success")).isFalse();
    assertThat(error.getJsonObject("error").getString("code")).isEqualTo(code);
  }

  @Test
  void nulAndBadEscapesInThePathOrTheQueryAreA400() throws Exception {
    String[] uris = {
        "/api/conversations/conv-%00abc",
        "/api/conversations/conv-abc%00/messages",
        "/api/conversations/%ZZ",
        "/api/conversations/conv-%4",
        "/api/conversations?cursor=%ZZ",
        "/api/conversations?status=%00",
        "/api/widgets/tnt-%00/config"};
    for (String uri : uris) {
      // sent as they are: an HTTP client library refuses to send most of them
      String answer = raw("GET " + uri + " HTTP/1.1\r\nHost: x\r\nAuthorization: " + bearer(jwt)
          + "\r\nConnection: close\r\n\r\n");
      assertRawJsonError(answer, 400, "invalid_uri");
    }
    // an escaped id that is merely unknown is still a 404
    Api.Response unknown = api.get("/api/conversations/conv-%41bc", "Authorization", bearer(jwt));
    assertJsonError(unknown.status(), unknown.text(), 404, "conversation_not_found");
  }

  @Test
  void aWellSignedJwtWithClaimsOfTheWrongTypeIs401() throws Exception {
    String secret = "test-secret-of-at-least-32-characters!";
    String[] payloads = {
        "{\"sub\":\"usr-1\",\"tenantId\":\"tnt-1\",\"role\":\"owner\",\"exp\":\"tomorrow\",\"iat\":1}",
        "{\"sub\":7,\"tenantId\":\"tnt-1\",\"role\":\"owner\",\"exp\":4102444800,\"iat\":1}",
        "{\"sub\":\"usr-1\",\"tenantId\":[1],\"role\":{},\"exp\":4102444800,\"iat\":\"x\"}",
        // ids no token of this server holds: a NUL (PostgreSQL refuses it in text: it was a 500), 5,000 characters
        "{\"sub\":\"usr-\\u0000\",\"tenantId\":\"tnt-1\",\"role\":\"owner\",\"exp\":4102444800,\"iat\":1}",
        "{\"sub\":\"usr-1\",\"tenantId\":\"" + "t".repeat(5_000) + "\",\"role\":\"owner\",\"exp\":4102444800,\"iat\":1}"};
    for (String payload : payloads) {
      Api.Response r = api.get("/api/tenant", "Authorization", bearer(signed(payload)));
      assertJsonError(r.status(), r.text(), 401, "unauthorized");
    }
    String nulSub = signed("{\"sub\":\"usr-\\u0000\",\"tenantId\":\"tnt-1\",\"role\":\"owner\",\"exp\":4102444800}");
    Api.Response reply = api.post("/api/conversations/conv-1/messages", new JsonObject().put("content", "hi"),
        "Authorization", bearer(nulSub));
    assertJsonError(reply.status(), reply.text(), 401, "unauthorized");
  }

  /** A token signed with the test server's secret (TestServer.config), whatever its claims. */
  private static String signed(String payload) throws Exception {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String unsigned = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8))
        + "." + b64.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec("test-secret-of-at-least-32-characters!".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return unsigned + "." + b64.encodeToString(mac.doFinal(unsigned.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void aWellSignedJwtOfATenantNotInTheDatabaseIs404TenantNotFound() throws Exception {
    // (a database reset while a browser kept its token) these two inserts failed on the tenant's foreign key: a 500
    String token = signed("{\"sub\":\"usr-gone\",\"tenantId\":\"tnt-gone\",\"role\":\"owner\",\"exp\":4102444800}");
    Api.Response webhook = api.post("/api/webhooks", new JsonObject().put("url", "https://93.184.216.34/hooks"),
        "Authorization", bearer(token));
    assertJsonError(webhook.status(), webhook.text(), 404, "tenant_not_found");
    Api.Response dnc = api.post("/api/dnc", new JsonObject().put("phone", "+16475550199"), "Authorization", bearer(token));
    assertJsonError(dnc.status(), dnc.text(), 404, "tenant_not_found");
  }

  @Test
  void aCursorWhoseIdHoldsANulIs400() {
    for (String position : new String[] {"1:\u0000", "1:conv-\u0000x", "1:a\nb"}) {
      String cursor = Base64.getUrlEncoder().withoutPadding().encodeToString(position.getBytes(StandardCharsets.UTF_8));
      for (String list : new String[] {"/api/conversations", "/api/assistants", "/api/users", "/api/dnc"}) {
        Api.Response r = api.get(list + "?cursor=" + cursor, "Authorization", bearer(jwt));
        assertJsonError(r.status(), r.text(), 400, "invalid_cursor");
      }
    }
  }

  @Test
  void aFormBodyTheFormDecoderRefusesIsA400() throws Exception {
    // refused while the body is read, before the carrier's signature is checked: these were 500s
    String[][] cases = {{"CallSid=%ZZ", "invalid_form"}, {"=&=&", "invalid_form"}, {"=x", "invalid_form"},
        {"p=1&".repeat(2_000), "too_many_parameters"}};
    for (String[] c : cases) {
      Api.Response r = api.method("POST", "/api/voice/twilio/status", c[0], "Content-Type",
          "application/x-www-form-urlencoded");
      assertJsonError(r.status(), r.text(), 400, c[1]);
    }
  }

  @Test
  void anH2cUpgradeGetsTheRouteAnswerNotTheCodecsBare400() throws Exception {
    String answer = raw("GET /api/ws/tenant HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings"
        + "\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\nConnection: close\r\n\r\n");
    assertRawJsonError(answer, 400, "websocket_upgrade_required");
    String tenant = raw("GET /api/tenant HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings"
        + "\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\nAuthorization: " + bearer(jwt) + "\r\nConnection: close\r\n\r\n");
    assertThat(tenant).startsWith("HTTP/1.1 200 ");
  }

  /** Sends raw bytes and reads the whole answer (the server closes the connection after it). */
  private String raw(String request) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      in.transferTo(answer);
      return answer.toString(StandardCharsets.UTF_8);
    }
  }

  private static void assertRawJsonError(String answer, int status, String code) {
    // (a request line the codec could not read has no version: the answer is HTTP/1.0)
    assertThat(answer).as(answer).matches("(?s)HTTP/1\\.[01] " + status + " .*");
    assertThat(answer.toLowerCase()).contains("content-type: application/json");
    String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
    assertJsonError(status, body, status, code);
  }

  @Test
  void requestsTheHttpCodecRefusesGetTheJsonErrorShape() throws Exception {
    assertRawJsonError(raw("GET /api/tenant?x=" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n"), 414,
        "uri_too_long");
    assertRawJsonError(raw("GET /api/tenant HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n"), 431,
        "headers_too_large");
    assertRawJsonError(raw("POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n"), 400,
        "bad_request");
  }
}
