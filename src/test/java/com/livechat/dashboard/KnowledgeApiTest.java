package com.livechat.dashboard;

import static com.livechat.dashboard.Dashboard.assertError;
import static com.livechat.dashboard.Dashboard.assertSuccess;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.assistant.KnowledgeHit;
import com.livechat.assistant.KnowledgeInput;
import com.livechat.support.Api;
import com.livechat.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** /api/assistants/:id/knowledge and /api/assistants/:id/knowledge/:docId; the tenant's searchLanguage. */
class KnowledgeApiTest extends DashboardApiTest {

  private static JsonObject entry(String title, String content) {
    return new JsonObject().put("title", title).put("content", content);
  }

  private String path() {
    return "/api/assistants/" + tenant.defaultAssistantId() + "/knowledge";
  }

  private Api.Response add(Object body) {
    return dashboard.post(path(), tenant.ownerJwt(), body);
  }

  private JsonObject added(String title, String content) {
    return assertSuccess(add(entry(title, content)), 201).getJsonObject("entry");
  }

  private static List<String> ids(JsonObject page) {
    return page.getJsonArray("items").stream().map(o -> ((JsonObject) o).getString("id")).toList();
  }

  private long storedEntries(String assistantId) {
    return TestServer.sql(server, "SELECT count(*) FROM knowledge_entries WHERE assistant_id = $1", assistantId)
        .iterator().next().getLong(0);
  }

  private List<String> searchTitles(String question) {
    return server.wiring().knowledge().search(tenant.id(), tenant.defaultAssistantId(), question, 5).await()
        .stream().map(KnowledgeHit::title).toList();
  }

  // ---- create, read, list, delete ---------------------------------------------------------

  @Test
  void createAnswers201WithTheEntryThatGetThenShows() {
    Api.Response r = add(entry("  Opening hours  ", "We are open\nMonday to Friday, 9 to 5.  "));
    JsonObject created = assertSuccess(r, 201).getJsonObject("entry");
    assertThat(created.fieldNames()).containsExactlyInAnyOrder("id", "assistantId", "title", "content", "createdAt");
    assertThat(created.getString("id")).startsWith("doc-");
    assertThat(created.getString("assistantId")).isEqualTo(tenant.defaultAssistantId());
    assertThat(created.getString("title")).isEqualTo("Opening hours");
    assertThat(created.getString("content")).isEqualTo("We are open\nMonday to Friday, 9 to 5.");
    assertThat(Duration.between(Instant.parse(created.getString("createdAt")), Instant.now()).abs())
        .isLessThan(Duration.ofMinutes(1));

    JsonObject got = assertSuccess(dashboard.get(path() + "/" + created.getString("id"), tenant.ownerJwt()), 200)
        .getJsonObject("entry");
    assertThat(got).isEqualTo(created);
  }

  @Test
  void listShowsTheAssistantsEntriesInFullOldestFirstAndPaged() {
    String first = added("One", "First entry").getString("id");
    String second = added("Two", "Second entry").getString("id");
    String third = added("Three", "Third entry").getString("id");
    // another assistant's entry is not in this list
    String other = assertSuccess(dashboard.post("/api/assistants", tenant.ownerJwt(), new JsonObject().put("name", "B")),
        201).getJsonObject("assistant").getString("id");
    assertSuccess(dashboard.post("/api/assistants/" + other + "/knowledge", tenant.ownerJwt(), entry("X", "Y")), 201);

    JsonObject all = assertSuccess(dashboard.get(path(), tenant.ownerJwt()), 200);
    assertThat(ids(all)).containsExactly(first, second, third);
    assertThat(all.getValue("nextCursor")).isNull();
    assertThat(all.getJsonArray("items").getJsonObject(1)).isEqualTo(new JsonObject().put("id", second)
        .put("assistantId", tenant.defaultAssistantId()).put("title", "Two").put("content", "Second entry")
        .put("createdAt", all.getJsonArray("items").getJsonObject(1).getString("createdAt")));

    JsonObject page1 = assertSuccess(dashboard.get(path() + "?limit=2", tenant.ownerJwt()), 200);
    assertThat(ids(page1)).containsExactly(first, second);
    JsonObject page2 = assertSuccess(dashboard.get(path() + "?limit=2&cursor=" + page1.getString("nextCursor"),
        tenant.ownerJwt()), 200);
    assertThat(ids(page2)).containsExactly(third);
    assertThat(page2.getValue("nextCursor")).isNull();

    assertError(dashboard.get(path() + "?limit=0", tenant.ownerJwt()), 400, "invalid_limit");
    assertError(dashboard.get(path() + "?cursor=bm9wZQ", tenant.ownerJwt()), 400, "invalid_cursor");
  }

  @Test
  void anAssistantWithoutEntriesListsNone() {
    JsonObject empty = assertSuccess(dashboard.get(path(), tenant.ownerJwt()), 200);
    assertThat(empty.getJsonArray("items")).isEmpty();
    assertThat(empty.getValue("nextCursor")).isNull();
  }

  @Test
  void deleteRemovesTheEntry() {
    String id = added("Gone soon", "Temporary").getString("id");
    JsonObject body = assertSuccess(dashboard.delete(path() + "/" + id, tenant.ownerJwt()), 200);
    assertThat(body).isEqualTo(new JsonObject().put("success", true));
    assertError(dashboard.get(path() + "/" + id, tenant.ownerJwt()), 404, "knowledge_not_found");
    assertError(dashboard.delete(path() + "/" + id, tenant.ownerJwt()), 404, "knowledge_not_found");
    assertThat(ids(dashboard.get(path(), tenant.ownerJwt()).json())).isEmpty();
  }

  @Test
  void unknownAssistantsAndEntriesAre404() {
    String id = added("Kept", "Kept").getString("id");
    String unknown = "/api/assistants/asst-nope/knowledge";
    assertError(dashboard.get(unknown, tenant.ownerJwt()), 404, "assistant_not_found");
    assertError(dashboard.post(unknown, tenant.ownerJwt(), entry("T", "C")), 404, "assistant_not_found");
    assertError(dashboard.get(unknown + "/" + id, tenant.ownerJwt()), 404, "assistant_not_found");
    assertError(dashboard.delete(unknown + "/" + id, tenant.ownerJwt()), 404, "assistant_not_found");
    String tooLong = "/api/assistants/" + "a".repeat(129) + "/knowledge";
    assertError(dashboard.get(tooLong, tenant.ownerJwt()), 404, "assistant_not_found");

    assertError(dashboard.get(path() + "/doc-nope", tenant.ownerJwt()), 404, "knowledge_not_found");
    assertError(dashboard.delete(path() + "/doc-nope", tenant.ownerJwt()), 404, "knowledge_not_found");
    // an entry is reached only through its own assistant
    String other = assertSuccess(dashboard.post("/api/assistants", tenant.ownerJwt(), new JsonObject().put("name", "B")),
        201).getJsonObject("assistant").getString("id");
    assertError(dashboard.get("/api/assistants/" + other + "/knowledge/" + id, tenant.ownerJwt()), 404,
        "knowledge_not_found");
    assertError(dashboard.delete("/api/assistants/" + other + "/knowledge/" + id, tenant.ownerJwt()), 404,
        "knowledge_not_found");
    assertThat(storedEntries(tenant.defaultAssistantId())).isEqualTo(1);
  }

  @Test
  void deletingTheAssistantDeletesItsEntries() {
    added("One", "First");
    added("Two", "Second");
    assertThat(storedEntries(tenant.defaultAssistantId())).isEqualTo(2);
    assertSuccess(dashboard.delete("/api/assistants/" + tenant.defaultAssistantId(), tenant.ownerJwt()), 200);
    assertThat(storedEntries(tenant.defaultAssistantId())).isZero();
  }

  // ---- validation and limits ------------------------------------------------------------

  @Test
  void invalidBodiesAre400WithTheFieldsCode() {
    assertError(add(new JsonObject().put("content", "C")), 400, "invalid_title");
    assertError(add(entry("   ", "C")), 400, "invalid_title");
    assertError(add(new JsonObject().put("title", 42).put("content", "C")), 400, "invalid_title");
    assertError(add(entry("x".repeat(KnowledgeInput.TITLE_MAX + 1), "C")), 400, "invalid_title");
    assertError(add(entry("Two\nlines", "C")), 400, "invalid_title");
    assertError(add(new JsonObject().put("title", "T")), 400, "invalid_content");
    assertError(add(entry("T", " \n\t ")), 400, "invalid_content");
    assertError(add(new JsonObject().put("title", "T").put("content", new JsonArray())), 400, "invalid_content");
    assertError(add(entry("T", "x".repeat(KnowledgeInput.CONTENT_MAX + 1))), 400, "invalid_content");
    assertError(add(entry("T", "C").put("tags", "faq")), 400, "invalid_field");
    assertError(dashboard.post(path(), tenant.ownerJwt(), "[1]"), 400, "invalid_json");
    assertError(dashboard.post(path(), tenant.ownerJwt(), "{"), 400, "invalid_json");
    assertThat(storedEntries(tenant.defaultAssistantId())).isZero();
  }

  @Test
  void titleAndContentMayReachTheirLimits() {
    // the limits count characters (code points), not bytes
    String title = "é".repeat(KnowledgeInput.TITLE_MAX - 1) + "\ud83d\ude00";
    String content = "x".repeat(KnowledgeInput.CONTENT_MAX);
    JsonObject created = added(title, content);
    assertThat(created.getString("title")).isEqualTo(title);
    assertThat(created.getString("content")).isEqualTo(content);
  }

  @Test
  void anAssistantHoldsAtMostTheEntryLimitThen409() {
    // fill up to one below the limit directly, then reach it through the API
    TestServer.sql(server, "INSERT INTO knowledge_entries (id, tenant_id, assistant_id, title, content, search_config) "
        + "SELECT 'doc-fill-' || $1 || '-' || g, $1, $2, 'Filler', 'Filler', 'english' FROM generate_series(1, $3) g",
        tenant.id(), tenant.defaultAssistantId(), KnowledgeInput.ENTRIES_MAX - 1);
    added("The last one", "fits");
    assertError(add(entry("One too many", "does not fit")), 409, "knowledge_limit_reached");
    assertThat(storedEntries(tenant.defaultAssistantId())).isEqualTo(KnowledgeInput.ENTRIES_MAX);
    // the limit is per assistant
    String other = assertSuccess(dashboard.post("/api/assistants", tenant.ownerJwt(), new JsonObject().put("name", "B")),
        201).getJsonObject("assistant").getString("id");
    assertSuccess(dashboard.post("/api/assistants/" + other + "/knowledge", tenant.ownerJwt(), entry("T", "C")), 201);
    // and room is made by deleting
    String id = ids(dashboard.get(path() + "?limit=1", tenant.ownerJwt()).json()).get(0);
    assertSuccess(dashboard.delete(path() + "/" + id, tenant.ownerJwt()), 200);
    added("Fits again", "after a delete");
  }

  @Test
  void concurrentCreatesNeverExceedTheLimit() {
    int room = 4;
    TestServer.sql(server, "INSERT INTO knowledge_entries (id, tenant_id, assistant_id, title, content, search_config) "
        + "SELECT 'doc-fill-' || $1 || '-' || g, $1, $2, 'Filler', 'Filler', 'english' FROM generate_series(1, $3) g",
        tenant.id(), tenant.defaultAssistantId(), KnowledgeInput.ENTRIES_MAX - room);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<CompletableFuture<Integer>> calls = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        calls.add(CompletableFuture.supplyAsync(() -> add(entry("Racer", "one of many")).status(), pool));
      }
      List<Integer> statuses = calls.stream().map(CompletableFuture::join).toList();
      assertThat(statuses).containsOnly(201, 409);
      assertThat(statuses.stream().filter(s -> s == 201).count()).isEqualTo(room);
    } finally {
      pool.shutdownNow();
    }
    assertThat(storedEntries(tenant.defaultAssistantId())).isEqualTo(KnowledgeInput.ENTRIES_MAX);
  }

  // ---- roles and tenants ----------------------------------------------------------------

  @Test
  void agentsReadButOnlyOwnersAndAdminsWrite() {
    String id = added("Readable", "by agents").getString("id");
    String agent = dashboard.member(tenant.ownerJwt(), "agent");
    assertThat(ids(assertSuccess(dashboard.get(path(), agent), 200))).containsExactly(id);
    assertSuccess(dashboard.get(path() + "/" + id, agent), 200);
    assertError(dashboard.post(path(), agent, entry("T", "C")), 403, "forbidden");
    assertError(dashboard.delete(path() + "/" + id, agent), 403, "forbidden");

    String admin = dashboard.member(tenant.ownerJwt(), "admin");
    String byAdmin = assertSuccess(dashboard.post(path(), admin, entry("T", "C")), 201).getJsonObject("entry")
        .getString("id");
    assertSuccess(dashboard.delete(path() + "/" + byAdmin, admin), 200);
    assertThat(storedEntries(tenant.defaultAssistantId())).isEqualTo(1);
  }

  @Test
  void anotherTenantSeesNeitherTheAssistantNorItsEntries() {
    String id = added("Private", "Tenant A only").getString("id");
    Dashboard.Tenant other = dashboard.signup();
    assertError(dashboard.get(path(), other.ownerJwt()), 404, "assistant_not_found");
    assertError(dashboard.get(path() + "/" + id, other.ownerJwt()), 404, "assistant_not_found");
    assertError(dashboard.post(path(), other.ownerJwt(), entry("T", "C")), 404, "assistant_not_found");
    assertError(dashboard.delete(path() + "/" + id, other.ownerJwt()), 404, "assistant_not_found");
    // nor through an assistant of its own
    String ownPath = "/api/assistants/" + other.defaultAssistantId() + "/knowledge/" + id;
    assertError(dashboard.get(ownPath, other.ownerJwt()), 404, "knowledge_not_found");
    assertError(dashboard.delete(ownPath, other.ownerJwt()), 404, "knowledge_not_found");
    assertThat(storedEntries(tenant.defaultAssistantId())).isEqualTo(1);
  }

  @Test
  void writesNeedAToken() {
    assertError(api.post(path(), entry("T", "C")), 401, "unauthorized");
  }

  // ---- the tenant's search language -------------------------------------------------------

  @Test
  void theSearchLanguageIsEnglishUntilChangedAndAnAbsentOneIsKept() {
    JsonObject t = assertSuccess(dashboard.get("/api/tenant", tenant.ownerJwt()), 200).getJsonObject("tenant");
    assertThat(t.getString("searchLanguage")).isEqualTo("english");
    JsonObject config = t.getJsonObject("config");

    JsonObject put = assertSuccess(dashboard.put("/api/tenant/config", tenant.ownerJwt(),
        config.copy().put("searchLanguage", "German")), 200);
    assertThat(put.getJsonObject("config").getString("searchLanguage")).isEqualTo("german");
    assertThat(dashboard.get("/api/tenant", tenant.ownerJwt()).json().getJsonObject("tenant")
        .getString("searchLanguage")).isEqualTo("german");

    // a config PUT without it (e.g. one read back from GET) leaves it as it is
    JsonObject again = assertSuccess(dashboard.put("/api/tenant/config", tenant.ownerJwt(), config), 200);
    assertThat(again.getJsonObject("config").containsKey("searchLanguage")).isFalse();
    JsonObject after = dashboard.get("/api/tenant", tenant.ownerJwt()).json().getJsonObject("tenant");
    assertThat(after.getString("searchLanguage")).isEqualTo("german");
    assertThat(after.getJsonObject("config")).isEqualTo(config);

    // it is not part of the public widget config
    JsonObject widget = api.get("/api/widgets/" + tenant.id() + "/config", "Authorization",
        Api.bearer(tenant.widgetToken())).json().getJsonObject("config");
    assertThat(widget.fieldNames()).containsExactlyInAnyOrder("name", "assistantId", "widget", "branding");
  }

  @Test
  void anUnknownSearchLanguageIs400AndChangesNothing() {
    JsonObject config = dashboard.get("/api/tenant", tenant.ownerJwt()).json().getJsonObject("tenant")
        .getJsonObject("config");
    Api.Response unknown = dashboard.put("/api/tenant/config", tenant.ownerJwt(),
        config.copy().put("name", "Renamed").put("searchLanguage", "klingon"));
    assertError(unknown, 400, "invalid_search_language");
    assertThat(unknown.json().getJsonObject("error").getString("message")).contains("english", "german", "simple");
    for (Object bad : List.of(42, "", "english; drop", "pg_catalog.english", "x".repeat(64))) {
      assertError(dashboard.put("/api/tenant/config", tenant.ownerJwt(), config.copy().put("searchLanguage", bad)),
          400, "invalid_search_language");
    }
    JsonObject t = dashboard.get("/api/tenant", tenant.ownerJwt()).json().getJsonObject("tenant");
    assertThat(t.getString("searchLanguage")).isEqualTo("english");
    assertThat(t.getString("name")).isNotEqualTo("Renamed");
  }

  @Test
  void agentsCannotChangeTheSearchLanguage() {
    JsonObject config = dashboard.get("/api/tenant", tenant.ownerJwt()).json().getJsonObject("tenant")
        .getJsonObject("config");
    String agent = dashboard.member(tenant.ownerJwt(), "agent");
    assertError(dashboard.put("/api/tenant/config", agent, config.copy().put("searchLanguage", "german")), 403,
        "forbidden");
  }

  @Test
  void changingTheLanguageWhileTheWidgetsAssistantIsDeletedNeverFails() {
    // the re-index and an assistant's delete both touch the assistant, its entries and the tenant:
    // they must take their locks in an order that cannot deadlock
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 8; round++) {
        Dashboard.Tenant t = dashboard.signup();
        String entries = "/api/assistants/" + t.defaultAssistantId() + "/knowledge";
        for (int i = 0; i < 50; i++) {
          assertSuccess(dashboard.post(entries, t.ownerJwt(), entry("Entry " + i, "Opening hours " + i)), 201);
        }
        // a PATCH keeps the assistant it reads: if the delete came between its read and its write,
        // that assistant is gone (404), else it is saved; never a deadlock or a 500
        CompletableFuture<Api.Response> patch = CompletableFuture.supplyAsync(
            () -> dashboard.patch("/api/tenant/config", t.ownerJwt(),
                new JsonObject().put("searchLanguage", "german")), pool);
        CompletableFuture<Api.Response> delete = CompletableFuture.supplyAsync(
            () -> dashboard.delete("/api/assistants/" + t.defaultAssistantId(), t.ownerJwt()), pool);
        assertThat(patch.join().status()).as(patch.join().text()).isIn(200, 404);
        assertThat(delete.join().status()).as(delete.join().text()).isEqualTo(200);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void changingTheSearchLanguageReindexesTheTenantsEntries() {
    added("Lieferung", "Wir liefern innerhalb von zwei Werktagen.");
    // read as English, "Lieferungen" and "Lieferung" are different words
    assertThat(searchTitles("Wie lange dauern Lieferungen?")).isEmpty();

    JsonObject config = dashboard.get("/api/tenant", tenant.ownerJwt()).json().getJsonObject("tenant")
        .getJsonObject("config");
    assertSuccess(dashboard.put("/api/tenant/config", tenant.ownerJwt(), config.copy().put("searchLanguage", "german")),
        200);
    // read as German, both are the stem "liefer"; entries added from now on are indexed in German too
    assertThat(searchTitles("Wie lange dauern Lieferungen?")).containsExactly("Lieferung");
    added("Rücksendungen", "Rücksendungen sind 30 Tage lang kostenlos.");
    assertThat(searchTitles("Ist eine Rücksendung kostenlos?")).containsExactly("Rücksendungen");
  }
}
