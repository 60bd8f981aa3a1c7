package com.livechat.browser;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Objects;
import org.openqa.selenium.By;
import org.openqa.selenium.SearchContext;
import org.openqa.selenium.WebElement;

/**
 * The widget on a page, seen only through its hooks: the host {@code #livechat-widget} and, inside
 * its open shadow root, the {@code data-lc} elements of the spec.
 */
final class WidgetPage {

  /** A message of the list: its role, its text (textContent) and whether it is still being streamed. */
  record Message(String role, String text, boolean streaming, int images) {}

  private final Browser browser;

  WidgetPage(Browser browser) {
    this.browser = browser;
  }

  /** Opens {@code url} and waits for the launcher. */
  WidgetPage load(String url) {
    browser.driver.get(url);
    return awaitLauncher();
  }

  WidgetPage awaitLauncher() {
    browser.await("the widget's launcher", d -> lc("launcher").isDisplayed());
    return this;
  }

  SearchContext root() {
    return browser.driver.findElement(By.id("livechat-widget")).getShadowRoot();
  }

  WebElement lc(String hook) {
    return root().findElement(By.cssSelector("[data-lc=" + hook + "]"));
  }

  List<WebElement> all(String css) {
    return root().findElements(By.cssSelector(css));
  }

  boolean shown(String hook) {
    List<WebElement> found = all("[data-lc=" + hook + "]");
    return !found.isEmpty() && found.get(0).isDisplayed();
  }

  boolean panelOpen() {
    return shown("panel");
  }

  /** Clicks the launcher if the panel is closed; waits for the panel. */
  WidgetPage open() {
    if (!panelOpen()) {
      lc("launcher").click();
    }
    browser.await("the chat panel to open", d -> panelOpen());
    return this;
  }

  /** Types {@code text} into the input and clicks send. */
  void send(String text) {
    WebElement input = lc("input");
    input.sendKeys(text);
    lc("send").click();
  }

  List<Message> messages() {
    return all("[data-lc=messages] [data-lc=message]").stream().map(WidgetPage::message).toList();
  }

  private static Message message(WebElement e) {
    return new Message(e.getDomAttribute("data-role"), Objects.toString(e.getDomProperty("textContent"), ""),
        "true".equals(e.getDomAttribute("data-streaming")), e.findElements(By.cssSelector("img")).size());
  }

  /** Waits for a message of {@code role}, finished (not streaming), whose text contains {@code text}. */
  Message awaitMessage(String role, String text) {
    return browser.await(() -> "a finished " + role + " message containing \"" + text + "\" in the widget; it shows "
        + safeMessages(), d -> messages().stream()
        .filter(m -> role.equals(m.role()) && !m.streaming() && m.text().contains(text)).findFirst().orElse(null));
  }

  /**
   * Checks that each reply is shown once and finished: no message still marked as streaming, and
   * no assistant text shown twice (say, once from the HTTP stream and once from the socket's deltas).
   */
  void assertSettled() {
    List<Message> shown = messages();
    assertThat(shown).as("messages still streaming after their reply came")
        .noneMatch(Message::streaming);
    List<String> replies = shown.stream().filter(m -> "assistant".equals(m.role())).map(m -> m.text().strip()).toList();
    assertThat(replies).as("the assistant's messages, each once").doesNotHaveDuplicates();
  }

  /** The messages as a string for a failure message, or why they cannot be read. */
  String safeMessages() {
    try {
      return messages().toString();
    } catch (RuntimeException e) {
      return "(no message list: " + e.getClass().getSimpleName() + ")";
    }
  }

  /** Whether the focused element is the shadow root's element with {@code hook}. */
  boolean focused(String hook) {
    return Boolean.TRUE.equals(browser.script("""
        const host = document.getElementById('livechat-widget');
        const active = host && host.shadowRoot && host.shadowRoot.activeElement;
        return document.activeElement === host && !!active && active.getAttribute('data-lc') === arguments[0];
        """, hook));
  }

  /** What has the focus, for a failure message. */
  String focusDescription() {
    return String.valueOf(browser.script("""
        const a = document.activeElement;
        const inner = a && a.shadowRoot ? a.shadowRoot.activeElement : null;
        const d = e => e ? e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
            + (e.getAttribute('data-lc') ? '[data-lc=' + e.getAttribute('data-lc') + ']' : '') : 'none';
        return d(a) + (inner ? ' > ' + d(inner) : '');
        """));
  }
}
