package com.livechat.dashboard;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;

/** One node for the class, a freshly signed-up tenant for each test. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DashboardApiTest {

  protected LiveChatServer server;
  protected Api api;
  protected Dashboard dashboard;
  protected Dashboard.Tenant tenant;

  @BeforeAll
  void startServer() {
    server = TestServer.start();
    api = new Api(server.port());
    dashboard = new Dashboard(api);
  }

  @AfterAll
  void stopServer() {
    server.close();
  }

  @BeforeEach
  void newTenant() {
    tenant = dashboard.signup();
  }
}
