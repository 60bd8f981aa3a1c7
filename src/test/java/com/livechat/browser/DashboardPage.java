package com.livechat.browser;

import java.util.List;
import java.util.Objects;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

/** The agent dashboard at /dashboard/, seen only through the {@code #auth} forms and its {@code data-dc} hooks. */
final class DashboardPage {

  /** A message of the open thread: its role, its text (textContent), whether it is streamed, its images. */
  record Message(String role, String text, boolean streaming, int images) {}

  private final Browser browser;
  private final String url;

  DashboardPage(Browser browser, int nodePort) {
    this.browser = browser;
    this.url = "http://127.0.0.1:" + nodePort + "/dashboard/";
  }

  /** Opens the dashboard signed out: a fresh load after this origin's storage is cleared. */
  DashboardPage loadSignedOut() {
    browser.driver.get(url);
    browser.script("localStorage.clear(); sessionStorage.clear();");
    browser.driver.manage().deleteAllCookies();
    browser.driver.get(url);
    browser.await("the dashboard's sign-in forms", d -> d.findElement(By.id("auth")).isDisplayed());
    return this;
  }

  DashboardPage signUp(String email, String password, String companyName) {
    WebElement form = showForm("signup-form", "show-signup");
    fill(form, "email", email);
    fill(form, "password", password);
    fill(form, "companyName", companyName);
    submit(form);
    return awaitSignedIn();
  }

  DashboardPage logIn(String email, String password) {
    WebElement form = showForm("login-form", "show-login");
    fill(form, "email", email);
    fill(form, "password", password);
    submit(form);
    return awaitSignedIn();
  }

  private WebElement showForm(String id, String toggle) {
    WebElement form = browser.driver.findElement(By.id(id));
    if (!form.isDisplayed()) {
      dc(toggle).click();
      browser.await("#" + id + " to show", d -> d.findElement(By.id(id)).isDisplayed());
    }
    return form;
  }

  private static void fill(WebElement form, String name, String value) {
    WebElement input = form.findElement(By.name(name));
    input.clear();
    input.sendKeys(value);
  }

  /** Clicks the form's submit button, or presses Enter in its last field when it has none. */
  private static void submit(WebElement form) {
    List<WebElement> buttons = form.findElements(By.cssSelector("button[type=submit], button:not([type]), input[type=submit]"));
    if (!buttons.isEmpty()) {
      buttons.get(0).click();
    } else {
      List<WebElement> inputs = form.findElements(By.cssSelector("input"));
      inputs.get(inputs.size() - 1).sendKeys(Keys.ENTER);
    }
  }

  private DashboardPage awaitSignedIn() {
    browser.await("the dashboard's navigation after signing in", d -> dc("nav").isDisplayed());
    return awaitLive();
  }

  /** Waits until the tenant socket is authenticated. */
  DashboardPage awaitLive() {
    browser.await("[data-dc=connection][data-state=live]", d -> "live".equals(dc("connection").getDomAttribute("data-state")));
    return this;
  }

  WebElement dc(String hook) {
    return browser.driver.findElement(By.cssSelector("[data-dc=" + hook + "]"));
  }

  /** Whether the element with {@code hook} is there and displayed. */
  boolean shown(String hook) {
    List<WebElement> found = all("[data-dc=" + hook + "]");
    return !found.isEmpty() && found.get(0).isDisplayed();
  }

  List<WebElement> all(String css) {
    return browser.driver.findElements(By.cssSelector(css));
  }

  /** Clicks the navigation entry of {@code page} (conversations, assistants, widget, team, usage, analytics). */
  DashboardPage go(String page) {
    browser.driver.findElement(By.cssSelector("nav [data-dc=nav][data-page=" + page + "]")).click();
    return this;
  }

  WebElement conversationRow(String conversationId) {
    return browser.driver.findElement(By.cssSelector("[data-dc=conversation][data-id=" + conversationId + "]"));
  }

  /** The ids of the conversation rows, as listed (newest first). */
  List<String> conversationIds() {
    return all("[data-dc=conversation]").stream().map(e -> e.getDomAttribute("data-id")).toList();
  }

  /** Waits for the first conversation row to appear; returns its id. */
  String awaitFirstConversation() {
    return browser.await("a conversation row", d -> conversationIds().stream().findFirst().orElse(null));
  }

  /** Clicks the row of {@code conversationId} and waits for its thread. */
  DashboardPage openConversation(String conversationId) {
    browser.await("the row of " + conversationId, d -> conversationRow(conversationId).isDisplayed());
    conversationRow(conversationId).click();
    browser.await("the thread", d -> dc("thread").isDisplayed());
    return this;
  }

  List<Message> thread() {
    return all("[data-dc=thread] [data-dc=message]").stream().map(DashboardPage::message).toList();
  }

  private static Message message(WebElement e) {
    return new Message(e.getDomAttribute("data-role"), Objects.toString(e.getDomProperty("textContent"), ""),
        "true".equals(e.getDomAttribute("data-streaming")), e.findElements(By.cssSelector("img")).size());
  }

  /** Waits for a finished message of {@code role} in the open thread whose text contains {@code text}. */
  Message awaitMessage(String role, String text) {
    return browser.await(() -> "a finished " + role + " message containing \"" + text + "\" in the thread; it shows "
        + safeThread(), d -> thread().stream()
        .filter(m -> role.equals(m.role()) && !m.streaming() && m.text().contains(text)).findFirst().orElse(null));
  }

  String safeThread() {
    try {
      return thread().toString();
    } catch (RuntimeException e) {
      return "(no thread: " + e.getClass().getSimpleName() + ")";
    }
  }

  void reply(String text) {
    dc("reply-input").sendKeys(text);
    dc("reply-send").click();
  }
}
