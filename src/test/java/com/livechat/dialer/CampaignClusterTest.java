package com.livechat.dialer;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.Ports;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import com.livechat.voice.sim.Callee;
import com.livechat.voice.sim.FakeCarrier;
import com.livechat.voice.sim.OutboundCall;
import com.livechat.voice.sim.RestRequest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * One campaign dialled by two clustered nodes over more than a minute: never more dial requests in
 * any 60 s than callsPerMinute, never more calls at once than maxConcurrent, whichever node dials;
 * and a node that dies mid-campaign loses nothing: every contact ends in exactly one final state,
 * none in two calls at once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CampaignClusterTest {

  private static final String TOKEN = "cluster-campaign-token-0123456789";
  private static final String ACCOUNT = "AC" + "5".repeat(32);
  private static final int PER_MINUTE = 12;
  private static final int CONCURRENT = 3;
  private static final int CONTACTS = 20;

  private final List<LiveChatServer> nodes = new ArrayList<>();
  private Vertx client;
  private FakeCarrier carrier;

  @BeforeAll
  void start() throws Exception {
    int portA = Ports.free();
    String publicUrl = "http://localhost:" + portA;
    client = Vertx.vertx();
    carrier = new FakeCarrier(client, "http://127.0.0.1:" + portA, publicUrl, TOKEN, ACCOUNT);
    carrier.serveRest().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    List<JsonObject> configs = TestServer.clusterConfigs(TestDatabase.createDatabase(), 2);
    for (int i = 0; i < configs.size(); i++) {
      JsonObject config = configs.get(i);
      if (i == 0) {
        config.getJsonObject("http").put("port", portA);
      }
      // the balancer's address: every node builds the carrier's URLs from it
      config.getJsonObject("voice").put("publicUrl", publicUrl).getJsonObject("twilio").put("authToken", TOKEN)
          .put("accountSid", ACCOUNT).put("apiBaseUrl", carrier.restBaseUrl());
      config.getJsonObject("campaigns").put("dialerPollMs", 50).put("dialLeaseSeconds", 20);
      nodes.add(TestServer.start(config));
    }
  }

  @AfterAll
  void stop() {
    for (LiveChatServer node : nodes) {
      if (node != null) {
        node.close();
      }
    }
    carrier.close();
    client.close();
  }

  @Test
  void pacingAndConcurrencyHoldAcrossNodesAndADeadNodeLosesNothing() throws Exception {
    Api api = new Api(nodes.get(0).port());
    JsonObject s = api.signup("campaign-cluster@example.com");
    String jwt = s.getString("token");
    String tenantId = s.getJsonObject("tenant").getString("id");
    String assistantId = api.get("/api/widgets/" + tenantId + "/config", "Authorization",
        bearer(s.getJsonObject("tenant").getString("widgetToken"))).json().getJsonObject("config").getString("assistantId");
    JsonObject assistant = api.get("/api/assistants/" + assistantId, "Authorization", bearer(jwt)).json()
        .getJsonObject("assistant").put("phoneNumbers", new JsonArray().add("+14165553000"));
    assertThat(api.method("PUT", "/api/assistants/" + assistantId, assistant.encode(), "Authorization", bearer(jwt),
        "Content-Type", "application/json").status()).isEqualTo(200);
    JsonArray contacts = new JsonArray();
    List<String> phones = new ArrayList<>();
    for (int i = 0; i < CONTACTS; i++) {
      String phone = "+1415777" + (3000 + i);
      phones.add(phone);
      carrier.callee(phone, Callee.human("Hello?", "Thanks, bye."));
      contacts.add(new JsonObject().put("phone", phone).put("name", "C" + i));
    }
    Api.Response created = api.post("/api/campaigns", new JsonObject().put("name", "Cluster").put("assistantId",
            assistantId).put("fromNumber", "+14165553000").put("timezone", CampaignDialTest.dayZone())
        .put("callingHours", new JsonObject().put("start", "08:00").put("end", "21:00").put("days",
            new JsonArray().add("mon").add("tue").add("wed").add("thu").add("fri").add("sat").add("sun")))
        .put("pacing", new JsonObject().put("callsPerMinute", PER_MINUTE).put("maxConcurrent", CONCURRENT))
        .put("retry", new JsonObject().put("maxAttempts", 1).put("busyDelayMinutes", 1).put("noAnswerDelayMinutes", 1))
        .put("voicemail", "hangup"), "Authorization", bearer(jwt));
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    String id = created.json().getJsonObject("campaign").getString("id");
    assertThat(api.post("/api/campaigns/" + id + "/contacts", new JsonObject().put("contacts", contacts),
        "Authorization", bearer(jwt)).status()).isEqualTo(200);
    assertThat(api.post("/api/campaigns/" + id + "/start", new JsonObject(), "Authorization", bearer(jwt)).status())
        .isEqualTo(200);

    // the second node dies while the first minute's dials are going out
    long deadline = System.currentTimeMillis() + 20_000;
    while (carrier.restRequests().size() < 5 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    LiveChatServer dying = nodes.get(1);
    dying.clusterManager().getHazelcastInstance().getLifecycleService().terminate();
    dying.close();
    nodes.set(1, null);

    deadline = System.currentTimeMillis() + 150_000;
    JsonObject campaign = null;
    while (System.currentTimeMillis() < deadline) {
      campaign = api.get("/api/campaigns/" + id, "Authorization", bearer(jwt)).json().getJsonObject("campaign");
      if ("completed".equals(campaign.getString("status"))) {
        break;
      }
      Thread.sleep(200);
    }
    assertThat(campaign.getString("status")).as(String.valueOf(campaign)).isEqualTo("completed");
    assertThat(campaign.getJsonObject("counts").getInteger("completed")).isEqualTo(CONTACTS);

    // every number was called exactly once
    List<RestRequest> dials = carrier.restRequests().stream().filter(r -> phones.contains(r.to())).toList();
    Map<String, Integer> perNumber = new HashMap<>();
    dials.forEach(r -> perNumber.merge(r.to(), 1, Integer::sum));
    assertThat(perNumber).hasSize(CONTACTS).allSatisfy((phone, n) -> assertThat(n).as(phone).isEqualTo(1));
    // never more than callsPerMinute dial requests in any 60 s
    List<Long> times = dials.stream().map(RestRequest::timeNanos).sorted().toList();
    for (int i = 0; i + PER_MINUTE < times.size(); i++) {
      assertThat(times.get(i + PER_MINUTE) - times.get(i)).as("dial %d to %d", i, i + PER_MINUTE)
          .isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(60));
    }
    // never more than maxConcurrent calls at once (from the carrier's side)
    List<long[]> spans = new ArrayList<>();
    for (String phone : phones) {
      OutboundCall call = carrier.outboundCall(phone);
      spans.add(new long[] {call.acceptedNanos(), call.endedAtNanos()});
    }
    for (long[] span : spans) {
      long overlapping = spans.stream().filter(o -> o[0] <= span[0] && o[1] > span[0]).count();
      assertThat(overlapping).isLessThanOrEqualTo(CONCURRENT);
    }
  }
}
