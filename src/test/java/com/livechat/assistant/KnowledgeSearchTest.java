package com.livechat.assistant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.livechat.LiveChatServer;
import com.livechat.store.Ids;
import com.livechat.support.TestServer;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** KnowledgeStore.search: a visitor's question, in plain words, finds the entries that answer it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KnowledgeSearchTest {

  private static final AtomicInteger SEQ = new AtomicInteger();

  private static final Map<String, String> FAQ = Map.of(
      "Opening hours", "We are open Monday to Friday from 9:00 to 17:00 and on Saturday from 10:00 to 14:00. "
          + "Closed on Sundays and public holidays.",
      "Pricing", "Starter costs 19 EUR per month, Pro costs 49 EUR per month. VAT included.",
      "Shipping", "We ship within 2 business days. Delivery in the EU takes 3 to 5 days. Free for orders over 50 EUR.",
      "Returns and refunds", "You can return any item within 30 days for a full refund.",
      "Contact", "Call us at +1 416 555 9999 or email support@example.com. Our phone line is staffed during "
          + "opening hours.",
      "Parking", "Free parking is available behind the store on Saturday and Sunday.",
      "Gift cards", "Gift cards are available in the store and online, from 10 to 500 EUR.");

  private LiveChatServer server;
  private KnowledgeStore store;
  private String tenantId;
  private String assistantId;

  @BeforeAll
  void startServer() {
    server = TestServer.start();
    store = server.wiring().knowledge();
  }

  @AfterAll
  void stopServer() {
    server.close();
  }

  @BeforeEach
  void newTenantWithFaq() {
    tenantId = newTenant();
    assistantId = newAssistant(tenantId);
    FAQ.forEach((title, content) -> add(tenantId, assistantId, title, content));
  }

  private String newTenant() {
    String id = Ids.next("tnt");
    TestServer.sql(server, "INSERT INTO tenants (id, name, widget_config) VALUES ($1, $2, '{}')", id,
        "Tenant " + SEQ.incrementAndGet());
    return id;
  }

  private String newAssistant(String tenant) {
    String id = Ids.next("asst");
    TestServer.sql(server, "INSERT INTO assistants (id, tenant_id, name) VALUES ($1, $2, 'Bot')", id, tenant);
    return id;
  }

  private String add(String tenant, String assistant, String title, String content) {
    KnowledgeStore.Write write = store.create(tenant, assistant, Ids.next("doc"), title, content, 1000).await();
    assertThat(write.outcome()).isEqualTo(KnowledgeStore.Outcome.CREATED);
    return write.entry().id();
  }

  private List<KnowledgeHit> search(String text) {
    return store.search(tenantId, assistantId, text, 5).await();
  }

  private static List<String> titles(List<KnowledgeHit> hits) {
    return hits.stream().map(KnowledgeHit::title).toList();
  }

  @Test
  void aQuestionInPlainWordsFindsTheEntryThatAnswersItFirst() {
    List<KnowledgeHit> hits = search("What are your opening hours on Saturday?");
    assertThat(titles(hits)).first().isEqualTo("Opening hours");
    // entries sharing only some of the words are found too, ranked below
    assertThat(titles(hits)).contains("Contact", "Parking");
    assertThat(hits).isSortedAccordingTo((a, b) -> Double.compare(b.rank(), a.rank()));
    assertThat(hits.get(0).content()).isEqualTo(FAQ.get("Opening hours"));
  }

  @Test
  void aClearMatchRanksAboveTheGoodMatchThresholdAndAnIncidentalWordBelowIt() {
    List<KnowledgeHit> hits = search("What are your opening hours on Saturday?");
    KnowledgeHit answer = hits.get(0);
    KnowledgeHit incidental = hits.stream().filter(h -> h.title().equals("Parking")).findFirst().orElseThrow();
    // KnowledgeHit documents these figures: opening + hours in title and content, saturday in content
    assertThat(answer.rank()).isCloseTo(0.60, within(0.02));
    // saturday, once in the content
    assertThat(incidental.rank()).isCloseTo(0.20, within(0.02));
    assertThat(answer.rank()).isGreaterThan(0.35);
    assertThat(incidental.rank()).isLessThan(0.35);
  }

  @Test
  void aLongRamblingQuestionRanksTheAnswerAsHighAsAShortOne() {
    double shortRank = search("What are your opening hours on Saturday?").get(0).rank();
    List<KnowledgeHit> hits = search("Hi there, I wanted to ask what your opening hours are on Saturday, because I "
        + "would like to come by with my kids and maybe buy something for my brother");
    assertThat(hits.get(0).title()).isEqualTo("Opening hours");
    assertThat(hits.get(0).rank()).isCloseTo(shortRank, within(1e-5));
  }

  @Test
  void englishStemmingMatchesOtherFormsOfAWord() {
    assertThat(titles(search("prices?"))).containsExactly("Pricing");
    assertThat(titles(search("How much does it cost?"))).containsExactly("Pricing");
    assertThat(titles(search("refunding"))).containsExactly("Returns and refunds");
  }

  @Test
  void anyTextIsSearchableWithoutError() {
    for (String hostile : List.of("'", "''", "\\", "\\'", "a & b | !c", "!!!", "&|!:*()<>", "(hours", "hours:*",
        "<-> <2>", "'opening' & 'hours'", "O'Brien's \"hours\"", "C:\\Users\\x 'y' \\\\", "http://x.com/a'b\\c?d='e'",
        "1 = 1; DROP TABLE knowledge_entries; --", "$1 $$ $tag$", "\u00fcber \u65e5\u672c\u8a9e \ud83d\ude00 \u043f\u0440\u0438\u0432\u0435\u0442",
        "nul\0char", "x".repeat(10_000), "hours ".repeat(2000))) {
      assertThat(store.search(tenantId, assistantId, hostile, 5).await()).as(hostile).isNotNull();
    }
    // quotes and operators are just punctuation: the words still count
    assertThat(titles(search("'opening' & !hours:*"))).first().isEqualTo("Opening hours");
  }

  @Test
  void aQuestionOfStopWordsOrPunctuationOnlyFindsNothing() {
    assertThat(search("What is it that you are?")).isEmpty();
    assertThat(search("?!... --- ()")).isEmpty();
    assertThat(search("   ")).isEmpty();
    assertThat(search("")).isEmpty();
  }

  @Test
  void aQuestionWithNoWordInAnyEntryFindsNothing() {
    assertThat(search("Do you sell bicycles?")).isEmpty();
  }

  @Test
  void searchNeverReturnsAnotherTenantsOrAnotherAssistantsEntries() {
    String otherTenant = newTenant();
    String otherAssistant = newAssistant(otherTenant);
    String foreign = add(otherTenant, otherAssistant, "Opening hours", "Open on Saturday, opening hours 24/7.");
    String sibling = newAssistant(tenantId);
    String siblings = add(tenantId, sibling, "Opening hours", "Our other shop: opening hours on Saturday 8-20.");

    List<KnowledgeHit> own = search("opening hours saturday");
    assertThat(own).extracting(KnowledgeHit::id).doesNotContain(foreign, siblings);
    assertThat(titles(own)).containsExactlyInAnyOrder("Opening hours", "Contact", "Parking");
    // another tenant's assistant id does not open its entries
    assertThat(store.search(tenantId, otherAssistant, "opening hours saturday", 5).await()).isEmpty();
    assertThat(store.search(otherTenant, otherAssistant, "opening hours saturday", 5).await())
        .extracting(KnowledgeHit::id).containsExactly(foreign);
  }

  @Test
  void limitCapsTheHitsAndIsChecked() {
    assertThat(store.search(tenantId, assistantId, "opening hours saturday store", 2).await()).hasSize(2);
    assertThat(store.search(tenantId, assistantId, "hours", 0).failed()).isTrue();
    assertThat(store.search(tenantId, assistantId, "hours", KnowledgeStore.SEARCH_LIMIT_MAX + 1).failed()).isTrue();
  }

  /**
   * Whether the planner prefers the GIN index or the assistant's btree range depends on the data
   * (with many tenants it ANDs both bitmaps; when one assistant holds much of a small table it just
   * filters that assistant's entries, at most ENTRIES_MAX). This checks that the query's shape lets
   * the GIN index serve it: without the btree alternative and sequential scans, it does.
   */
  @Test
  void theSearchCanBeServedByTheGinIndexOnTheVector() {
    StringBuilder plan = new StringBuilder();
    server.wiring().pool().withConnection(conn -> conn.begin().compose(tx -> conn
        .query("DROP INDEX knowledge_entries_assistant_idx").execute()
        .compose(x -> conn.query("SET LOCAL enable_seqscan = off").execute())
        .compose(x -> conn.preparedQuery("EXPLAIN " + KnowledgeStore.SEARCH)
            .execute(Tuple.of(tenantId, assistantId, "What are your opening hours on Saturday?", 5)))
        .onSuccess(rows -> rows.forEach(row -> plan.append(row.getString(0)).append('\n')))
        .eventually(tx::rollback))).await();
    assertThat(plan.toString()).contains("Bitmap Index Scan on knowledge_entries_search_idx")
        .contains("Index Cond: (search_vector @@ q.query)");
  }
}
