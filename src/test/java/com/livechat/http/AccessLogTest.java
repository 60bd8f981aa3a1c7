package com.livechat.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.livechat.config.AppConfig;
import com.livechat.error.AppError;
import com.livechat.support.Api;
import com.livechat.support.Wait;
import com.livechat.support.WsClient;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClientOptions;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

/**
 * The request id (X-Request-Id on every answer, in the access log and in the log of an unexpected
 * failure) and the access log, on an HTTP verticle with routes of the test's own: no node needed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessLogTest {

  private Vertx vertx;
  private final AtomicInteger port = new AtomicInteger();
  /** A verticle with log.access off. */
  private final AtomicInteger quietPort = new AtomicInteger();
  private Api api;
  private final ListAppender<ILoggingEvent> access = new ListAppender<>();
  private final ListAppender<ILoggingEvent> errors = new ListAppender<>();

  @BeforeAll
  void start() {
    vertx = Vertx.vertx();
    java.util.function.Function<io.vertx.ext.web.handler.BodyHandler, RouteGroup> routes = body -> router -> {
      router.get("/hello").handler(ctx -> ctx.response().end("hello"));
      router.post("/echo").handler(body).handler(ctx -> ctx.response().end(ctx.body().buffer()));
      router.get("/boom").handler(ctx -> {
        throw new IllegalStateException("a bug");
      });
      router.get("/ws").handler(ctx -> ctx.request().toWebSocket().onSuccess(ws -> {
        AccessLog.upgraded(ctx.request());
        ws.textMessageHandler(text -> ws.close());
      }));
    };
    AppConfig.Http http = new AppConfig.Http("127.0.0.1", 0, 1, 65536, List.of());
    vertx.deployVerticle(() -> new HttpVerticle(http, new AppConfig.Log(true), body -> List.of(routes.apply(body)), port, new InFlight()),
        new DeploymentOptions().setInstances(1)).await();
    api = new Api(port.get());
    vertx.deployVerticle(() -> new HttpVerticle(http, new AppConfig.Log(false), body -> List.of(routes.apply(body)),
        quietPort, new InFlight()), new DeploymentOptions().setInstances(1)).await();
    access.start();
    errors.start();
    ((Logger) LoggerFactory.getLogger(AccessLog.LOGGER)).addAppender(access);
    ((Logger) LoggerFactory.getLogger(AppError.class)).addAppender(errors);
  }

  @AfterAll
  void stop() {
    ((Logger) LoggerFactory.getLogger(AccessLog.LOGGER)).detachAppender(access);
    ((Logger) LoggerFactory.getLogger(AppError.class)).detachAppender(errors);
    vertx.close().await();
  }

  @BeforeEach
  void clear() {
    synchronized (access) {
      access.list.clear();
    }
    synchronized (errors) {
      errors.list.clear();
    }
  }

  /** The access line of the request with this id, waited for (it is written once the response ended). */
  private String accessLine(String requestId) {
    String[] found = new String[1];
    Wait.until("the access line of " + requestId, 10_000, () -> {
      synchronized (access) {
        for (ILoggingEvent e : List.copyOf(access.list)) {
          if (e.getFormattedMessage().endsWith(" " + requestId)) {
            found[0] = e.getFormattedMessage();
            return true;
          }
        }
      }
      return false;
    });
    return found[0];
  }

  @Test
  void aSaneIncomingIdIsKeptAndLoggedWithMethodPathStatusAndBytes() {
    Api.Response r = api.get("/hello", "X-Request-Id", "lb-7f3a.9_x");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("x-request-id")).isEqualTo("lb-7f3a.9_x");
    assertThat(accessLine("lb-7f3a.9_x")).matches("GET /hello 200 \\d+ms 5B lb-7f3a\\.9_x");
  }

  @Test
  void aRequestWithABodyIsLoggedWhenItsAnswerEnds() {
    Api.Response r = api.post("/echo", "{\"a\": 1}", "X-Request-Id", "post-1");
    assertThat(r.status()).isEqualTo(200);
    assertThat(accessLine("post-1")).matches("POST /echo 200 \\d+ms 8B post-1");
  }

  @Test
  void withTheAccessLogOffThereIsNoLineButStillAnId() {
    Api.Response quiet = new Api(quietPort.get()).get("/hello", "X-Request-Id", "quiet-1");
    assertThat(quiet.header("x-request-id")).isEqualTo("quiet-1");
    // a line of the logging verticle, asked after: the quiet one would have had its line by then
    api.get("/hello", "X-Request-Id", "loud-1");
    accessLine("loud-1");
    synchronized (access) {
      assertThat(access.list).noneMatch(e -> e.getFormattedMessage().contains("quiet-1"));
    }
  }

  @Test
  void anInsaneIdIsReplacedByOneOfOurs() {
    for (String bad : new String[] {"x".repeat(65), "has space", "semi;colon", ""}) {
      Api.Response r = api.get("/hello", "X-Request-Id", bad.isEmpty() ? " " : bad);
      String id = r.header("x-request-id");
      assertThat(id).isNotEqualTo(bad).matches("[A-Za-z0-9_-]{16}");
      assertThat(accessLine(id)).startsWith("GET /hello 200 ");
    }
    assertThat(api.get("/hello").header("x-request-id")).isNotEqualTo(api.get("/hello").header("x-request-id"));
  }

  @Test
  void secretQueryValuesNeverReachTheLog() {
    Api.Response r = api.get("/nowhere?token=wt_secret1&limit=5&apiKey=sk-secret2&X-Amz-Signature=abc"
        + "&password=hunter2&status=open");
    assertThat(r.status()).isEqualTo(404);
    String line = accessLine(r.header("x-request-id"));
    assertThat(line).startsWith("GET /nowhere?token=***&limit=5&apiKey=***&X-Amz-Signature=***&password=***"
        + "&status=open 404 ");
    assertThat(line).doesNotContain("secret1", "secret2", "hunter2", "abc");
  }

  @Test
  void anUnexpectedFailureIsLoggedWithTheRequestId() {
    Api.Response r = api.get("/boom", "X-Request-Id", "trace-500");
    assertThat(r.status()).isEqualTo(500);
    assertThat(r.header("x-request-id")).isEqualTo("trace-500");
    assertThat(r.json().getJsonObject("error").getString("code")).isEqualTo("internal_error");
    assertThat(accessLine("trace-500")).startsWith("GET /boom 500 ");
    synchronized (errors) {
      assertThat(errors.list).anySatisfy(e -> {
        assertThat(e.getMDCPropertyMap()).containsEntry(RequestIds.MDC_KEY, "trace-500");
        assertThat(e.getThrowableProxy().getMessage()).isEqualTo("a bug");
      });
    }
  }

  @Test
  void aRequestTheCodecRefusedCarriesAnIdToo() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port.get())) {
      OutputStream out = socket.getOutputStream();
      out.write(("GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      assertThat(answer).startsWith("HTTP/1.1 431").containsIgnoringCase("x-request-id: ");
      String id = answer.replaceAll("(?is).*x-request-id: ([A-Za-z0-9_-]+).*", "$1");
      assertThat(accessLine(id)).startsWith("GET /hello 431 ");
    }
  }

  @Test
  void aWebSocketIsLoggedOnceWhenAccepted() throws Exception {
    io.vertx.core.http.WebSocketConnectOptions connect = new io.vertx.core.http.WebSocketConnectOptions()
        .setHost("127.0.0.1").setPort(port.get()).setURI("/ws?token=wt_hidden").addHeader("X-Request-Id", "ws-1");
    try (WsClient ws = WsClient.connect(connect, new WebSocketClientOptions())) {
      ws.sendText("bye");
      ws.closeCode.get(10, java.util.concurrent.TimeUnit.SECONDS);
    }
    assertThat(accessLine("ws-1")).startsWith("GET /ws?token=*** 101 ");
    Thread.sleep(200);
    synchronized (access) {
      assertThat(access.list.stream().filter(e -> e.getFormattedMessage().endsWith(" ws-1"))).hasSize(1);
    }
  }
}
