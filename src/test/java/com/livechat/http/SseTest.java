package com.livechat.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
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
    // the body is asked for as the response arrives, so that no chunk comes before its handler
    String body = vertx.createHttpClient()
        .request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/").compose(r -> r.send())
        .compose(r -> {
          response[0] = r;
          return r.body();
        })
        .map(Buffer::toString).await();
    assertThat(response[0].statusCode()).isEqualTo(200);
    assertThat(response[0].getHeader("Content-Type")).isEqualTo("text/event-stream; charset=utf-8");
    assertThat(response[0].getHeader("X-Accel-Buffering")).isEqualTo("no");
    assertThat(response[0].getHeader("Cache-Control")).isEqualTo("no-cache");
    String first = "event: delta\ndata: {\"delta\":\"Hel\\nlo \\\"x\\\"\"}\n\n";
    String last = "event: done\ndata: {\"success\":true}\n\n";
    assertThat(body).startsWith(first).endsWith(last);
    String between = body.substring(first.length(), body.length() - last.length());
    // three beats in 350 ms at 100 ms apart (two at least on a busy machine), nothing else
    assertThat(between).matches("(: keep-alive\n\n){2,3}");
  }
}
