package com.livechat.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.livechat.error.AppError;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** With webhooks.allowPrivateTargets off: refused when saved, and no request leaves at delivery time. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhookTargetsTest {

  private Vertx vertx;
  private HttpServer receiver;
  private int port;
  private final AtomicInteger hits = new AtomicInteger();

  @BeforeAll
  void start() {
    vertx = Vertx.vertx();
    receiver = vertx.createHttpServer().requestHandler(req -> {
      hits.incrementAndGet();
      req.response().setStatusCode(204).end();
    });
    port = receiver.listen(0, "127.0.0.1").await().actualPort();
  }

  @AfterAll
  void stop() {
    receiver.close().await();
    vertx.close().await();
  }

  @Test
  void privateAndPlainHttpUrlsAreRefusedWhenSaved() {
    for (String url : List.of("http://example.com/hook", "https://127.0.0.1/hook", "https://10.0.0.8/hook",
        "https://192.168.1.20:8443/hook", "https://172.16.0.1/hook", "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/hook", "https://[::1]/hook", "https://[fd00::1]/hook", "https://[fe80::1]/hook",
        "https://[::ffff:127.0.0.1]/hook", "https://localhost/hook")) {
      assertThatThrownBy(() -> WebhookInput.create(new JsonObject().put("url", url), false)).as(url)
          .isInstanceOfSatisfying(AppError.class, e -> assertThat(e.code()).isEqualTo("webhook_url_not_allowed"));
    }
    assertThat(WebhookInput.create(new JsonObject().put("url", "https://crm.example.com/hooks"), false).url())
        .isEqualTo("https://crm.example.com/hooks");
    // the development setting lifts it
    assertThat(WebhookInput.create(new JsonObject().put("url", "http://127.0.0.1:9000/x"), true).url())
        .isEqualTo("http://127.0.0.1:9000/x");
  }

  @Test
  void aDeliveryToAnAddressThatIsNotPublicNeverLeaves() {
    Sender sender = new Sender(vertx, false, 2000, 4);
    try {
      for (String url : List.of("http://127.0.0.1:" + port + "/x", "https://127.0.0.1:" + port + "/x",
          "https://[::ffff:127.0.0.1]:" + port + "/x")) {
        Sender.Outcome outcome = sender.send(url, "{}", MultiMap.caseInsensitiveMultiMap()).await();
        assertThat(outcome.status()).as(url).isNull();
        assertThat(outcome.error()).as(url).startsWith("address not allowed");
      }
      assertThat(hits.get()).isZero();
      // with the setting on, the same request goes
      Sender open = new Sender(vertx, true, 2000, 4);
      assertThat(open.send("http://127.0.0.1:" + port + "/x", "{}", MultiMap.caseInsensitiveMultiMap()).await()
          .status()).isEqualTo(204);
      open.close();
      assertThat(hits.get()).isEqualTo(1);
    } finally {
      sender.close();
    }
  }
}
