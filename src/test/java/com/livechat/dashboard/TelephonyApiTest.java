package com.livechat.dashboard;

import static com.livechat.dashboard.Dashboard.assertError;
import static com.livechat.dashboard.Dashboard.assertSuccess;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import com.livechat.tenant.TelephonyAccount;
import com.livechat.tenant.TelephonyStore;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** GET, PUT and DELETE /api/tenant/telephony: a tenant's own carrier account over the server-wide one. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TelephonyApiTest {

  private static final String PATH = "/api/tenant/telephony";
  private static final String SERVER_SID = "AC" + "0".repeat(32);
  private static final String SID = "AC" + "0123456789abcdef".repeat(2);
  private static final String OTHER_SID = "AC" + "FEDCBA9876543210".repeat(2);
  private static final String TOKEN = "tok-3f9a1c77e2b54d0c8e6a";

  private LiveChatServer server;
  private Api api;
  private Dashboard dashboard;
  private Dashboard.Tenant tenant;

  @BeforeAll
  void startServer() {
    JsonObject config = TestServer.config(TestDatabase.createDatabase());
    config.getJsonObject("voice").getJsonObject("twilio").put("accountSid", SERVER_SID);
    server = TestServer.start(config);
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

  private static JsonObject account(String sid, String token, String apiBaseUrl) {
    JsonObject body = new JsonObject().put("accountSid", sid);
    if (token != null) {
      body.put("authToken", token);
    }
    return apiBaseUrl == null ? body : body.put("apiBaseUrl", apiBaseUrl);
  }

  private Api.Response put(Object body) {
    return dashboard.put(PATH, tenant.ownerJwt(), body);
  }

  private JsonObject telephony(Api.Response r) {
    assertThat(r.text()).doesNotContain(TOKEN);
    return assertSuccess(r, 200).getJsonObject("telephony");
  }

  private TelephonyStore store() {
    return server.wiring().telephony();
  }

  private static JsonObject serverView() {
    return new JsonObject().put("accountSid", SERVER_SID).put("authTokenSet", true)
        .put("apiBaseUrl", "https://api.twilio.com").put("source", "server");
  }

  @Test
  void withoutItsOwnAccountATenantSeesTheServerWideOne() {
    assertThat(telephony(dashboard.get(PATH, tenant.ownerJwt()))).isEqualTo(serverView());
    assertThat(store().account(tenant.id()).await()).isNull();
  }

  @Test
  void putStoresTheAccountAndNoAnswerEverShowsTheToken() {
    JsonObject expected = new JsonObject().put("accountSid", SID).put("authTokenSet", true)
        .put("apiBaseUrl", "https://carrier.example/twilio").put("source", "tenant");
    assertThat(telephony(put(account(SID, TOKEN, "https://carrier.example/twilio/")))).isEqualTo(expected);
    assertThat(telephony(dashboard.get(PATH, tenant.ownerJwt()))).isEqualTo(expected);
    // an admin may too
    String admin = dashboard.member(tenant.ownerJwt(), "admin");
    assertThat(telephony(dashboard.get(PATH, admin))).isEqualTo(expected);
    assertThat(telephony(dashboard.put(PATH, admin, account(SID, TOKEN, "https://carrier.example/twilio"))))
        .isEqualTo(expected);

    TelephonyAccount stored = store().account(tenant.id()).await();
    assertThat(stored).isEqualTo(new TelephonyAccount(SID, TOKEN, "https://carrier.example/twilio"));
    assertThat(stored.toString()).doesNotContain(TOKEN);
  }

  @Test
  void theStoredTokenIsEncryptedAndBoundToItsTenant() {
    telephony(put(account(SID, TOKEN, null)));
    var row = TestServer.sql(server, "SELECT account_sid, auth_token_enc FROM tenant_telephony WHERE tenant_id = $1",
        tenant.id()).iterator().next();
    assertThat(row.getString("account_sid")).isEqualTo(SID);
    byte[] sealed = row.getBuffer("auth_token_enc").getBytes();
    assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain(TOKEN).doesNotContain(TOKEN.substring(4));

    // the sealed token copied to another tenant's row does not open there
    Dashboard.Tenant other = dashboard.signup();
    TestServer.sql(server, "INSERT INTO tenant_telephony (tenant_id, account_sid, auth_token_enc) VALUES ($1, $2, $3)",
        other.id(), SID, Buffer.buffer(sealed));
    assertThatThrownBy(() -> store().account(other.id()).await()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("secrets.key").message().doesNotContain(TOKEN);
    assertThat(store().account(tenant.id()).await().authToken()).isEqualTo(TOKEN);
  }

  @Test
  void theFirstPutNeedsATokenALaterOneKeepsTheStoredToken() {
    assertError(put(account(SID, null, null)), 400, "invalid_auth_token");
    assertThat(telephony(dashboard.get(PATH, tenant.ownerJwt()))).isEqualTo(serverView());
    assertThat(TestServer.sql(server, "SELECT count(*) FROM tenant_telephony WHERE tenant_id = $1", tenant.id())
        .iterator().next().getLong(0)).isZero();

    telephony(put(account(SID, TOKEN, "https://carrier.example:9999")));
    JsonObject kept = telephony(put(account(OTHER_SID, null, null)));
    assertThat(kept).isEqualTo(new JsonObject().put("accountSid", OTHER_SID).put("authTokenSet", true)
        .put("apiBaseUrl", "https://api.twilio.com").put("source", "tenant"));
    // the token is kept; an absent apiBaseUrl is the server-wide one again
    assertThat(store().account(tenant.id()).await())
        .isEqualTo(new TelephonyAccount(OTHER_SID, TOKEN, "https://api.twilio.com"));

    telephony(put(account(OTHER_SID, TOKEN + "-new", null)));
    assertThat(store().account(tenant.id()).await().authToken()).isEqualTo(TOKEN + "-new");
  }

  @Test
  void deleteRemovesTheTenantsAccountAndAnswersTheServerWideOne() {
    telephony(put(account(SID, TOKEN, null)));
    assertThat(telephony(dashboard.delete(PATH, tenant.ownerJwt()))).isEqualTo(serverView());
    assertThat(telephony(dashboard.get(PATH, tenant.ownerJwt()))).isEqualTo(serverView());
    assertThat(store().account(tenant.id()).await()).isNull();
    // nothing to remove is no error
    assertThat(telephony(dashboard.delete(PATH, tenant.ownerJwt()))).isEqualTo(serverView());
    // and the token is needed again
    assertError(put(account(SID, null, null)), 400, "invalid_auth_token");
  }

  @Test
  void agentsMayNeitherReadNorChangeIt() {
    telephony(put(account(SID, TOKEN, null)));
    String agent = dashboard.member(tenant.ownerJwt(), "agent");
    assertError(dashboard.get(PATH, agent), 403, "forbidden");
    assertError(dashboard.put(PATH, agent, account(OTHER_SID, TOKEN, null)), 403, "forbidden");
    assertError(dashboard.delete(PATH, agent), 403, "forbidden");
    assertThat(store().account(tenant.id()).await().accountSid()).isEqualTo(SID);
    assertError(api.get(PATH), 401, "unauthorized");
  }

  @Test
  void eachTenantSeesOnlyItsOwnAccount() {
    Dashboard.Tenant other = dashboard.signup();
    telephony(put(account(SID, TOKEN, null)));
    assertThat(telephony(dashboard.get(PATH, other.ownerJwt()))).isEqualTo(serverView());
    assertThat(store().account(other.id()).await()).isNull();

    telephony(dashboard.put(PATH, other.ownerJwt(), account(OTHER_SID, "other-token-0123456789", null)));
    assertThat(store().account(other.id()).await().authToken()).isEqualTo("other-token-0123456789");
    assertThat(store().account(tenant.id()).await()).isEqualTo(new TelephonyAccount(SID, TOKEN, "https://api.twilio.com"));
    telephony(dashboard.delete(PATH, other.ownerJwt()));
    assertThat(telephony(dashboard.get(PATH, tenant.ownerJwt())).getString("accountSid")).isEqualTo(SID);
  }

  @Test
  void invalidFieldsAreRefusedAndWriteNothing() {
    telephony(put(account(SID, TOKEN, null)));
    List<Object[]> cases = List.of(
        new Object[] {new JsonObject().put("authToken", TOKEN), "invalid_account_sid"},
        new Object[] {account("AC123", TOKEN, null), "invalid_account_sid"},
        new Object[] {account("SK" + "0".repeat(32), TOKEN, null), "invalid_account_sid"},
        new Object[] {account("AC" + "g".repeat(32), TOKEN, null), "invalid_account_sid"},
        new Object[] {account(SID + "0", TOKEN, null), "invalid_account_sid"},
        new Object[] {new JsonObject().put("accountSid", 5).put("authToken", TOKEN), "invalid_account_sid"},
        new Object[] {account(OTHER_SID, "short-token", null), "invalid_auth_token"},
        new Object[] {account(OTHER_SID, "t".repeat(129), null), "invalid_auth_token"},
        new Object[] {account(OTHER_SID, "token with a space in it", null), "invalid_auth_token"},
        new Object[] {account(OTHER_SID, "token-with-a-newline\n", null), "invalid_auth_token"},
        new Object[] {account(OTHER_SID, "token-with-a-control\u0007char", null), "invalid_auth_token"},
        new Object[] {account(OTHER_SID, null, null).put("authToken", 1234567890123456789L), "invalid_auth_token"},
        new Object[] {account(OTHER_SID, TOKEN, "ftp://carrier.example"), "invalid_api_base_url"},
        new Object[] {account(OTHER_SID, TOKEN, "carrier.example"), "invalid_api_base_url"},
        new Object[] {account(OTHER_SID, TOKEN, "https://carrier.example/api?x=1"), "invalid_api_base_url"},
        new Object[] {account(OTHER_SID, TOKEN, "https://carrier.example/api#top"), "invalid_api_base_url"},
        new Object[] {account(OTHER_SID, TOKEN, "https://user:pass@carrier.example"), "invalid_api_base_url"},
        new Object[] {account(OTHER_SID, TOKEN, "https://carrier.example/" + "a".repeat(200)), "invalid_api_base_url"},
        new Object[] {account(OTHER_SID, TOKEN, "https://carrier example"), "invalid_api_base_url"},
        new Object[] {account(OTHER_SID, TOKEN, null).put("apiBaseUrl", 80), "invalid_api_base_url"},
        // the account's credentials go there: a public https server only (voice.twilio.allowPrivateApiBaseUrl off)
        new Object[] {account(OTHER_SID, TOKEN, "http://carrier.example"), "api_base_url_not_allowed"},
        new Object[] {account(OTHER_SID, TOKEN, "https://127.0.0.1:8443"), "api_base_url_not_allowed"},
        new Object[] {account(OTHER_SID, TOKEN, "https://10.1.2.3"), "api_base_url_not_allowed"},
        new Object[] {account(OTHER_SID, TOKEN, "https://169.254.169.254/latest"), "api_base_url_not_allowed"},
        new Object[] {account(OTHER_SID, TOKEN, "https://[::1]:8443"), "api_base_url_not_allowed"},
        new Object[] {account(OTHER_SID, TOKEN, "https://[::ffff:192.168.0.1]"), "api_base_url_not_allowed"},
        new Object[] {account(OTHER_SID, TOKEN, "https://localhost:8443"), "api_base_url_not_allowed"},
        new Object[] {account(OTHER_SID, TOKEN, null).put("authTokenSet", true), "invalid_field"},
        new Object[] {"{\"accountSid\": ", "invalid_json"},
        new Object[] {"[]", "invalid_json"});
    for (Object[] c : cases) {
      Api.Response r = put(c[0]);
      assertError(r, 400, (String) c[1]);
      assertThat(r.text()).as("the token is never echoed").doesNotContain(TOKEN).doesNotContain("short-token");
    }
    assertThat(store().account(tenant.id()).await()).isEqualTo(new TelephonyAccount(SID, TOKEN, "https://api.twilio.com"));
    // the limits themselves are allowed
    String longest = "https://carrier.example/" + "a".repeat(200 - "https://carrier.example/".length());
    assertThat(telephony(put(account(OTHER_SID, "t".repeat(16), longest))).getString("apiBaseUrl")).isEqualTo(longest);
    assertThat(telephony(put(account(OTHER_SID, "t".repeat(128), null))).getString("accountSid")).isEqualTo(OTHER_SID);
  }
}
