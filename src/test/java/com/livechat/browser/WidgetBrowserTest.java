package com.livechat.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.browser.WidgetPage.Message;
import com.livechat.support.Api;
import com.livechat.support.FakeOpenAi;
import com.livechat.support.FakeOpenAi.Canned;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.Keys;
import org.openqa.selenium.Rectangle;
import org.openqa.selenium.interactions.Actions;

/**
 * The widget as a visitor meets it on a tenant's site (another origin than the node's), in
 * headless Chromium: the bubble, the panel and its greeting, a reply streamed by an
 * OpenAI-compatible fake that shows before it is complete, the conversation kept across a reload,
 * the keyboard alone, a phone's screen.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WidgetBrowserTest {

  private static final List<String> TOKENS = List.of("We ship ", "to every ", "country ", "in Europe ", "within five days.");
  private static final String STREAMED = String.join("", TOKENS);

  private FakeOpenAi ai;
  private LiveChatServer server;
  private Api api;
  private TenantSite site;
  private Browser visitor;
  private Browser phone;

  @BeforeAll
  void start() {
    Browser.requireChromium();
    ai = new FakeOpenAi();
    JsonObject config = TestServer.config(TestDatabase.createDatabase());
    config.getJsonObject("ai").put("providers", new JsonArray().add(ai.providerConfig("fake", "gpt-test")
        .put("timeoutMs", 10_000).put("firstTokenTimeoutMs", 5_000).put("chunkTimeoutMs", 5_000)));
    server = TestServer.start(config);
    api = new Api(server.port());
    site = new TenantSite(server.port());
    visitor = Browser.desktop();
  }

  @AfterEach
  void printConsole() {
    visitor.printConsole("visitor");
    if (phone != null) {
      phone.printConsole("phone");
    }
  }

  @AfterAll
  void stop() {
    for (AutoCloseable c : new AutoCloseable[] {visitor, phone, site, server == null ? null : server::close, ai}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        System.out.println("closing: " + e);
      }
    }
  }

  /** A tenant: its company name, its owner's JWT and the URL of its shop page with the widget. */
  private record Tenant(String name, String jwt, String shop) {}

  /** Signs up a tenant named after the site; each test has a tenant of its own. */
  private Tenant newTenant(String who) {
    String name = "Northwind Outdoor";
    String email = who + "-" + System.nanoTime() + "@widget.test";
    Api.Response r = api.post("/api/auth/signup", new JsonObject().put("email", email)
        .put("password", "correct horse battery").put("companyName", name));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    JsonObject tenant = r.json().getJsonObject("tenant");
    return new Tenant(name, r.json().getString("token"), site.shop(tenant.getString("id"), tenant.getString("widgetToken")));
  }

  /** Opens {@code shop} in {@code browser} as a first-time visitor: nothing of an earlier visit in the site's storage. */
  private WidgetPage firstVisit(Browser browser, String shop) {
    browser.driver.get(site.blank());
    browser.script("localStorage.clear(); sessionStorage.clear();");
    return new WidgetPage(browser).load(shop);
  }

  @Test
  void onAnotherSiteTheWidgetGreetsThenStreamsTheReplyAsItIsWritten() {
    ai.reset();
    ai.script(Canned.stream(TOKENS, 300, 300));
    Tenant tenant = newTenant("stream");
    WidgetPage widget = firstVisit(visitor, tenant.shop());

    assertThat(widget.lc("launcher").getDomAttribute("aria-label")).isEqualTo("Open chat");
    assertThat(widget.panelOpen()).as("the panel before the launcher is pressed").isFalse();
    assertThat(widget.shown("badge")).as("the unread badge at 0").isFalse();
    visitor.screenshot("widget-closed");

    widget.open();
    assertThat(widget.lc("panel").getDomAttribute("role")).isEqualTo("dialog");
    assertThat(widget.lc("panel").getDomAttribute("aria-label")).contains(tenant.name());
    assertThat(widget.lc("launcher").getDomAttribute("aria-label")).isEqualTo("Close chat");
    assertThat(widget.lc("messages").getDomAttribute("role")).isEqualTo("log");
    String greeting = visitor.await("the greeting", d -> {
      String text = widget.lc("greeting").getDomProperty("textContent");
      return widget.lc("greeting").isDisplayed() && text != null && !text.isBlank() ? text : null;
    });
    assertThat(greeting).isNotBlank();

    widget.send("Do you ship to Portugal?");
    widget.awaitMessage("visitor", "Do you ship to Portugal?");
    // part of the reply while the fake is still writing it (a token every 300 ms)
    Message partial = visitor.await(() -> "an assistant message being streamed, with part of the reply; the widget shows "
        + widget.safeMessages(), d -> widget.messages().stream()
        .filter(m -> "assistant".equals(m.role()) && m.streaming() && !m.text().isBlank()
            && !m.text().contains(STREAMED))
        .findFirst().orElse(null));
    Message done = widget.awaitMessage("assistant", STREAMED);
    assertThat(STREAMED).startsWith(partial.text().strip());
    assertThat(partial.text().strip().length()).isLessThan(STREAMED.length());
    assertThat(done.text()).contains(STREAMED);
    assertThat(widget.all("[data-lc=message][data-streaming=true]")).isEmpty();
    assertThat(ai.requests).hasSize(1);
    assertThat(ai.requests.get(0).getBoolean("stream")).isTrue();
    visitor.screenshot("widget-open");
    widget.assertSettled();
  }

  @Test
  void aReloadShowsTheConversationAgain() {
    ai.reset();
    ai.reply = "Your order 1042 left our warehouse this morning.";
    Tenant tenant = newTenant("reload");
    WidgetPage widget = firstVisit(visitor, tenant.shop()).open();
    widget.send("Where is my order 1042?");
    widget.awaitMessage("visitor", "Where is my order 1042?");
    widget.awaitMessage("assistant", "left our warehouse");
    // an agent's message comes over the visitor's socket after every frame of the assistant's turn
    JsonObject conversation = api.get("/api/conversations", "Authorization", Api.bearer(tenant.jwt())).json()
        .getJsonArray("items").getJsonObject(0);
    Api.Response agent = api.post("/api/conversations/" + conversation.getString("id") + "/messages",
        new JsonObject().put("content", "It should reach you on Thursday."), "Authorization", Api.bearer(tenant.jwt()));
    assertThat(agent.status()).as(agent.text()).isEqualTo(201);
    widget.awaitMessage("agent", "reach you on Thursday");
    widget.assertSettled();

    visitor.driver.navigate().refresh();
    widget.awaitLauncher().open();
    widget.awaitMessage("visitor", "Where is my order 1042?");
    widget.awaitMessage("assistant", "left our warehouse");
    widget.awaitMessage("agent", "reach you on Thursday");
    for (String text : List.of("Where is my order 1042?", "left our warehouse", "reach you on Thursday")) {
      assertThat(widget.messages()).filteredOn(m -> m.text().contains(text)).as("messages with " + text).hasSize(1);
    }
    widget.assertSettled();
  }

  @Test
  void theKeyboardAloneOpensSendsAndCloses() {
    ai.reset();
    ai.reply = "Happy to help.";
    Tenant tenant = newTenant("keys");
    WidgetPage widget = firstVisit(visitor, tenant.shop());
    Actions keys = new Actions(visitor.driver);

    for (int i = 0; i < 10 && !widget.focused("launcher"); i++) {
      keys.sendKeys(Keys.TAB).perform();
    }
    assertThat(widget.focused("launcher")).as("Tab reaches the launcher; the focus is on " + widget.focusDescription())
        .isTrue();
    keys.sendKeys(Keys.ENTER).perform();
    visitor.await("the panel to open on Enter", d -> widget.panelOpen());
    visitor.await(() -> "the focus on the input once open; it is on " + widget.focusDescription(),
        d -> widget.focused("input"));

    keys.sendKeys("First line").keyDown(Keys.SHIFT).sendKeys(Keys.ENTER).keyUp(Keys.SHIFT).sendKeys("second line")
        .perform();
    assertThat(widget.lc("input").getDomProperty("value")).isEqualTo("First line\nsecond line");
    assertThat(widget.messages()).filteredOn(m -> "visitor".equals(m.role())).isEmpty();
    keys.sendKeys(Keys.ENTER).perform();
    Message sent = widget.awaitMessage("visitor", "second line");
    assertThat(sent.text()).contains("First line");
    assertThat(widget.lc("input").getDomProperty("value")).isEmpty();
    widget.awaitMessage("assistant", "Happy to help.");
    widget.assertSettled();

    keys.sendKeys(Keys.ESCAPE).perform();
    visitor.await("the panel to close on Escape", d -> !widget.panelOpen());
    visitor.await(() -> "the focus back on the launcher; it is on " + widget.focusDescription(),
        d -> widget.focused("launcher"));
    assertThat(widget.lc("launcher").getDomAttribute("aria-label")).isEqualTo("Open chat");
  }

  @Test
  void onAPhoneTheOpenWidgetFillsTheScreen() {
    ai.reset();
    ai.reply = "Our boots come in sizes 36 to 48.";
    Tenant tenant = newTenant("phone");
    phone = Browser.phone();
    WidgetPage widget = firstVisit(phone, tenant.shop()).open();
    widget.send("Which sizes do your boots come in?");
    widget.awaitMessage("assistant", "sizes 36 to 48");

    Rectangle panel = widget.lc("panel").getRect();
    @SuppressWarnings("unchecked")
    List<Long> viewport = (List<Long>) phone.script("return [innerWidth, innerHeight]");
    phone.screenshot("widget-mobile");
    widget.assertSettled();
    assertThat(panel.getWidth()).as("the panel's width on a %d px wide screen", viewport.get(0))
        .isGreaterThanOrEqualTo((int) (viewport.get(0) - 1));
    assertThat(panel.getHeight()).as("the panel's height on a %d px high screen", viewport.get(1))
        .isGreaterThanOrEqualTo((int) (viewport.get(1) * 0.9));
  }
}
