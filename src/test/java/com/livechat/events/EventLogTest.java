package com.livechat.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.store.Ids;
import com.livechat.support.TestServer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** EventLog.appendAll: several events of one transaction in one statement, numbered in their order. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EventLogTest {

  private LiveChatServer server;
  private Pool pool;

  @BeforeAll
  void startServer() {
    server = TestServer.start();
    pool = server.wiring().pool();
  }

  @AfterAll
  void stopServer() {
    server.close();
  }

  private String newTenant() {
    String id = Ids.next("tnt");
    TestServer.sql(server, "INSERT INTO tenants (id, name, widget_config) VALUES ($1, 'Events', '{}')", id);
    return id;
  }

  private List<String> stored(String tenantId) {
    List<String> out = new ArrayList<>();
    for (Row r : TestServer.sql(server, "SELECT seq, type, data FROM tenant_events WHERE tenant_id = $1 ORDER BY seq",
        tenantId)) {
      out.add(r.getLong("seq") + " " + r.getString("type") + " " + r.getJsonObject("data").getInteger("n"));
    }
    return out;
  }

  @Test
  void appendAllNumbersTheEventsConsecutivelyInTheirOrderAfterEarlierOnes() {
    String tenant = newTenant();
    pool.withTransaction(tx -> EventLog.append(tx, tenant, "a:first", new JsonObject().put("n", 1))).await();

    List<TenantEvent> events = pool.withTransaction(tx -> EventLog.appendAll(tx, tenant,
        List.of("b:second", "c:third", "d:fourth"),
        List.of(new JsonObject().put("n", 2), new JsonObject().put("n", 3), new JsonObject().put("n", 4)))).await();

    assertThat(events).extracting(TenantEvent::seq).containsExactly(2L, 3L, 4L);
    assertThat(events).extracting(TenantEvent::type).containsExactly("b:second", "c:third", "d:fourth");
    assertThat(events).extracting(e -> e.data().getInteger("n")).containsExactly(2, 3, 4);
    assertThat(stored(tenant)).containsExactly("1 a:first 1", "2 b:second 2", "3 c:third 3", "4 d:fourth 4");
    assertThat(new EventLog(pool).lastSeq(tenant).await()).isEqualTo(4L);
  }

  @Test
  void appendAllOnATenantWithoutEventsStartsAtOne() {
    String tenant = newTenant();

    List<TenantEvent> events = pool.withTransaction(tx -> EventLog.appendAll(tx, tenant, List.of("x:one", "x:two"),
        List.of(new JsonObject().put("n", 1), new JsonObject().put("n", 2)))).await();

    assertThat(events).extracting(TenantEvent::seq).containsExactly(1L, 2L);
    assertThat(stored(tenant)).containsExactly("1 x:one 1", "2 x:two 2");
  }

  @Test
  void aRolledBackAppendAllLeavesNoGap() {
    String tenant = newTenant();
    try {
      pool.withTransaction(tx -> EventLog.appendAll(tx, tenant, List.of("x:one", "x:two"),
              List.of(new JsonObject().put("n", 1), new JsonObject().put("n", 2)))
          .compose(e -> io.vertx.core.Future.failedFuture(new IllegalStateException("roll back")))).await();
    } catch (IllegalStateException expected) {
      // the transaction rolled back
    }

    pool.withTransaction(tx -> EventLog.appendAll(tx, tenant, List.of("y:one", "y:two"),
        List.of(new JsonObject().put("n", 3), new JsonObject().put("n", 4)))).await();

    assertThat(stored(tenant)).containsExactly("1 y:one 3", "2 y:two 4");
  }
}
