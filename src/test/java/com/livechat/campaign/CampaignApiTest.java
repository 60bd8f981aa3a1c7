package com.livechat.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** /api/campaigns… and /api/dnc (shared/API.md Part 5), over real HTTP against one node. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CampaignApiTest {

  private static final String PASSWORD = "correct horse battery";
  private static final AtomicInteger SEQ = new AtomicInteger();
  private static final AtomicLong NUMBER = new AtomicLong(16475550000L);

  private LiveChatServer server;
  private Api api;
  /** This test's tenant: its owner's JWT, and an assistant with a phone number. */
  private String tenantId;
  private String owner;
  private String assistantId;
  private String fromNumber;

  @BeforeAll
  void startServer() {
    // the API alone: the dialer, which would claim the jobs these tests count, looks only once a minute
    JsonObject config = TestServer.config(com.livechat.support.TestDatabase.createDatabase());
    config.getJsonObject("campaigns").put("dialerPollMs", 60_000);
    server = TestServer.start(config);
    api = new Api(server.port());
  }

  @AfterAll
  void stopServer() {
    server.close();
  }

  @BeforeEach
  void newTenant() {
    JsonObject signup = api.signup(email("owner"));
    tenantId = signup.getJsonObject("tenant").getString("id");
    owner = signup.getString("token");
    fromNumber = "+" + NUMBER.incrementAndGet();
    assistantId = assistant(owner, fromNumber);
  }

  // ---- create, read

  @Test
  void createAnswers201WithADraftWithDefaultsAndZeroCounts() {
    JsonObject campaign = created(minimal());
    assertThat(campaign.getString("id")).startsWith("cmp-");
    assertThat(campaign.getString("status")).isEqualTo("draft");
    assertThat(campaign.getString("name")).isEqualTo("Spring promo");
    assertThat(campaign.getString("assistantId")).isEqualTo(assistantId);
    assertThat(campaign.getString("fromNumber")).isEqualTo(fromNumber);
    assertThat(campaign.getString("timezone")).isEqualTo("America/Toronto");
    assertThat(campaign.getJsonObject("callingHours")).isEqualTo(new JsonObject().put("start", "09:00")
        .put("end", "20:00").put("days", new JsonArray().add("mon").add("tue").add("wed").add("thu").add("fri")));
    assertThat(campaign.getJsonObject("pacing")).isEqualTo(new JsonObject().put("callsPerMinute", 10)
        .put("maxConcurrent", 5));
    assertThat(campaign.getJsonObject("retry")).isEqualTo(new JsonObject().put("maxAttempts", 3)
        .put("busyDelayMinutes", 10).put("noAnswerDelayMinutes", 60));
    assertThat(campaign.getString("voicemail")).isEqualTo("hangup");
    assertThat(campaign.getValue("voicemailMessage")).isNull();
    assertThat(campaign.getValue("startAt")).isNull();
    assertThat(campaign.getString("createdAt")).endsWith("Z");
    assertThat(campaign.getJsonObject("counts")).isEqualTo(counts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));

    JsonObject got = success(get("/api/campaigns/" + campaign.getString("id"), owner), 200).getJsonObject("campaign");
    assertThat(got).isEqualTo(campaign);
  }

  @Test
  void everySettingRoundTrips() {
    JsonObject body = minimal()
        .put("callingHours", new JsonObject().put("start", "08:00").put("end", "21:00")
            .put("days", new JsonArray().add("sat").add("mon")))
        .put("pacing", new JsonObject().put("callsPerMinute", 600).put("maxConcurrent", 100))
        .put("retry", new JsonObject().put("maxAttempts", 10).put("busyDelayMinutes", 10080)
            .put("noAnswerDelayMinutes", 1))
        .put("voicemail", "leave_message").put("voicemailMessage", "  Hi, this is Acme. Call us back!  ")
        .put("startAt", "2030-01-15T12:00:00+02:00");
    JsonObject campaign = created(body);
    assertThat(campaign.getJsonObject("callingHours")).isEqualTo(new JsonObject().put("start", "08:00")
        .put("end", "21:00").put("days", new JsonArray().add("mon").add("sat")));
    assertThat(campaign.getJsonObject("pacing")).isEqualTo(body.getJsonObject("pacing"));
    assertThat(campaign.getJsonObject("retry")).isEqualTo(body.getJsonObject("retry"));
    assertThat(campaign.getString("voicemail")).isEqualTo("leave_message");
    assertThat(campaign.getString("voicemailMessage")).isEqualTo("Hi, this is Acme. Call us back!");
    assertThat(campaign.getString("startAt")).isEqualTo("2030-01-15T10:00:00Z");
    // a partial object takes the defaults for the rest
    JsonObject partial = created(minimal().put("callingHours", new JsonObject().put("end", "17:30"))
        .put("pacing", new JsonObject().put("maxConcurrent", 2)).put("timezone", "UTC"));
    assertThat(partial.getJsonObject("callingHours").getString("start")).isEqualTo("09:00");
    assertThat(partial.getJsonObject("callingHours").getString("end")).isEqualTo("17:30");
    assertThat(partial.getJsonObject("pacing")).isEqualTo(new JsonObject().put("callsPerMinute", 10)
        .put("maxConcurrent", 2));
  }

  @Test
  void everyInvalidFieldIsRefusedWithItsCodeAndNothingIsStored() {
    List<Object[]> cases = List.of(
        new Object[] {minimal().put("color", "red"), "invalid_field"},
        new Object[] {minimal().putNull("name"), "invalid_name"},
        new Object[] {minimal().put("name", "   "), "invalid_name"},
        new Object[] {minimal().put("name", "x".repeat(101)), "invalid_name"},
        new Object[] {minimal().put("name", "a\u0007b"), "invalid_name"},
        new Object[] {without(minimal(), "assistantId"), "invalid_assistant_id"},
        new Object[] {minimal().put("assistantId", 12), "invalid_assistant_id"},
        new Object[] {without(minimal(), "fromNumber"), "invalid_from_number"},
        new Object[] {minimal().put("fromNumber", "6475550000"), "invalid_from_number"},
        new Object[] {without(minimal(), "timezone"), "invalid_timezone"},
        new Object[] {minimal().put("timezone", "Mars/Olympus_Mons"), "invalid_timezone"},
        new Object[] {minimal().put("timezone", "+02:00"), "invalid_timezone"},
        new Object[] {minimal().put("timezone", "UTC+2"), "invalid_timezone"},
        new Object[] {minimal().put("timezone", "Z"), "invalid_timezone"},
        new Object[] {minimal().put("timezone", "america/toronto"), "invalid_timezone"},
        new Object[] {hours("07:59", "20:00", "mon"), "invalid_calling_hours"},
        new Object[] {hours("09:00", "21:01", "mon"), "invalid_calling_hours"},
        new Object[] {hours("12:00", "12:00", "mon"), "invalid_calling_hours"},
        new Object[] {hours("13:00", "12:00", "mon"), "invalid_calling_hours"},
        new Object[] {hours("9:00", "12:00", "mon"), "invalid_calling_hours"},
        new Object[] {hours("09:00", "24:00", "mon"), "invalid_calling_hours"},
        new Object[] {hours("09:00", "12:00"), "invalid_calling_hours"},
        new Object[] {hours("09:00", "12:00", "mon", "mon"), "invalid_calling_hours"},
        new Object[] {hours("09:00", "12:00", "monday"), "invalid_calling_hours"},
        new Object[] {minimal().put("callingHours", "9-5"), "invalid_calling_hours"},
        new Object[] {minimal().put("callingHours", new JsonObject().put("tz", "UTC")), "invalid_calling_hours"},
        new Object[] {pacing(0, 5), "invalid_pacing"},
        new Object[] {pacing(601, 5), "invalid_pacing"},
        new Object[] {pacing(10, 0), "invalid_pacing"},
        new Object[] {pacing(10, 101), "invalid_pacing"},
        new Object[] {minimal().put("pacing", new JsonObject().put("callsPerMinute", 1.5)), "invalid_pacing"},
        new Object[] {minimal().put("pacing", new JsonObject().put("callsPerMinute", "10")), "invalid_pacing"},
        new Object[] {retry(0, 10, 60), "invalid_retry"},
        new Object[] {retry(11, 10, 60), "invalid_retry"},
        new Object[] {retry(3, 0, 60), "invalid_retry"},
        new Object[] {retry(3, 10081, 60), "invalid_retry"},
        new Object[] {retry(3, 10, 0), "invalid_retry"},
        new Object[] {retry(3, 10, 10081), "invalid_retry"},
        new Object[] {minimal().put("voicemail", "beep"), "invalid_voicemail"},
        new Object[] {minimal().put("voicemail", "leave_message"), "invalid_voicemail_message"},
        new Object[] {minimal().put("voicemail", "leave_message").put("voicemailMessage", " "),
            "invalid_voicemail_message"},
        new Object[] {minimal().put("voicemail", "leave_message").put("voicemailMessage", "x".repeat(1001)),
            "invalid_voicemail_message"},
        new Object[] {minimal().put("voicemailMessage", 42), "invalid_voicemail_message"},
        new Object[] {minimal().put("startAt", "tomorrow"), "invalid_start_at"},
        new Object[] {minimal().put("startAt", "2030-01-15T10:00:00"), "invalid_start_at"},
        new Object[] {minimal().put("startAt", 1893456000), "invalid_start_at"},
        // years PostgreSQL's timestamptz cannot hold
        new Object[] {minimal().put("startAt", "+999999999-12-31T23:59:59Z"), "invalid_start_at"},
        new Object[] {minimal().put("startAt", "-999999999-01-01T00:00:00Z"), "invalid_start_at"});
    for (Object[] c : cases) {
      error(post("/api/campaigns", owner, c[0]), 400, (String) c[1]);
    }
    error(api.method("POST", "/api/campaigns", "{not json", "Authorization", Api.bearer(owner)), 400, "invalid_json");
    // known to be the tenant's only in the database
    error(post("/api/campaigns", owner, minimal().put("fromNumber", "+14165550000")), 400, "invalid_from_number");
    error(post("/api/campaigns", owner, minimal().put("assistantId", "asst-nope")), 404, "assistant_not_found");
    assertThat(count("SELECT count(*) FROM campaigns WHERE tenant_id = $1", tenantId)).isZero();
  }

  @Test
  void anotherTenantsAssistantNumberOrCampaignIsNotFound() {
    JsonObject other = api.signup(email("other"));
    String otherOwner = other.getString("token");
    String otherNumber = "+" + NUMBER.incrementAndGet();
    String otherAssistant = assistant(otherOwner, otherNumber);
    error(post("/api/campaigns", owner, minimal().put("assistantId", otherAssistant)), 404, "assistant_not_found");
    error(post("/api/campaigns", owner, minimal().put("fromNumber", otherNumber)), 400, "invalid_from_number");

    String id = campaignWith("+14165550101");
    for (Api.Response r : List.of(get("/api/campaigns/" + id, otherOwner),
        get("/api/campaigns/" + id + "/contacts", otherOwner),
        post("/api/campaigns/" + id + "/contacts", otherOwner, contacts("+14165550102")),
        post("/api/campaigns/" + id + "/start", otherOwner, null),
        post("/api/campaigns/" + id + "/cancel", otherOwner, null),
        get("/api/campaigns/cmp-unknown", owner),
        get("/api/campaigns/" + "x".repeat(200), owner))) {
      error(r, 404, "campaign_not_found");
    }
    assertThat(success(get("/api/campaigns", otherOwner), 200).getJsonArray("items")).isEmpty();
    assertThat(status(id)).isEqualTo("draft");
  }

  @Test
  void agentsReadButDoNotWrite() {
    String id = campaignWith("+14165550101");
    String agent = member("agent");
    success(get("/api/campaigns", agent), 200);
    success(get("/api/campaigns/" + id, agent), 200);
    success(get("/api/campaigns/" + id + "/contacts", agent), 200);
    success(get("/api/dnc", agent), 200);
    error(post("/api/campaigns", agent, minimal()), 403, "forbidden");
    error(post("/api/campaigns/" + id + "/contacts", agent, contacts("+14165550102")), 403, "forbidden");
    error(csv(id, agent, "phone\n+14165550103\n"), 403, "forbidden");
    for (String action : List.of("start", "pause", "resume", "cancel")) {
      error(post("/api/campaigns/" + id + "/" + action, agent, null), 403, "forbidden");
    }
    error(post("/api/dnc", agent, new JsonObject().put("phone", "+14165550199")), 403, "forbidden");
    error(delete("/api/dnc/%2B14165550199", agent), 403, "forbidden");
    // an admin may
    String admin = member("admin");
    success(post("/api/campaigns/" + id + "/contacts", admin, contacts("+14165550104")), 200);
    success(post("/api/campaigns/" + id + "/start", admin, null), 200);
    error(get("/api/campaigns", null), 401, "unauthorized");
  }

  @Test
  void theListIsNewestFirstAndPaged() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(created(minimal().put("name", "Campaign " + i)).getString("id"));
    }
    JsonObject first = success(get("/api/campaigns?limit=2", owner), 200);
    assertThat(ids(first)).containsExactly(ids.get(2), ids.get(1));
    assertThat(first.getJsonArray("items").getJsonObject(0).containsKey("counts")).isFalse();
    JsonObject second = success(get("/api/campaigns?limit=2&cursor=" + first.getString("nextCursor"), owner), 200);
    assertThat(ids(second)).containsExactly(ids.get(0));
    assertThat(second.getValue("nextCursor")).isNull();
    error(get("/api/campaigns?limit=201", owner), 400, "invalid_limit");
    error(get("/api/campaigns?cursor=nope", owner), 400, "invalid_cursor");
  }

  // ---- contacts

  @Test
  void jsonContactsAreNormalisedCheckedRowByRowAndDeduplicated() {
    String id = created(minimal()).getString("id");
    addDnc("+14165550105");
    JsonArray rows = new JsonArray()
        .add(contact("(416) 555-0101").put("name", "  Ann Lee ").put("timezone", "America/Vancouver")
            .put("variables", new JsonObject().put("plan", "gold").put("visits", 3).put("vip", true).putNull("gone")))
        .add(contact("not a phone"))
        .add(contact("+14165550102").put("timezone", "Mars/Base"))
        .add(contact("+14165550103").put("variables", new JsonObject().put("1st", "x")))
        .add(contact("+1 416 555 0101"))
        .add(contact("+14165550104").put("name", "x".repeat(101)))
        .add("+14165550106")
        .add(new JsonObject().put("name", "No phone"))
        .add(contact("+14165550105").put("name", "Do not call"))
        .add(contact("+14165550107").put("variables", new JsonObject().put("note", "x".repeat(501))))
        .add(contact("+14165550108").put("email", "a@b.c"))
        .add(contact("+14165550109").put("variables", tooManyVariables()))
        .add(contact("4165550110"));
    JsonObject result = success(post("/api/campaigns/" + id + "/contacts", owner, new JsonObject().put("contacts", rows)),
        200);
    assertThat(result.getInteger("accepted")).isEqualTo(3);
    assertThat(result.getInteger("duplicates")).isEqualTo(1);
    assertThat(result.getInteger("skipped")).isEqualTo(1);
    assertThat(result.getInteger("rejectedCount")).isEqualTo(9);
    assertThat(rejections(result)).containsExactly("2:invalid_phone", "3:invalid_timezone", "4:invalid_variable",
        "6:invalid_name", "7:invalid_contact", "8:invalid_phone", "10:invalid_variable", "11:invalid_contact",
        "12:invalid_variable");
    result.getJsonArray("rejected").forEach(r -> assertThat(((JsonObject) r).getString("message")).isNotBlank());

    JsonArray items = success(get("/api/campaigns/" + id + "/contacts", owner), 200).getJsonArray("items");
    assertThat(items).hasSize(3);
    JsonObject ann = items.getJsonObject(0);
    assertThat(ann.fieldNames()).containsExactlyInAnyOrder("id", "phone", "name", "status", "attempts", "lastResult",
        "nextAttemptAt", "conversationId");
    assertThat(ann.getString("id")).startsWith("ctc-");
    assertThat(ann.getString("phone")).isEqualTo("+14165550101");
    assertThat(ann.getString("name")).isEqualTo("Ann Lee");
    assertThat(ann.getString("status")).isEqualTo("pending");
    assertThat(ann.getInteger("attempts")).isZero();
    assertThat(ann.getValue("lastResult")).isNull();
    assertThat(items.getJsonObject(1).getString("phone")).isEqualTo("+14165550105");
    assertThat(items.getJsonObject(1).getString("status")).isEqualTo("skipped");
    assertThat(items.getJsonObject(2).getString("phone")).isEqualTo("+14165550110");
    Row stored = TestServer.sql(server, "SELECT timezone, variables FROM campaign_contacts WHERE id = $1",
        ann.getString("id")).iterator().next();
    assertThat(stored.getString("timezone")).isEqualTo("America/Vancouver");
    assertThat(stored.getJsonObject("variables")).isEqualTo(new JsonObject().put("plan", "gold").put("visits", "3")
        .put("vip", "true"));

    // a phone the campaign has is dropped, not rejected
    JsonObject again = success(post("/api/campaigns/" + id + "/contacts", owner,
        contacts("+14165550101", "+14165550105", "+14165550111")), 200);
    assertThat(again.getInteger("accepted")).isEqualTo(1);
    assertThat(again.getInteger("duplicates")).isEqualTo(2);
    assertThat(again.getJsonArray("rejected")).isEmpty();
    assertThat(counts(id)).isEqualTo(counts(4, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0));
  }

  @Test
  void csvContactsWithBomCrlfQuotesAndVariableColumns() {
    String id = created(minimal()).getString("id");
    String csv = "\uFEFFPhone,name,Timezone,city,plan_2\r\n"
        + "+14165550101,\"Lee, Ann\",America/Vancouver,\"Toronto, ON\",gold\r\n"
        + "\"(416) 555-0102\",\"Bob \"\"the builder\"\"\",,\"line one\r\nline two\",\r\n"
        + "\r\n"
        + "12,Bad Phone,,,\r\n"
        + "+14165550103,Bad Zone,Mars/Base,,\r\n"
        + "+14165550104,Too many,,,,extra\r\n"
        + "+14165550101,Again,,,\r\n"
        + "+14165550105,Short\r\n"
        + "+14165550106,Sam,Europe/Paris,Café ☕,\r\n";
    JsonObject result = success(csv(id, owner, csv), 200);
    assertThat(result.getInteger("accepted")).isEqualTo(4);
    assertThat(result.getInteger("duplicates")).isEqualTo(1);
    // the blank line is not a row; the quoted line break does not start one
    assertThat(rejections(result)).containsExactly("3:invalid_phone", "4:invalid_timezone", "5:invalid_row");

    List<Row> rows = new ArrayList<>();
    TestServer.sql(server, "SELECT phone, name, timezone, variables FROM campaign_contacts WHERE campaign_id = $1 "
        + "ORDER BY seq", id).forEach(rows::add);
    assertThat(rows).hasSize(4);
    assertThat(rows.get(0).getString("phone")).isEqualTo("+14165550101");
    assertThat(rows.get(0).getString("name")).isEqualTo("Lee, Ann");
    assertThat(rows.get(0).getString("timezone")).isEqualTo("America/Vancouver");
    assertThat(rows.get(0).getJsonObject("variables")).isEqualTo(new JsonObject().put("city", "Toronto, ON")
        .put("plan_2", "gold"));
    assertThat(rows.get(1).getString("phone")).isEqualTo("+14165550102");
    assertThat(rows.get(1).getString("name")).isEqualTo("Bob \"the builder\"");
    assertThat(rows.get(1).getString("timezone")).isNull();
    assertThat(rows.get(1).getJsonObject("variables")).isEqualTo(new JsonObject().put("city", "line one\r\nline two")
        .put("plan_2", ""));
    assertThat(rows.get(2).getString("name")).isEqualTo("Short");
    assertThat(rows.get(2).getJsonObject("variables")).isEqualTo(new JsonObject().put("city", "").put("plan_2", ""));
    assertThat(rows.get(3).getJsonObject("variables").getString("city")).isEqualTo("Café ☕");

    // LF line ends, no BOM, a phone column only
    JsonObject lf = success(csv(id, owner, "phone\n+14165550107\n+14165550108"), 200);
    assertThat(lf.getInteger("accepted")).isEqualTo(2);
  }

  @Test
  void csvHeaderProblemsRefuseTheWholeFile() {
    String id = created(minimal()).getString("id");
    error(csv(id, owner, "name,city\nAnn,Toronto\n"), 400, "missing_phone_column");
    error(csv(id, owner, ""), 400, "missing_phone_column");
    error(csv(id, owner, "phone,first name\n+14165550101,Ann\n"), 400, "invalid_variable");
    StringBuilder wide = new StringBuilder("phone");
    for (int i = 0; i < 21; i++) {
      wide.append(",v").append(i);
    }
    error(csv(id, owner, wide + "\n+14165550101\n"), 400, "invalid_variable");
    error(csv(id, owner, "phone,city,city\n+14165550101,a,b\n"), 400, "invalid_csv");
    error(csv(id, owner, "phone,Phone\n+14165550101,+14165550102\n"), 400, "invalid_csv");
    error(csv(id, owner, "phone,name\n+14165550101,\"unterminated\n"), 400, "invalid_csv");
    byte[] latin1 = "phone,name\n+14165550101,Caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1);
    error(send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/campaigns/" + id
        + "/contacts")).header("Authorization", Api.bearer(owner)).header("Content-Type", "text/csv")
        .POST(HttpRequest.BodyPublishers.ofByteArray(latin1))), 400, "invalid_csv");
    error(api.method("POST", "/api/campaigns/" + id + "/contacts", "phone\n", "Authorization", Api.bearer(owner),
        "Content-Type", "text/plain"), 400, "invalid_content_type");
    error(post("/api/campaigns/" + id + "/contacts", owner, new JsonObject().put("contacts", "+14165550101")), 400,
        "invalid_contacts");
    assertThat(count("SELECT count(*) FROM campaign_contacts WHERE campaign_id = $1", id)).isZero();
  }

  @Test
  void tooManyRowsOrTooLargeABodyStoresNothing() {
    String id = created(minimal()).getString("id");
    StringBuilder csv = new StringBuilder("phone,name\r\n");
    for (int i = 0; i < 10_001; i++) {
      csv.append(phone(i)).append(",Contact ").append(i).append("\r\n");
    }
    error(csv(id, owner, csv.toString()), 413, "too_many_contacts");
    JsonArray json = new JsonArray();
    for (int i = 0; i < 10_001; i++) {
      json.add(contact(phone(i)));
    }
    error(post("/api/campaigns/" + id + "/contacts", owner, new JsonObject().put("contacts", json)), 413,
        "too_many_contacts");
    assertThat(count("SELECT count(*) FROM campaign_contacts WHERE campaign_id = $1", id)).isZero();

    // 10,000 is fine
    json.remove(10_000);
    assertThat(success(post("/api/campaigns/" + id + "/contacts", owner, new JsonObject().put("contacts", json)),
        200).getInteger("accepted")).isEqualTo(10_000);

    String big = "phone,note\n" + ("+14165550101," + "x".repeat(1000) + "\n").repeat(5300);
    assertThat(big.length()).isGreaterThan(CampaignRoutes.CONTACTS_BODY_LIMIT);
    error(csv(id, owner, big), 413, "body_too_large");
    assertThat(count("SELECT count(*) FROM campaign_contacts WHERE campaign_id = $1", id)).isEqualTo(10_000);
  }

  @Test
  void aCampaignHoldsAtMost100000Contacts() {
    String id = created(minimal()).getString("id");
    TestServer.sql(server, "INSERT INTO campaign_contacts (id, tenant_id, campaign_id, phone) "
        + "SELECT 'ctc-seed-' || g, $1, $2, '+1999' || lpad(g::text, 7, '0') FROM generate_series(1, 99999) g",
        tenantId, id);
    error(post("/api/campaigns/" + id + "/contacts", owner, contacts("+14165550101", "+14165550102")), 409,
        "campaign_full");
    assertThat(count("SELECT count(*) FROM campaign_contacts WHERE campaign_id = $1", id)).isEqualTo(99_999);
    assertThat(success(post("/api/campaigns/" + id + "/contacts", owner, contacts("+14165550101")), 200)
        .getInteger("accepted")).isEqualTo(1);
    // a duplicate does not count against the limit
    assertThat(success(post("/api/campaigns/" + id + "/contacts", owner, contacts("+14165550101")), 200)
        .getInteger("duplicates")).isEqualTo(1);
    error(post("/api/campaigns/" + id + "/contacts", owner, contacts("+14165550103")), 409, "campaign_full");
    assertThat(counts(id).getLong("total")).isEqualTo(100_000L);
  }

  @Test
  void theCountsAddUpToTheTotal() {
    String id = created(minimal()).getString("id");
    List<String> phones = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      phones.add(phone(i));
    }
    addDnc(phones.get(11));
    success(post("/api/campaigns/" + id + "/contacts", owner, contacts(phones.toArray(String[]::new))), 200);
    String[] statuses = {"in_progress", "completed", "completed", "completed", "voicemail", "no_answer", "busy",
        "failed", "cancelled"};
    for (int i = 0; i < statuses.length; i++) {
      TestServer.sql(server, "UPDATE campaign_contacts SET status = $1, qualified = $2 WHERE campaign_id = $3 "
          + "AND phone = $4", statuses[i], i == 1 || i == 2 || i == 4, id, phones.get(i));
    }
    JsonObject counts = counts(id);
    // qualified counts completed contacts only (the qualified voicemail is not)
    assertThat(counts).isEqualTo(counts(12, 2, 1, 3, 1, 2, 1, 1, 1, 1, 1));
    long sum = 0;
    for (String key : counts.fieldNames()) {
      if (!key.equals("total") && !key.equals("qualified")) {
        sum += counts.getLong(key);
      }
    }
    assertThat(sum).isEqualTo(counts.getLong("total"));
  }

  @Test
  void theContactListIsInImportOrderPagedAndFilteredByStatus() {
    String id = created(minimal()).getString("id");
    addDnc(phone(3));
    List<String> phones = new ArrayList<>();
    for (int i = 6; i >= 0; i--) {
      phones.add(phone(i));
    }
    success(post("/api/campaigns/" + id + "/contacts", owner, contacts(phones.subList(0, 4).toArray(String[]::new))),
        200);
    success(csv(id, owner, "phone\n" + String.join("\n", phones.subList(4, 7))), 200);
    List<String> listed = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonObject page = success(get("/api/campaigns/" + id + "/contacts?limit=3"
          + (cursor == null ? "" : "&cursor=" + cursor), owner), 200);
      page.getJsonArray("items").forEach(item -> listed.add(((JsonObject) item).getString("phone")));
      cursor = page.getString("nextCursor");
      pages++;
    } while (cursor != null);
    assertThat(pages).isEqualTo(3);
    assertThat(listed).containsExactlyElementsOf(phones);

    JsonObject skipped = success(get("/api/campaigns/" + id + "/contacts?status=skipped", owner), 200);
    assertThat(skipped.getJsonArray("items")).hasSize(1);
    assertThat(skipped.getJsonArray("items").getJsonObject(0).getString("phone")).isEqualTo(phone(3));
    assertThat(success(get("/api/campaigns/" + id + "/contacts?status=pending&limit=200", owner), 200)
        .getJsonArray("items")).hasSize(6);
    error(get("/api/campaigns/" + id + "/contacts?status=done", owner), 400, "invalid_status");
    error(get("/api/campaigns/" + id + "/contacts?cursor=abc", owner), 400, "invalid_cursor");
    error(get("/api/campaigns/" + id + "/contacts?limit=0", owner), 400, "invalid_limit");
  }

  // ---- transitions

  @Test
  void startPauseResumeCancelMoveTheJobsAndTheContacts() {
    String id = created(minimal()).getString("id");
    error(post("/api/campaigns/" + id + "/start", owner, null), 409, "no_contacts");
    addDnc(phone(0));
    success(post("/api/campaigns/" + id + "/contacts", owner, contacts(phone(0), phone(1), phone(2), phone(3))), 200);
    for (String action : List.of("pause", "resume")) {
      error(post("/api/campaigns/" + id + "/" + action, owner, null), 409, "invalid_transition");
    }

    JsonObject started = transition(id, "start");
    assertThat(started.getString("status")).isEqualTo("running");
    assertThat(started.getJsonObject("counts")).isEqualTo(counts(4, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0));
    assertThat(jobs(id)).isEqualTo(3);
    assertThat(count("SELECT count(*) FROM jobs WHERE payload->>'campaignId' = $1 AND job_key = payload->>'contactId' "
        + "AND tenant_id = $2 AND due_at <= now()", id, tenantId)).isEqualTo(3);
    assertProgress(id, "running");
    error(post("/api/campaigns/" + id + "/start", owner, null), 409, "invalid_transition");
    error(post("/api/campaigns/" + id + "/resume", owner, null), 409, "invalid_transition");

    // contacts added while it runs are dialled too
    success(post("/api/campaigns/" + id + "/contacts", owner, contacts(phone(4))), 200);
    assertThat(jobs(id)).isEqualTo(4);

    assertThat(transition(id, "pause").getString("status")).isEqualTo("paused");
    assertThat(jobs(id)).isZero();
    assertProgress(id, "paused");
    error(post("/api/campaigns/" + id + "/pause", owner, null), 409, "invalid_transition");
    success(post("/api/campaigns/" + id + "/contacts", owner, contacts(phone(5))), 200);
    assertThat(jobs(id)).as("a paused campaign dials nobody").isZero();

    // a contact waiting for a retry is due then, not now
    Instant retryAt = Instant.now().plus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    TestServer.sql(server, "UPDATE campaign_contacts SET next_attempt_at = $1, attempts = 1 WHERE campaign_id = $2 "
        + "AND phone = $3", OffsetDateTime.ofInstant(retryAt, ZoneOffset.UTC), id, phone(1));
    assertThat(transition(id, "resume").getString("status")).isEqualTo("running");
    assertThat(jobs(id)).isEqualTo(5);
    assertThat(TestServer.sql(server, "SELECT j.due_at FROM jobs j JOIN campaign_contacts c ON c.id = j.job_key "
        + "WHERE c.campaign_id = $1 AND c.phone = $2", id, phone(1)).iterator().next().getOffsetDateTime(0)
        .toInstant()).isEqualTo(retryAt);
    assertProgress(id, "running");

    // one contact is in a call: cancelling leaves it to finish
    TestServer.sql(server, "UPDATE campaign_contacts SET status = 'in_progress' WHERE campaign_id = $1 AND phone = $2",
        id, phone(2));
    JsonObject cancelled = transition(id, "cancel");
    assertThat(cancelled.getString("status")).isEqualTo("cancelled");
    assertThat(cancelled.getJsonObject("counts")).isEqualTo(counts(6, 0, 1, 0, 0, 0, 0, 0, 0, 1, 4));
    assertThat(jobs(id)).isZero();
    assertProgress(id, "cancelled");
    for (String action : List.of("start", "pause", "resume", "cancel")) {
      error(post("/api/campaigns/" + id + "/" + action, owner, null), 409, "invalid_transition");
    }
    error(post("/api/campaigns/" + id + "/contacts", owner, contacts(phone(7))), 409, "campaign_closed");
    error(csv(id, owner, "phone\n" + phone(7)), 409, "campaign_closed");
  }

  @Test
  void aFutureStartAtSchedulesTheCampaign() {
    Instant startAt = Instant.now().plus(3, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
    String id = created(minimal().put("startAt", startAt.toString())).getString("id");
    success(post("/api/campaigns/" + id + "/contacts", owner, contacts(phone(0), phone(1))), 200);
    assertThat(transition(id, "start").getString("status")).isEqualTo("scheduled");
    assertProgress(id, "scheduled");
    assertThat(jobs(id)).isEqualTo(2);
    assertThat(count("SELECT count(*) FROM jobs WHERE payload->>'campaignId' = $1 AND due_at = $2", id,
        OffsetDateTime.ofInstant(startAt, ZoneOffset.UTC))).isEqualTo(2);
    success(post("/api/campaigns/" + id + "/contacts", owner, contacts(phone(2))), 200);
    assertThat(jobs(id)).as("a scheduled campaign's new contacts wait for startAt too").isEqualTo(3);
    assertThat(transition(id, "pause").getString("status")).isEqualTo("paused");
    assertThat(jobs(id)).isZero();
    assertThat(transition(id, "resume").getString("status")).isEqualTo("scheduled");
    assertThat(jobs(id)).isEqualTo(3);
    assertThat(transition(id, "cancel").getString("status")).isEqualTo("cancelled");
    assertThat(jobs(id)).isZero();
    assertProgress(id, "cancelled");
  }

  @Test
  void aDraftCanBeCancelledAndACampaignWithNobodyToCallCompletesAtOnce() {
    String draft = created(minimal()).getString("id");
    assertThat(transition(draft, "cancel").getString("status")).isEqualTo("cancelled");
    assertProgress(draft, "cancelled");

    String id = created(minimal()).getString("id");
    addDnc(phone(0));
    success(post("/api/campaigns/" + id + "/contacts", owner, contacts(phone(0))), 200);
    JsonObject started = transition(id, "start");
    assertThat(started.getString("status")).isEqualTo("completed");
    assertThat(jobs(id)).isZero();
    assertProgress(id, "completed");
    error(post("/api/campaigns/" + id + "/cancel", owner, null), 409, "invalid_transition");
    error(post("/api/campaigns/" + id + "/contacts", owner, contacts(phone(1))), 409, "campaign_closed");
  }

  // ---- do-not-call list

  @Test
  void theDoNotCallListIsTheTenantsOwn() {
    JsonObject added = success(post("/api/dnc", owner, new JsonObject().put("phone", "(416) 555-0199")), 201)
        .getJsonObject("entry");
    assertThat(added.getString("phone")).isEqualTo("+14165550199");
    assertThat(added.getString("source")).isEqualTo("api");
    assertThat(added.getString("createdAt")).endsWith("Z");
    assertThat(success(post("/api/dnc", owner, new JsonObject().put("phone", "+14165550199")), 200)
        .getJsonObject("entry")).isEqualTo(added);
    error(post("/api/dnc", owner, new JsonObject().put("phone", "12")), 400, "invalid_phone");
    error(post("/api/dnc", owner, new JsonObject()), 400, "invalid_phone");
    error(post("/api/dnc", owner, new JsonObject().put("phone", 14165550199L)), 400, "invalid_phone");
    error(post("/api/dnc", owner, new JsonObject().put("phone", "+14165550199").put("why", "x")), 400,
        "invalid_field");
    addDnc("+14165550198");
    addDnc("+14165550197");

    JsonObject first = success(get("/api/dnc?limit=2", owner), 200);
    assertThat(first.getJsonArray("items")).hasSize(2);
    assertThat(first.getJsonArray("items").getJsonObject(0).getString("phone")).isEqualTo("+14165550197");
    JsonObject second = success(get("/api/dnc?limit=2&cursor=" + first.getString("nextCursor"), owner), 200);
    assertThat(second.getJsonArray("items").getJsonObject(0).getString("phone")).isEqualTo("+14165550199");
    assertThat(second.getValue("nextCursor")).isNull();

    // another tenant sees, removes and skips none of it
    JsonObject other = api.signup(email("other"));
    String otherOwner = other.getString("token");
    assertThat(success(get("/api/dnc", otherOwner), 200).getJsonArray("items")).isEmpty();
    error(delete("/api/dnc/%2B14165550199", otherOwner), 404, "dnc_not_found");
    String otherNumber = "+" + NUMBER.incrementAndGet();
    String otherAssistant = assistant(otherOwner, otherNumber);
    String otherCampaign = success(post("/api/campaigns", otherOwner, minimal().put("assistantId", otherAssistant)
        .put("fromNumber", otherNumber)), 201).getJsonObject("campaign").getString("id");
    assertThat(success(post("/api/campaigns/" + otherCampaign + "/contacts", otherOwner, contacts("+14165550199")),
        200).getInteger("skipped")).isZero();

    success(delete("/api/dnc/%2B14165550199", owner), 200);
    error(delete("/api/dnc/%2B14165550199", owner), 404, "dnc_not_found");
    error(delete("/api/dnc/nonsense", owner), 404, "dnc_not_found");
    assertThat(success(get("/api/dnc", owner), 200).getJsonArray("items")).hasSize(2);
  }

  // ---- helpers

  private JsonObject minimal() {
    return new JsonObject().put("name", "Spring promo").put("assistantId", assistantId).put("fromNumber", fromNumber)
        .put("timezone", "America/Toronto");
  }

  private JsonObject hours(String start, String end, String... days) {
    return minimal().put("callingHours", new JsonObject().put("start", start).put("end", end)
        .put("days", new JsonArray(List.of((Object[]) days))));
  }

  private JsonObject pacing(int perMinute, int concurrent) {
    return minimal().put("pacing", new JsonObject().put("callsPerMinute", perMinute).put("maxConcurrent", concurrent));
  }

  private JsonObject retry(int attempts, int busy, int noAnswer) {
    return minimal().put("retry", new JsonObject().put("maxAttempts", attempts).put("busyDelayMinutes", busy)
        .put("noAnswerDelayMinutes", noAnswer));
  }

  private static JsonObject without(JsonObject json, String field) {
    json.remove(field);
    return json;
  }

  private static JsonObject counts(long total, long pending, long inProgress, long completed, long failed,
      long qualified, long voicemail, long noAnswer, long busy, long skipped, long cancelled) {
    return new JsonObject().put("total", total).put("pending", pending).put("inProgress", inProgress)
        .put("completed", completed).put("failed", failed).put("qualified", qualified).put("voicemail", voicemail)
        .put("noAnswer", noAnswer).put("busy", busy).put("skipped", skipped).put("cancelled", cancelled);
  }

  private static JsonObject contact(String phone) {
    return new JsonObject().put("phone", phone);
  }

  private static JsonObject contacts(String... phones) {
    JsonArray array = new JsonArray();
    for (String phone : phones) {
      array.add(contact(phone));
    }
    return new JsonObject().put("contacts", array);
  }

  private static JsonObject tooManyVariables() {
    JsonObject variables = new JsonObject();
    for (int i = 0; i < 21; i++) {
      variables.put("v" + i, "x");
    }
    return variables;
  }

  /** Distinct valid numbers: +1 416 555 0000 to 9999, then +1 613 555 …. */
  private static String phone(int i) {
    return (i < 10_000 ? "+1416555" : "+1613555") + String.format("%04d", i % 10_000);
  }

  private static List<String> rejections(JsonObject result) {
    List<String> out = new ArrayList<>();
    result.getJsonArray("rejected").forEach(r -> out.add(((JsonObject) r).getInteger("row") + ":"
        + ((JsonObject) r).getString("code")));
    return out;
  }

  private static List<String> ids(JsonObject page) {
    List<String> ids = new ArrayList<>();
    page.getJsonArray("items").forEach(item -> ids.add(((JsonObject) item).getString("id")));
    return ids;
  }

  private JsonObject created(JsonObject body) {
    return success(post("/api/campaigns", owner, body), 201).getJsonObject("campaign");
  }

  /** A draft with one contact. */
  private String campaignWith(String phone) {
    String id = created(minimal()).getString("id");
    success(post("/api/campaigns/" + id + "/contacts", owner, contacts(phone)), 200);
    return id;
  }

  private JsonObject transition(String id, String action) {
    return success(post("/api/campaigns/" + id + "/" + action, owner, null), 200).getJsonObject("campaign");
  }

  private JsonObject counts(String id) {
    return success(get("/api/campaigns/" + id, owner), 200).getJsonObject("campaign").getJsonObject("counts");
  }

  private String status(String id) {
    return success(get("/api/campaigns/" + id, owner), 200).getJsonObject("campaign").getString("status");
  }

  private void addDnc(String phone) {
    assertThat(post("/api/dnc", owner, new JsonObject().put("phone", phone)).status()).isIn(200, 201);
  }

  /** The waiting dial jobs of the campaign. */
  private long jobs(String id) {
    return count("SELECT count(*) FROM jobs WHERE queue = 'campaign.dial' AND payload->>'campaignId' = $1", id);
  }

  /** The tenant's last campaign:progress event is the campaign's, in {@code status}, with the counts GET shows. */
  private void assertProgress(String id, String status) {
    Row last = TestServer.sql(server, "SELECT data FROM tenant_events WHERE tenant_id = $1 AND type = 'campaign:progress' "
        + "ORDER BY seq DESC LIMIT 1", tenantId).iterator().next();
    JsonObject counts = counts(id);
    assertThat(last.getJsonObject("data")).isEqualTo(new JsonObject().put("campaignId", id).put("status", status)
        .put("total", counts.getLong("total")).put("completed", counts.getLong("completed"))
        .put("failed", counts.getLong("failed")).put("inProgress", counts.getLong("inProgress"))
        .put("qualified", counts.getLong("qualified")));
    assertThat(status(id)).isEqualTo(status);
  }

  private long count(String sql, Object... params) {
    return TestServer.sql(server, sql, params).iterator().next().getLong(0);
  }

  private String assistant(String jwt, String number) {
    return success(post("/api/assistants", jwt, new JsonObject().put("name", "Caller")
        .put("phoneNumbers", new JsonArray().add(number))), 201).getJsonObject("assistant").getString("id");
  }

  private String member(String role) {
    String email = email(role);
    success(post("/api/users", owner, new JsonObject().put("email", email).put("password", PASSWORD).put("role", role)),
        201);
    return success(api.post("/api/auth/login", new JsonObject().put("email", email).put("password", PASSWORD)), 200)
        .getString("token");
  }

  private static String email(String who) {
    return who + "-" + SEQ.incrementAndGet() + "-" + System.nanoTime() + "@campaign.test";
  }

  private Api.Response get(String path, String jwt) {
    return jwt == null ? api.get(path) : api.get(path, "Authorization", Api.bearer(jwt));
  }

  private Api.Response post(String path, String jwt, Object body) {
    return api.post(path, body, "Authorization", Api.bearer(jwt));
  }

  private Api.Response csv(String id, String jwt, String csv) {
    return api.method("POST", "/api/campaigns/" + id + "/contacts", csv, "Authorization", Api.bearer(jwt),
        "Content-Type", "text/csv; charset=utf-8");
  }

  private static Api.Response send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Api.Response(r.statusCode(), r.headers(), r.body());
    } catch (java.io.IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private Api.Response delete(String path, String jwt) {
    return api.method("DELETE", path, null, "Authorization", Api.bearer(jwt));
  }

  private static void error(Api.Response r, int status, String code) {
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    JsonObject body = r.json();
    assertThat(body.getBoolean("success")).isFalse();
    assertThat(body.getJsonObject("error").getString("code")).as(r.text()).isEqualTo(code);
    assertThat(body.getJsonObject("error").getString("message")).isNotBlank();
    assertThat(r.header("content-type")).startsWith("application/json");
  }

  private static JsonObject success(Api.Response r, int status) {
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    JsonObject body = r.json();
    assertThat(body.getBoolean("success")).isTrue();
    return body;
  }
}
