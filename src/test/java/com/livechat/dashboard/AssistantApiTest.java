package com.livechat.dashboard;

import static com.livechat.dashboard.Dashboard.assertError;
import static com.livechat.dashboard.Dashboard.assertSuccess;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.support.Api;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** /api/assistants and /api/assistants/:id. */
class AssistantApiTest extends DashboardApiTest {

  private static final AtomicLong PHONE = new AtomicLong(14165550000L);

  private static String phone() {
    return "+" + PHONE.incrementAndGet();
  }

  private static JsonObject full(String phone) {
    return new JsonObject()
        .put("name", "Sales bot")
        .put("instructions", "Qualify leads politely.")
        .put("model", "gpt-4o")
        .put("greeting", "Hello there!")
        .put("temperature", 0.3)
        .put("maxTokens", 800)
        .put("phoneNumbers", new JsonArray().add(phone))
        .put("qualification", new JsonObject().put("requiredFields", new JsonArray().add("email").add("budget")))
        .put("transferNumber", "+14165551234")
        .put("voice", new JsonObject().put("language", "en-US").put("ttsVoice", "Polly.Joanna-Neural"));
  }

  private Api.Response create(Object body) {
    return dashboard.post("/api/assistants", tenant.ownerJwt(), body);
  }

  private JsonObject created(Object body) {
    return assertSuccess(create(body), 201).getJsonObject("assistant");
  }

  private Api.Response replace(String id, Object body) {
    return dashboard.put("/api/assistants/" + id, tenant.ownerJwt(), body);
  }

  @Test
  void createAnswers201WithTheAssistantThatGetThenShows() {
    String phone = phone();
    JsonObject assistant = created(full(phone));
    assertThat(assistant.fieldNames()).containsExactlyInAnyOrder("id", "name", "instructions", "model", "greeting",
        "temperature", "maxTokens", "phoneNumbers", "qualification", "transferNumber", "voice");
    assertThat(assistant.getString("id")).startsWith("asst-");
    JsonObject expected = full(phone).put("id", assistant.getString("id"));
    assertThat(assistant).isEqualTo(expected);
    JsonObject got = assertSuccess(dashboard.get("/api/assistants/" + assistant.getString("id"), tenant.ownerJwt()),
        200).getJsonObject("assistant");
    assertThat(got).isEqualTo(expected);
  }

  @Test
  void absentOptionalFieldsTakeTheirDefaults() {
    JsonObject assistant = created(new JsonObject().put("name", "  Bare  "));
    assertThat(assistant.copy().put("id", "x")).isEqualTo(new JsonObject()
        .put("id", "x").put("name", "Bare").put("instructions", "").put("model", "").put("greeting", "")
        .put("temperature", 0.7).put("maxTokens", 512).put("phoneNumbers", new JsonArray())
        .put("qualification", new JsonObject().put("requiredFields", new JsonArray()))
        .putNull("transferNumber").put("voice", new JsonObject()));
  }

  @Test
  void theVoiceFieldsRoundTripAndPutReplacesThem() {
    JsonObject assistant = created(named().put("transferNumber", "+442071234567")
        .put("voice", new JsonObject().put("language", "zh-Hans-CN").put("ttsVoice", "Google.cmn-CN-Standard-A")));
    String id = assistant.getString("id");
    assertThat(assistant.getString("transferNumber")).isEqualTo("+442071234567");
    assertThat(assistant.getJsonObject("voice"))
        .isEqualTo(new JsonObject().put("language", "zh-Hans-CN").put("ttsVoice", "Google.cmn-CN-Standard-A"));
    JsonObject got = assertSuccess(dashboard.get("/api/assistants/" + id, tenant.ownerJwt()), 200)
        .getJsonObject("assistant");
    assertThat(got).isEqualTo(assistant);

    // each voice field is optional on its own
    JsonObject languageOnly = assertSuccess(replace(id, named().put("voice", new JsonObject().put("language", "fr"))),
        200).getJsonObject("assistant");
    assertThat(languageOnly.getJsonObject("voice")).isEqualTo(new JsonObject().put("language", "fr"));
    assertThat(languageOnly.getValue("transferNumber")).as("PUT replaces: absent is null").isNull();
    assertThat(languageOnly.containsKey("transferNumber")).isTrue();

    // absent or null: no transfer number, carrier defaults
    JsonObject cleared = assertSuccess(replace(id, named().putNull("transferNumber").putNull("voice")), 200)
        .getJsonObject("assistant");
    assertThat(cleared.getValue("transferNumber")).isNull();
    assertThat(cleared.getJsonObject("voice")).isEmpty();
    assertThat(dashboard.get("/api/assistants/" + id, tenant.ownerJwt()).json().getJsonObject("assistant"))
        .isEqualTo(cleared);
  }

  @Test
  void invalidVoiceFieldsAreRefused() {
    String id = created(named()).getString("id");
    List<Object[]> cases = List.of(
        new Object[] {named().put("transferNumber", "4165551234"), "invalid_transfer_number"},
        new Object[] {named().put("transferNumber", "+0165551234"), "invalid_transfer_number"},
        new Object[] {named().put("transferNumber", "+1 416 555 1234"), "invalid_transfer_number"},
        new Object[] {named().put("transferNumber", "+1234567890123456"), "invalid_transfer_number"},
        new Object[] {named().put("transferNumber", ""), "invalid_transfer_number"},
        new Object[] {named().put("transferNumber", 14165551234L), "invalid_transfer_number"},
        new Object[] {named().put("transferNumber", new JsonArray().add("+14165551234")), "invalid_transfer_number"},
        new Object[] {named().put("voice", "en-US"), "invalid_voice"},
        new Object[] {named().put("voice", new JsonArray()), "invalid_voice"},
        new Object[] {named().put("voice", new JsonObject().put("speed", 1)), "invalid_voice"},
        new Object[] {named().put("voice", new JsonObject().put("language", "e")), "invalid_voice"},
        new Object[] {named().put("voice", new JsonObject().put("language", "english")), "invalid_voice"},
        new Object[] {named().put("voice", new JsonObject().put("language", "en_US")), "invalid_voice"},
        new Object[] {named().put("voice", new JsonObject().put("language", "en-")), "invalid_voice"},
        new Object[] {named().put("voice", new JsonObject().put("language", "en-US-x-y-z")), "invalid_voice"},
        new Object[] {named().put("voice", new JsonObject().put("language", "en-abcdefghi")), "invalid_voice"},
        new Object[] {named().put("voice", new JsonObject().put("language", 5)), "invalid_voice"},
        new Object[] {named().put("voice", new JsonObject().put("ttsVoice", "v".repeat(101))), "invalid_voice"},
        new Object[] {named().put("voice", new JsonObject().put("ttsVoice", "Polly\nJoanna")), "invalid_voice"},
        new Object[] {named().put("voice", new JsonObject().put("ttsVoice", "Polly\tJoanna")), "invalid_voice"},
        new Object[] {named().put("voice", new JsonObject().put("ttsVoice", true)), "invalid_voice"});
    for (Object[] c : cases) {
      assertError(create(c[0]), 400, (String) c[1]);
      assertError(replace(id, c[0]), 400, (String) c[1]);
    }
    // a refused write changed nothing
    JsonObject unchanged = dashboard.get("/api/assistants/" + id, tenant.ownerJwt()).json().getJsonObject("assistant");
    assertThat(unchanged.getValue("transferNumber")).isNull();
    assertThat(unchanged.getJsonObject("voice")).isEmpty();
    // the limits themselves are allowed
    JsonObject edge = assertSuccess(replace(id, named().put("transferNumber", "+123456789012345")
        .put("voice", new JsonObject().put("language", "abc-abcdefgh-12345678-x").put("ttsVoice", "é".repeat(100)))),
        200).getJsonObject("assistant");
    assertThat(edge.getJsonObject("voice").getString("ttsVoice")).hasSize(100);
  }

  @Test
  void listShowsTheTenantsAssistantsOldestFirstAndPaged() {
    String first = created(new JsonObject().put("name", "One")).getString("id");
    String second = created(new JsonObject().put("name", "Two")).getString("id");
    JsonObject all = assertSuccess(dashboard.get("/api/assistants", tenant.ownerJwt()), 200);
    assertThat(all.getJsonArray("items").stream().map(o -> ((JsonObject) o).getString("id")).toList())
        .containsExactly(tenant.defaultAssistantId(), first, second);
    assertThat(all.getString("nextCursor")).isNull();
    assertThat(all.getJsonArray("items").getJsonObject(1).getString("name")).isEqualTo("One");

    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonObject page = assertSuccess(dashboard.get("/api/assistants?limit=1" + (cursor == null ? "" : "&cursor="
          + cursor), tenant.ownerJwt()), 200);
      assertThat(page.getJsonArray("items")).hasSize(1);
      seen.add(page.getJsonArray("items").getJsonObject(0).getString("id"));
      cursor = page.getString("nextCursor");
      pages++;
    } while (cursor != null && pages < 10);
    assertThat(seen).containsExactly(tenant.defaultAssistantId(), first, second);
    assertError(dashboard.get("/api/assistants?limit=x", tenant.ownerJwt()), 400, "invalid_limit");
    assertError(dashboard.get("/api/assistants?cursor=%25%25", tenant.ownerJwt()), 400, "invalid_cursor");
  }

  @Test
  void putReplacesEveryWritableField() {
    String phone = phone();
    String id = created(full(phone)).getString("id");
    JsonObject replaced = assertSuccess(replace(id, new JsonObject().put("id", id).put("name", "Renamed")
        .put("temperature", 2)), 200).getJsonObject("assistant");
    JsonObject expected = new JsonObject().put("id", id).put("name", "Renamed").put("instructions", "")
        .put("model", "").put("greeting", "").put("temperature", 2.0).put("maxTokens", 512)
        .put("phoneNumbers", new JsonArray())
        .put("qualification", new JsonObject().put("requiredFields", new JsonArray()))
        .putNull("transferNumber").put("voice", new JsonObject());
    assertThat(replaced).isEqualTo(expected);
    assertThat(dashboard.get("/api/assistants/" + id, tenant.ownerJwt()).json().getJsonObject("assistant"))
        .isEqualTo(expected);
    // its number was released
    assertThat(create(full(phone)).status()).isEqualTo(201);
  }

  @Test
  void aPatchChangesOnlyTheFieldsItSends() {
    String phone = phone();
    JsonObject before = created(full(phone));
    String id = before.getString("id");
    JsonObject patched = assertSuccess(dashboard.patch("/api/assistants/" + id, tenant.ownerJwt(),
        new JsonObject().put("name", "Renamed").put("temperature", 1.5)), 200).getJsonObject("assistant");
    JsonObject expected = before.copy().put("name", "Renamed").put("temperature", 1.5);
    assertThat(patched).isEqualTo(expected);
    assertThat(patched.getString("instructions")).isEqualTo("Qualify leads politely.");
    assertThat(patched.getString("greeting")).isEqualTo("Hello there!");
    assertThat(dashboard.get("/api/assistants/" + id, tenant.ownerJwt()).json().getJsonObject("assistant"))
        .isEqualTo(expected);
    // a nested object merges; null takes a field back to its default
    JsonObject voice = assertSuccess(dashboard.patch("/api/assistants/" + id, tenant.ownerJwt(),
        new JsonObject().put("voice", new JsonObject().put("language", "fr-FR")).putNull("transferNumber")), 200)
        .getJsonObject("assistant");
    assertThat(voice.getJsonObject("voice")).isEqualTo(new JsonObject().put("language", "fr-FR")
        .put("ttsVoice", "Polly.Joanna-Neural"));
    assertThat(voice.getValue("transferNumber")).isNull();
    assertThat(voice.getJsonArray("phoneNumbers")).containsExactly(phone);
    // refused as PUT refuses, and another tenant's assistant is not found
    assertError(dashboard.patch("/api/assistants/" + id, tenant.ownerJwt(), new JsonObject().put("nmae", "x")), 400,
        "invalid_field");
    assertError(dashboard.patch("/api/assistants/" + id, tenant.ownerJwt(), new JsonObject().put("name", "")), 400,
        "invalid_name");
    Dashboard.Tenant other = dashboard.signup();
    assertThat(dashboard.patch("/api/assistants/" + id, other.ownerJwt(), new JsonObject().put("name", "Mine"))
        .status()).isEqualTo(404);
  }

  @Test
  void deleteRemovesTheAssistant() {
    String id = created(new JsonObject().put("name", "Temp")).getString("id");
    JsonObject body = assertSuccess(dashboard.delete("/api/assistants/" + id, tenant.ownerJwt()), 200);
    assertThat(body).isEqualTo(new JsonObject().put("success", true));
    assertError(dashboard.get("/api/assistants/" + id, tenant.ownerJwt()), 404, "assistant_not_found");
    assertError(dashboard.delete("/api/assistants/" + id, tenant.ownerJwt()), 404, "assistant_not_found");
    assertError(replace(id, new JsonObject().put("name", "Back")), 404, "assistant_not_found");
    assertError(dashboard.get("/api/assistants/asst-" + "x".repeat(300), tenant.ownerJwt()), 404,
        "assistant_not_found");
  }

  @Test
  void deletingTheWidgetsAssistantRemovesItFromTheWidgetConfig() {
    String widget = "/api/widgets/" + tenant.id() + "/config";
    Api.Response before = api.get(widget, "Authorization", Api.bearer(tenant.widgetToken()));
    assertThat(before.json().getJsonObject("config").getString("assistantId")).isEqualTo(tenant.defaultAssistantId());

    assertSuccess(dashboard.delete("/api/assistants/" + tenant.defaultAssistantId(), tenant.ownerJwt()), 200);

    Api.Response after = api.get(widget, "Authorization", Api.bearer(tenant.widgetToken()));
    assertThat(after.json().getJsonObject("config").containsKey("assistantId")).isTrue();
    assertThat(after.json().getJsonObject("config").getString("assistantId")).isNull();
    assertThat(after.header("etag")).isNotEqualTo(before.header("etag"));
    assertThat(dashboard.get("/api/tenant", tenant.ownerJwt()).json().getJsonObject("tenant").getJsonObject("config")
        .getString("assistantId")).isNull();
    Api.Response chat = api.post("/api/widgets/" + tenant.id() + "/chat",
        new JsonObject().put("sessionId", "s1").put("message", "hi"), "Authorization", Api.bearer(tenant.widgetToken()));
    assertError(chat, 400, "no_assistant_configured");
  }

  @Test
  void createAndPutValidateEveryField() {
    String id = created(new JsonObject().put("name", "Target")).getString("id");
    List<Object[]> cases = List.of(
        new Object[] {new JsonObject(), "invalid_name"},
        new Object[] {new JsonObject().put("name", " "), "invalid_name"},
        new Object[] {new JsonObject().put("name", "n".repeat(101)), "invalid_name"},
        new Object[] {new JsonObject().put("name", 5), "invalid_name"},
        new Object[] {new JsonObject().put("name", "a\nb"), "invalid_name"},
        new Object[] {named().put("instructions", "i".repeat(20_001)), "invalid_instructions"},
        new Object[] {named().put("instructions", 1), "invalid_instructions"},
        new Object[] {named().put("model", "m".repeat(101)), "invalid_model"},
        new Object[] {named().put("model", "gpt 4"), "invalid_model"},
        new Object[] {named().put("greeting", "g".repeat(1001)), "invalid_greeting"},
        new Object[] {named().put("temperature", -0.1), "invalid_temperature"},
        new Object[] {named().put("temperature", 2.01), "invalid_temperature"},
        new Object[] {named().put("temperature", "1"), "invalid_temperature"},
        new Object[] {named().put("maxTokens", 0), "invalid_max_tokens"},
        new Object[] {named().put("maxTokens", 32_001), "invalid_max_tokens"},
        new Object[] {named().put("maxTokens", 1.5), "invalid_max_tokens"},
        new Object[] {named().put("maxTokens", "100"), "invalid_max_tokens"},
        new Object[] {named().put("phoneNumbers", "+14165550000"), "invalid_phone_numbers"},
        new Object[] {named().put("phoneNumbers", new JsonArray().add("4165550000")), "invalid_phone_numbers"},
        new Object[] {named().put("phoneNumbers", new JsonArray().add("+0165550000")), "invalid_phone_numbers"},
        new Object[] {named().put("phoneNumbers", new JsonArray().add("+12345")), "invalid_phone_numbers"},
        new Object[] {named().put("phoneNumbers", new JsonArray().add("+1234567890123456")), "invalid_phone_numbers"},
        new Object[] {named().put("phoneNumbers", new JsonArray().add("+14165550000").add("+14165550000")),
            "invalid_phone_numbers"},
        new Object[] {named().put("phoneNumbers", numbers(11)), "invalid_phone_numbers"},
        new Object[] {named().put("qualification", new JsonArray()), "invalid_qualification"},
        new Object[] {named().put("qualification", new JsonObject().put("fields", new JsonArray())),
            "invalid_qualification"},
        new Object[] {named().put("qualification", new JsonObject().put("requiredFields", new JsonArray().add("age"))),
            "invalid_qualification"},
        new Object[] {named().put("qualification", new JsonObject().put("requiredFields",
            new JsonArray().add("email").add("email"))), "invalid_qualification"},
        new Object[] {named().put("qualification", new JsonObject().put("requiredFields", "email")),
            "invalid_qualification"},
        new Object[] {named().put("maxtokens", 10), "invalid_field"},
        new Object[] {"{\"name\": \"x\"", "invalid_json"},
        new Object[] {"[1]", "invalid_json"});
    for (Object[] c : cases) {
      assertError(create(c[0]), 400, (String) c[1]);
      assertError(replace(id, c[0]), 400, (String) c[1]);
    }
    // the limits themselves are allowed
    JsonObject edge = named().put("name", "n".repeat(100)).put("instructions", "i".repeat(20_000))
        .put("model", "m".repeat(100)).put("greeting", "g".repeat(1000)).put("temperature", 0).put("maxTokens", 32_000)
        .put("phoneNumbers", numbers(10)).put("qualification", new JsonObject().put("requiredFields",
            new JsonArray().add("name").add("email").add("phone").add("company").add("need").add("budget")
                .add("timeline")));
    assertThat(replace(id, edge).status()).isEqualTo(200);
    assertThat(created(named().put("maxTokens", 1).put("temperature", 2)).getInteger("maxTokens")).isEqualTo(1);
  }

  @Test
  void aPhoneNumberBelongsToOneAssistantAcrossTenants() {
    String phone = phone();
    String mine = created(full(phone)).getString("id");
    assertError(create(full(phone)), 409, "phone_number_taken");
    Dashboard.Tenant other = dashboard.signup();
    assertError(dashboard.post("/api/assistants", other.ownerJwt(), full(phone)), 409, "phone_number_taken");
    String theirs = assertSuccess(dashboard.post("/api/assistants", other.ownerJwt(), full(phone())), 201)
        .getJsonObject("assistant").getString("id");
    assertError(dashboard.put("/api/assistants/" + theirs, other.ownerJwt(), full(phone)), 409, "phone_number_taken");
    // keeping its own number is no conflict
    assertThat(replace(mine, full(phone).put("name", "Still mine")).status()).isEqualTo(200);
    // a refused write changed nothing
    JsonObject unchanged = dashboard.get("/api/assistants/" + theirs, other.ownerJwt()).json()
        .getJsonObject("assistant");
    assertThat(unchanged.getJsonArray("phoneNumbers")).doesNotContain(phone);
  }

  @Test
  void concurrentCreatesWithOneNumberLetExactlyOneThrough() {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      // a few rounds: a check-then-insert race shows up in some of them
      for (int round = 0; round < 5; round++) {
        String phone = phone();
        List<CompletableFuture<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
          calls.add(CompletableFuture.supplyAsync(() -> create(full(phone)).status(), pool));
        }
        List<Integer> statuses = calls.stream().map(CompletableFuture::join).toList();
        assertThat(statuses).containsOnly(201, 409);
        assertThat(statuses.stream().filter(s -> s == 201).count()).as("round " + round).isEqualTo(1);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static JsonObject named() {
    return new JsonObject().put("name", "Valid");
  }

  private static JsonArray numbers(int n) {
    JsonArray numbers = new JsonArray();
    for (int i = 0; i < n; i++) {
      numbers.add(phone());
    }
    return numbers;
  }
}
