package com.livechat.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.TestServer;
import com.livechat.support.WsClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * TenantHub.closeAll: every socket of the node closed with one code, as a graceful shutdown does
 * with 1001 going away so that clients reconnect elsewhere and resume.
 */
class CloseAllTest {

  private record Tenant(String id, String jwt, String widgetToken) {}

  private static Tenant signup(LiveChatServer server, String email) {
    JsonObject s = new Api(server.port()).signup(email);
    return new Tenant(s.getJsonObject("tenant").getString("id"), s.getString("token"),
        s.getJsonObject("tenant").getString("widgetToken"));
  }

  @Test
  void closeAllClosesEveryAuthenticatedSocketWithTheCodeAndTheHubGoesOn() {
    LiveChatServer server = TestServer.start();
    try {
      Tenant a = signup(server, "close-all-a@example.com");
      Tenant b = signup(server, "close-all-b@example.com");
      WsClient dashboardA = WsClient.authenticated(server.port(), a.jwt(), null);
      WsClient dashboardB = WsClient.authenticated(server.port(), b.jwt(), null);
      WsClient visitorA = WsClient.visitor(server.port(), a.id(), a.widgetToken(), "sess-1", null);

      int closed = server.wiring().hub().closeAll((short) 1012, "service restart").await();

      assertThat(closed).isEqualTo(3);
      for (WsClient socket : new WsClient[] {dashboardA, dashboardB, visitorA}) {
        assertThat(socket.awaitClose(5)).isEqualTo((short) 1012);
        assertThat(socket.closeReason).isEqualTo("service restart");
        socket.close();
      }
      // the node keeps taking sockets: a client that reconnects here is let in again
      try (WsClient again = WsClient.authenticated(server.port(), a.jwt(), null)) {
        assertThat(server.wiring().hub().closeAll((short) 4000, "test").await()).isEqualTo(1);
        assertThat(again.awaitClose(5)).isEqualTo((short) 4000);
      }
      // a socket the server just closed leaves the hub when its close completes, a moment later
      int left = -1;
      for (int i = 0; i < 50 && left != 0; i++) {
        left = server.wiring().hub().closeAll((short) 1012, "service restart").await();
        if (left != 0) {
          Thread.sleep(100);
        }
      }
      assertThat(left).isZero();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } finally {
      server.close();
    }
  }

  @Test
  void aGracefulShutdownClosesTheSocketsWith1001GoingAway() {
    LiveChatServer server = TestServer.start();
    WsClient dashboard;
    WsClient visitor;
    try {
      Tenant t = signup(server, "shutdown@example.com");
      dashboard = WsClient.authenticated(server.port(), t.jwt(), null);
      visitor = WsClient.visitor(server.port(), t.id(), t.widgetToken(), "sess-1", null);
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    long started = System.nanoTime();
    server.close();
    assertThat((System.nanoTime() - started) / 1_000_000).as("shutdown ms").isLessThan(15_000);
    assertThat(dashboard.awaitClose(5)).isEqualTo((short) 1001);
    assertThat(dashboard.closeReason).isEqualTo("going away");
    assertThat(visitor.awaitClose(5)).isEqualTo((short) 1001);
    dashboard.close();
    visitor.close();
  }
}
