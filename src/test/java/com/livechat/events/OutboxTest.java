package com.livechat.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.livechat.LiveChatServer;
import com.livechat.bus.Addresses;
import com.livechat.store.Ids;
import com.livechat.support.TestServer;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** A transaction's events reach the log and the bus together, once, and only when it commits. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutboxTest {

  private LiveChatServer server;
  private Outbox outbox;

  @BeforeAll
  void startServer() {
    server = TestServer.start();
    outbox = new Outbox(server.wiring().pool(), server.vertx());
  }

  @AfterAll
  void stopServer() {
    server.close();
  }

  @Test
  void aCommittedTransactionAnnouncesAllItsEventsInOneMessageAndARolledBackOneNothing() throws Exception {
    String tenant = Ids.next("tnt");
    TestServer.sql(server, "INSERT INTO tenants (id, name, widget_config) VALUES ($1, 'Outbox', '{}')", tenant);
    List<JsonObject> batches = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> consumer = server.vertx().eventBus()
        .consumer(Addresses.tenantEvents(tenant), m -> batches.add(m.body()));
    consumer.completion().await();

    assertThatThrownBy(() -> outbox.inTransaction(tenant, (tx, events) -> {
      events.add("x:lost", new JsonObject().put("n", 0));
      return Future.failedFuture(new IllegalStateException("roll back"));
    }).await()).hasMessage("roll back");

    String value = outbox.<String>inTransaction(tenant, (tx, events) -> {
      events.add("x:first", new JsonObject().put("n", 1));
      events.latest("x:latest", new JsonObject().put("n", 2));
      events.add("x:second", new JsonObject().put("n", 3));
      events.latest("x:latest", new JsonObject().put("n", 4));
      return Future.succeededFuture("done");
    }).await();
    assertThat(value).isEqualTo("done");

    long deadline = System.currentTimeMillis() + 5_000;
    while (batches.isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    // a later, empty transaction announces nothing; by the time it is done the bus has delivered
    outbox.inTransaction(tenant, (tx, events) -> Future.succeededFuture()).await();
    Thread.sleep(100);
    consumer.unregister().await();

    assertThat(batches).hasSize(1);
    JsonObject batch = batches.get(0);
    assertThat(batch.getString("tenantId")).isEqualTo(tenant);
    assertThat(batch.getJsonArray("events").stream().map(e -> ((JsonObject) e).getString("type")
        + "@" + ((JsonObject) e).getLong("seq") + "=" + ((JsonObject) e).getJsonObject("data").getInteger("n")))
        .as("plain events in order, then the latest state of a repeated one; the rolled-back one took no seq")
        .containsExactly("x:first@1=1", "x:second@2=3", "x:latest@3=4");
    assertThat(new EventLog(server.wiring().pool()).lastSeq(tenant).await()).isEqualTo(3L);
  }
}
