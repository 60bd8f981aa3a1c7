package com.livechat.chat;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * How often the local assistant answers a small shop's visitors from the right knowledge entry
 * (assistant/small-shop-faq.json), end to end: the entries through the dashboard API, each
 * question as the first message of a widget chat, so PostgreSQL's full-text search and the local
 * assistant's own matching both count. The floor is the rate measured when it was written; a
 * question the knowledge base does not cover must get the plain "I don't know" with an offer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalAssistantAnswerRateTest {

  /**
   * Measured 0.97 to 1.00 (29 or 30 of 30: "Where is my order?" ties between two entries titled with
   * "order", ordered by their random ids); 0.60 before the matching learnt related words (these
   * questions guided it).
   */
  static final double ANSWER_RATE_FLOOR = 0.9;
  /** Measured 0.85 (17 of 20; 0.35 before) on questions written after the matching was tuned, never tuned for. */
  static final double HELD_OUT_FLOOR = 0.8;

  private LiveChatServer server;
  private Api api;
  private String tenantId;
  private String widgetAuth;
  private JsonObject faq;

  @BeforeAll
  void start() throws IOException {
    try (InputStream in = getClass().getResourceAsStream("/assistant/small-shop-faq.json")) {
      faq = new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    server = TestServer.start();
    api = new Api(server.port());
    JsonObject signup = api.signup("faq-shop@example.com");
    tenantId = signup.getJsonObject("tenant").getString("id");
    widgetAuth = bearer(signup.getJsonObject("tenant").getString("widgetToken"));
    String jwt = signup.getString("token");
    String assistantId = api.get("/api/widgets/" + tenantId + "/config", "Authorization", widgetAuth).json()
        .getJsonObject("config").getString("assistantId");
    for (Object entry : faq.getJsonArray("entries")) {
      Api.Response created = api.post("/api/assistants/" + assistantId + "/knowledge", entry, "Authorization",
          bearer(jwt));
      assertThat(created.status()).as(created.text()).isEqualTo(201);
    }
  }

  @AfterAll
  void stop() {
    server.close();
  }

  private JsonObject ask(String question, int n) {
    Api.Response r = api.post("/api/widgets/" + tenantId + "/chat",
        new JsonObject().put("sessionId", "faq-" + n).put("message", question), "Authorization", widgetAuth);
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json();
  }

  private static List<String> sources(JsonObject reply) {
    List<String> titles = new ArrayList<>();
    for (Object s : reply.getJsonObject("metadata").getJsonArray("sources", new JsonArray())) {
      titles.add(((JsonObject) s).getString("title"));
    }
    return titles;
  }

  /** The share of the pairs answered from their own entry (and that entry alone); prints the misses. */
  private double answerRate(String set, int sessions) {
    JsonArray questions = faq.getJsonArray(set);
    int right = 0;
    List<String> missed = new ArrayList<>();
    for (int i = 0; i < questions.size(); i++) {
      JsonObject pair = questions.getJsonObject(i);
      JsonObject reply = ask(pair.getString("question"), sessions + i);
      if (sources(reply).equals(List.of(pair.getString("entry")))) {
        right++;
      } else {
        missed.add(pair.getString("question") + " -> " + sources(reply) + " " + reply.getString("message"));
      }
    }
    double rate = (double) right / questions.size();
    System.out.printf("local assistant answer rate (%s): %d/%d = %.2f%n", set, right, questions.size(), rate);
    missed.forEach(m -> System.out.println("  missed: " + m));
    return rate;
  }

  /** The questions of a set that got anything but the plain "I don't know" (with no source). */
  private List<String> answeredAnyway(String set, int sessions) {
    JsonArray questions = faq.getJsonArray(set);
    List<String> wrong = new ArrayList<>();
    for (int i = 0; i < questions.size(); i++) {
      JsonObject reply = ask(questions.getString(i), sessions + i);
      // nobody has the dashboard open: the plain answer, and the offer to take contact details
      if (!sources(reply).isEmpty() || !reply.getString("message").startsWith(LocalAssistant.NO_ANSWER)
          || !"followUp".equals(reply.getJsonObject("metadata").getString("offer"))) {
        wrong.add(questions.getString(i) + " -> " + sources(reply) + " " + reply.getString("message"));
      }
    }
    System.out.printf("unanswerable (%s) answered anyway: %d/%d %s%n", set, wrong.size(), questions.size(), wrong);
    return wrong;
  }

  @Test
  void answersMostQuestionsFromTheEntryThatCoversThem() {
    assertThat(answerRate("questions", 0)).isGreaterThanOrEqualTo(ANSWER_RATE_FLOOR);
    assertThat(answerRate("heldOutQuestions", 100)).isGreaterThanOrEqualTo(HELD_OUT_FLOOR);
  }

  @Test
  void aQuestionNoEntryCoversGetsAPlainIDontKnowAndAnOffer() {
    assertThat(answeredAnyway("unanswerable", 1000)).isEmpty();
    assertThat(answeredAnyway("heldOutUnanswerable", 1100)).isEmpty();
  }
}
