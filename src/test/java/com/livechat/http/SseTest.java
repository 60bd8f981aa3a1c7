package com.livechat.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Server-Sent Events writer: headers with the first event, the exact framing, the heartbeat. */
class SseTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  void eventsAreFramedExactlyAndIdleStretchesGetACommentHeartbeat() {
    HttpServer server = vertx.createHttpServer().requestHandler(request -> {
      Sse sse = new Sse(vertx, request.response(), 100);
      assertThat(sse.started()).isFalse();
      sse.event("delta", new JsonObject().put("delta", "Hel\nlo \"x\""));
      // quiet for a while: heartbeats go out meanwhile
      vertx.setTimer(350, t -> sse.end("done", new JsonObject().put("success", true)));
    }).listen(0, "127.0.0.1").await();

    HttpClientResponse[] response = new HttpClientResponse[1];
    // the whole chain is built on the event loop, so the body handler is in place before any chunk
    // arrives (built from the test thread, it could be registered after the first chunk went by)
    Promise<String> received = Promise.promise();
    HttpClient client = vertx.createHttpClient();
    vertx.runOnContext(v -> client
        .request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/")
        .compose(HttpClientRequest::send)
        .compose(r -> {
          response[0] = r;
          return r.body();
        })
        .map(Buffer::toString)
        .onComplete(received));
    String body = received.future().await();
    assertThat(response[0].statusCode()).isEqualTo(200);
    assertThat(response[0].getHeader("Content-Type")).isEqualTo("text/event-stream; charset=utf-8");
    assertThat(response[0].getHeader("X-Accel-Buffering")).isEqualTo("no");
    assertThat(response[0].getHeader("Cache-Control")).isEqualTo("no-cache");
    String first = "event: delta\ndata: {\"delta\":\"Hel\\nlo \\\"x\\\"\"}\n\n";
    String last = "event: done\ndata: {\"success\":true}\n\n";
    assertThat(body).startsWith(first).endsWith(last);
    String between = body.substring(first.length(), body.length() - last.length());
    // beats every 100 ms for 350 ms: how many depends on the machine's load (the first timer due
    // runs first, so there is one at least); nothing else comes between the two events
    assertThat(between).matches("(: keep-alive\n\n)+");
  }
}
