package com.livechat.browser;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.FakeOpenAi;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * An agent in the dashboard and a visitor in the widget, each in a Chromium of their own: signing
 * up, the visitor's message seen live, takeover and a reply that reaches the widget without a
 * reload, markup shown as text on both sides, and a dashboard whose socket the server cuts that
 * resumes with every message once and once only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardBrowserTest {

  private static final String PASSWORD = "correct horse battery";
  private static final String MARKUP = "<img src=x onerror=alert(1)>";

  private FakeOpenAi ai;
  private LiveChatServer server;
  private Api api;
  private TenantSite site;
  private Browser agent;
  private Browser visitor;
  private DashboardPage dashboard;

  @BeforeAll
  void start() {
    Browser.requireChromium();
    // an assistant that always answers (the local one hands over what it cannot answer)
    ai = new FakeOpenAi();
    ai.reply = "Let me check that for you.";
    JsonObject config = TestServer.config(TestDatabase.createDatabase());
    config.getJsonObject("ai").put("providers", new JsonArray().add(ai.providerConfig("fake", "gpt-test")));
    server = TestServer.start(config);
    api = new Api(server.port());
    site = new TenantSite(server.port());
    agent = Browser.desktop();
    visitor = Browser.desktop();
    dashboard = new DashboardPage(agent, server.port());
  }

  @AfterEach
  void printConsole() {
    agent.printConsole("dashboard");
    visitor.printConsole("visitor");
  }

  @AfterAll
  void stop() {
    for (AutoCloseable c : new AutoCloseable[] {agent, visitor, site, server == null ? null : server::close, ai}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        System.out.println("closing: " + e);
      }
    }
  }

  private static String email(String who) {
    return who + "-" + System.nanoTime() + "@dashboard-browser.test";
  }

  private WidgetPage firstVisit(String shop) {
    visitor.driver.get(site.blank());
    visitor.script("localStorage.clear(); sessionStorage.clear();");
    return new WidgetPage(visitor).load(shop);
  }

  /** A tenant signed up through the API, then logged in through the dashboard's login form. */
  private JsonObject loggedIn(String who) {
    String email = email(who);
    JsonObject signup = api.signup(email);
    dashboard.loadSignedOut().logIn(email, PASSWORD);
    return signup;
  }

  @Test
  void anAgentSignsUpSeesTheVisitorLiveTakesOverAndRepliesToTheWidget() {
    dashboard.loadSignedOut().signUp(email("owner"), PASSWORD, "Harbour Books");

    dashboard.go("widget");
    String snippet = agent.await("the embed snippet", d -> {
      String value = dashboard.dc("snippet").getDomProperty("value");
      return value != null && value.contains("data-widget-token") ? value : null;
    });
    assertThat(dashboard.dc("snippet").getDomAttribute("readonly")).isNotNull();
    assertThat(snippet).contains("src=\"http://127.0.0.1:" + server.port() + "/widget.js\"");
    String widgetId = attribute(snippet, "data-widget-id");
    String widgetToken = attribute(snippet, "data-widget-token");
    assertThat(widgetId).startsWith("tnt-");
    agent.screenshot("dashboard-widget-settings");

    dashboard.go("conversations");
    agent.script("window.notReloaded = true;");
    WidgetPage widget = firstVisit(site.shop(widgetId, widgetToken)).open();
    visitor.script("window.notReloaded = true;");
    widget.send("Hello, is the blue edition of Dune in stock?");
    widget.awaitMessage("visitor", "blue edition of Dune");
    widget.awaitMessage("assistant", "Let me check that for you.");

    // the row comes over the tenant socket: the dashboard is not reloaded
    String conversationId = dashboard.awaitFirstConversation();
    assertThat(conversationId).startsWith("conv-");
    agent.screenshot("dashboard-conversations");
    dashboard.openConversation(conversationId);
    dashboard.awaitMessage("visitor", "blue edition of Dune");

    dashboard.dc("takeover").click();
    visitor.await("the widget's handoff notice once the agent takes over", d -> widget.shown("handoff"));
    dashboard.reply("Hi, I'm Sam from Harbour Books. We have two copies left.");
    dashboard.awaitMessage("agent", "two copies left");
    widget.awaitMessage("agent", "two copies left");
    widget.send("Great, please keep one for me.");
    dashboard.awaitMessage("visitor", "keep one for me");
    assertThat(visitor.script("return window.notReloaded === true")).as("the widget's page was not reloaded")
        .isEqualTo(true);
    assertThat(agent.script("return window.notReloaded === true")).as("the dashboard was not reloaded")
        .isEqualTo(true);
    agent.screenshot("dashboard-thread");
    visitor.screenshot("widget-with-agent");
  }

  @Test
  void theWidgetFormSetsWhatTheAssistantDoesWhenItCannotHelpAndKeepsIt() {
    JsonObject signup = loggedIn("handoff");
    dashboard.go("widget");
    agent.await("the handoff setting", d -> dashboard.shown("handoff-mode") ? true : null);
    assertThat(dashboard.dc("handoff-mode").getDomProperty("value")).isEqualTo("offer");
    agent.script("const s = document.querySelector('[data-dc=\"handoff-mode\"]'); s.value = 'never';"
        + " s.dispatchEvent(new Event('change'));");
    dashboard.dc("save-widget").click();
    String jwt = signup.getString("token");
    agent.await("the mode saved", d -> "never".equals(api.get("/api/tenant", "Authorization", Api.bearer(jwt)).json()
        .getJsonObject("tenant").getJsonObject("config").getJsonObject("handoff").getString("mode")) ? true : null);

    // 'never': a question the assistant cannot answer gets a follow-up offer, and the list says so
    String tenantId = signup.getJsonObject("tenant").getString("id");
    ai.script(FakeOpenAi.Canned.toolCalls(FakeOpenAi.call("call_h", "request_human", "{}")));
    Api.Response chat = api.post("/api/widgets/" + tenantId + "/chat", new JsonObject().put("sessionId", "follow")
        .put("message", "Do you repair spaceships?"), "Authorization",
        Api.bearer(signup.getJsonObject("tenant").getString("widgetToken")));
    assertThat(chat.json().getJsonObject("metadata").getString("offer")).as(chat.text()).isEqualTo("followUp");
    dashboard.go("conversations");
    agent.await("the follow-up badge", d -> dashboard.shown("follow-up") ? true : null);
    agent.screenshot("dashboard-follow-up");
  }

  @Test
  void markupInAMessageIsTextOnBothSides() {
    JsonObject signup = loggedIn("markup");
    JsonObject tenant = signup.getJsonObject("tenant");
    dashboard.go("conversations");

    WidgetPage widget = firstVisit(site.shop(tenant.getString("id"), tenant.getString("widgetToken"))).open();
    widget.send("Hi " + MARKUP);
    WidgetPage.Message sent = widget.awaitMessage("visitor", MARKUP);
    assertThat(sent.images()).as("images in the visitor's message").isZero();

    String conversationId = dashboard.awaitFirstConversation();
    dashboard.openConversation(conversationId);
    DashboardPage.Message seen = dashboard.awaitMessage("visitor", MARKUP);
    assertThat(seen.images()).as("images in the visitor's message in the dashboard").isZero();

    String reply = "<b>Bold?</b> " + MARKUP.replace("alert(1)", "alert(2)");
    dashboard.reply(reply);
    DashboardPage.Message replied = dashboard.awaitMessage("agent", reply);
    WidgetPage.Message received = widget.awaitMessage("agent", reply);
    assertThat(replied.images()).isZero();
    assertThat(received.images()).isZero();

    assertThat(visitor.alertOpen()).as("an alert in the visitor's page").isFalse();
    assertThat(agent.alertOpen()).as("an alert in the dashboard").isFalse();
    assertThat(widget.all("img[src=x], b")).as("elements made of the messages' markup in the widget").isEmpty();
    assertThat(dashboard.all("img[src=x], [data-dc=thread] b"))
        .as("elements made of the messages' markup in the dashboard").isEmpty();
  }

  @Test
  void aDashboardWhoseSocketIsCutResumesWithEveryMessageOnce() {
    JsonObject signup = loggedIn("resume");
    String widgetId = signup.getJsonObject("tenant").getString("id");
    String widgetToken = signup.getJsonObject("tenant").getString("widgetToken");
    String session = "session_resume_" + System.nanoTime();
    Api.Response first = chat(widgetId, widgetToken, session, null, "alpha: before the cut");
    String conversationId = first.json().getString("conversationId");

    dashboard.go("conversations").openConversation(conversationId);
    dashboard.awaitMessage("visitor", "alpha: before the cut");

    int closed = server.wiring().hub().closeAll((short) 1012, "test").await();
    assertThat(closed).as("sockets closed by the server").isGreaterThanOrEqualTo(1);
    List<String> meanwhile = List.of("bravo: while it reconnects", "charlie: still reconnecting", "delta: the last one");
    for (String text : meanwhile) {
      chat(widgetId, widgetToken, session, conversationId, text);
    }

    dashboard.awaitLive();
    for (String text : meanwhile) {
      dashboard.awaitMessage("visitor", text);
    }
    List<JsonObject> stored = storedMessages(signup.getString("token"), conversationId);
    agent.await(() -> stored.size() + " messages in the thread, as stored; it shows " + dashboard.safeThread(),
        d -> dashboard.thread().size() == stored.size());
    List<DashboardPage.Message> thread = dashboard.thread();
    for (int i = 0; i < stored.size(); i++) {
      assertThat(thread.get(i).role()).as("role of message " + i).isEqualTo(stored.get(i).getString("role"));
      assertThat(thread.get(i).text()).as("text of message " + i).contains(stored.get(i).getString("content"));
    }
    for (String text : List.of("alpha", "bravo", "charlie", "delta")) {
      assertThat(thread).filteredOn(m -> m.text().contains(text + ":")).as("messages with " + text).hasSize(1);
    }
  }

  /** A visitor's message through the widget API, in a new conversation when {@code conversationId} is null. */
  private Api.Response chat(String widgetId, String widgetToken, String session, String conversationId, String text) {
    JsonObject body = new JsonObject().put("sessionId", session).put("message", text);
    if (conversationId != null) {
      body.put("conversationId", conversationId);
    }
    Api.Response r = api.post("/api/widgets/" + widgetId + "/chat", body, "Authorization", bearer(widgetToken));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r;
  }

  private List<JsonObject> storedMessages(String jwt, String conversationId) {
    Api.Response r = api.get("/api/conversations/" + conversationId + "/messages?limit=100",
        "Authorization", bearer(jwt));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json().getJsonArray("items").stream().map(o -> (JsonObject) o).toList();
  }

  private static String attribute(String tag, String name) {
    Matcher m = Pattern.compile(name + "=\"([^\"]+)\"").matcher(tag);
    assertThat(m.find()).as(name + " in " + tag).isTrue();
    return m.group(1);
  }
}
