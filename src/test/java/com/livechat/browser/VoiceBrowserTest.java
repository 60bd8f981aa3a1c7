package com.livechat.browser;

import static com.livechat.support.Api.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.FakeOpenAi;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import com.livechat.voice.sim.FakeCall;
import com.livechat.voice.sim.FakeCarrier;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * Voice in the browser. The dashboard follows a phone call (driven through the fake carrier) as a
 * call: its status live, its duration once ended, the caller's number, the chat it came from, a
 * spoken line the caller cut off replaced in place. The widget calls the assistant from the
 * browser over /ws/voice, with a fake speech recognition and speech synthesis injected into the
 * page (headless Chromium has neither): once against a fake /ws/voice played by the test (every
 * frame of the protocol, an interruption, a handoff, mute, a refused socket), once against the
 * server. And the assistant editor's voice fields and the telephony panel.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VoiceBrowserTest {

  private static final String PASSWORD = "correct horse battery";
  private static final String CARRIER_TOKEN = "browser-test-carrier-auth-token-0123";
  private static final String ACCOUNT = "AC" + "1".repeat(32);
  private static final String GREETING = "Hello, Northwind here. How can I help?";
  private static final AtomicInteger NUMBERS = new AtomicInteger(2000);

  /**
   * Speech for a headless Chromium, which has neither a microphone nor a voice, injected with CDP's
   * Page.addScriptToEvaluateOnNewDocument before the widget's script runs: a fake SpeechRecognition
   * (and webkitSpeechRecognition) the test makes "hear" a phrase, a fake speechSynthesis that
   * records what it is asked to say, and a spy on the page's /ws/voice sockets (every frame sent and
   * received, how each closed). On a page whose URL has fakeVoice=1, /ws/voice does not reach the
   * server: the socket is a fake whose server side the test plays (__speech.server(frame),
   * __speech.serverClose(code)); on one with noSpeech=1, the browser has no speech recognition.
   *
   * <p>In the page, window.__speech = {spoken: [texts], cancels, starts (of recognition), sockets:
   * [{url, sent, received, close: {code, reason}, closedByClient}], hold (an utterance stays "being
   * spoken" until release()), say(text, isFinal), boundary(charIndex), release(), idle(), listening()}.
   */
  static final String SCRIPT = """
      (() => {
        if (window.__speech) return;
        const fakeVoice = new URLSearchParams(location.search).get('fakeVoice') === '1';
        const log = window.__speech = {
          spoken: [], cancels: 0, starts: 0, sockets: [], hold: false, msPerUtterance: 40,
          recognitions: [], queue: [], current: null,
        };
        const fire = (target, type, props) => {
          const e = new Event(type);
          Object.assign(e, props || {});
          const handler = target['on' + type];
          if (typeof handler === 'function') handler.call(target, e);
          target.dispatchEvent(e);
        };

        // ---- speechSynthesis: records each utterance, "speaks" it for a moment, in order
        class FakeUtterance extends EventTarget {
          constructor(text) {
            super();
            this.text = text == null ? '' : String(text);
            this.lang = ''; this.voice = null; this.rate = 1; this.pitch = 1; this.volume = 1;
            this.onstart = null; this.onend = null; this.onerror = null; this.onboundary = null;
            this.onpause = null; this.onresume = null; this.onmark = null;
          }
        }
        const pump = () => {
          if (log.current || !log.queue.length) return;
          const u = log.current = log.queue.shift();
          fire(u, 'start', { charIndex: 0, utterance: u });
          if (!log.hold) setTimeout(() => finish(u), log.msPerUtterance);
        };
        const finish = (u) => {
          if (log.current !== u) return;
          log.current = null;
          fire(u, 'end', { charIndex: u.text.length, utterance: u });
          pump();
        };
        const synth = {
          get speaking() { return !!log.current; },
          get pending() { return log.queue.length > 0; },
          paused: false,
          speak(u) { log.spoken.push(u.text); log.queue.push(u); setTimeout(pump, 0); },
          cancel() {
            log.cancels++;
            const all = (log.current ? [log.current] : []).concat(log.queue);
            log.current = null; log.queue = [];
            all.forEach((u) => fire(u, 'error', { error: 'interrupted', utterance: u }));
          },
          pause() {}, resume() {}, getVoices() { return []; },
          addEventListener() {}, removeEventListener() {},
        };
        Object.defineProperty(window, 'speechSynthesis', { value: synth, configurable: true });
        window.SpeechSynthesisUtterance = FakeUtterance;
        log.boundary = (charIndex) => { if (log.current) fire(log.current, 'boundary', { charIndex, name: 'word', utterance: log.current }); };
        log.release = () => { log.hold = false; if (log.current) finish(log.current); };
        log.idle = () => !log.current && log.queue.length === 0;

        // ---- a browser without speech recognition (noSpeech=1): no call in the browser
        if (new URLSearchParams(location.search).get('noSpeech') === '1') {
          delete window.SpeechRecognition; delete window.webkitSpeechRecognition;
          window.SpeechRecognition = undefined; window.webkitSpeechRecognition = undefined;
          return;
        }

        // ---- SpeechRecognition: hears what the test says
        class FakeRecognition extends EventTarget {
          constructor() {
            super();
            this.continuous = false; this.interimResults = false; this.lang = ''; this.maxAlternatives = 1;
            this.onresult = null; this.onerror = null; this.onend = null; this.onstart = null;
            this.started = false; this.results = []; this.interim = false;
            log.recognitions.push(this);
          }
          start() {
            if (this.started) throw new DOMException('recognition has already started', 'InvalidStateError');
            this.started = true; this.results = []; this.interim = false; log.starts++;
            setTimeout(() => fire(this, 'start'), 0);
          }
          stop() { this.finish(); }
          abort() { this.finish(); }
          finish() {
            if (!this.started) return;
            this.started = false;
            setTimeout(() => fire(this, 'end'), 0);
          }
        }
        window.SpeechRecognition = FakeRecognition;
        window.webkitSpeechRecognition = FakeRecognition;
        log.listening = () => log.recognitions.some((r) => r.started);
        /** A result for the listening recognition: interim ones are replaced by the next, as Chrome does. */
        log.say = (text, isFinal) => {
          const r = log.recognitions.filter((x) => x.started).pop();
          if (!r) return false;
          const index = r.interim ? r.results.length - 1 : r.results.length;
          const result = [{ transcript: text, confidence: 0.92 }];
          result.isFinal = isFinal !== false;
          result.item = (i) => result[i];
          r.results[index] = result;
          r.interim = !result.isFinal;
          const results = r.results.slice();
          results.item = (i) => results[i];
          fire(r, 'result', { resultIndex: index, results });
          return true;
        };

        // ---- /ws/voice: recorded, or played by the test on a fakeVoice page
        const Native = window.WebSocket;
        class FakeVoiceSocket extends EventTarget {
          constructor(url, rec) {
            super();
            this.url = url; this.readyState = 0; this.protocol = ''; this.extensions = ''; this.bufferedAmount = 0;
            this.binaryType = 'blob';
            this.onopen = null; this.onmessage = null; this.onclose = null; this.onerror = null;
            this.rec = rec;
            setTimeout(() => { if (this.readyState === 0) { this.readyState = 1; fire(this, 'open'); } }, 10);
          }
          send(data) {
            if (this.readyState !== 1) throw new DOMException('not open', 'InvalidStateError');
            this.rec.sent.push(String(data));
          }
          close(code, reason) {
            if (this.readyState >= 2) return;
            this.rec.closedByClient = code === undefined ? 1005 : code;
            this.readyState = 3;
            setTimeout(() => { this.rec.close = { code: code === undefined ? 1005 : code, reason: reason || '' }; fire(this, 'close', { code: code === undefined ? 1005 : code, reason: reason || '', wasClean: true }); }, 0);
          }
        }
        function Spy(url, protocols) {
          const href = String(url);
          const voice = /\\/ws\\/voice(\\?|$)/.test(href);
          if (!voice) return protocols === undefined ? new Native(url) : new Native(url, protocols);
          const rec = { url: href, sent: [], received: [], close: null, closedByClient: null };
          log.sockets.push(rec);
          if (fakeVoice) {
            const fake = new FakeVoiceSocket(href, rec);
            rec.socket = fake;
            return fake;
          }
          const ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
          const send = ws.send.bind(ws);
          const close = ws.close.bind(ws);
          ws.send = (data) => { rec.sent.push(String(data)); send(data); };
          ws.close = (code, reason) => { rec.closedByClient = code === undefined ? 1005 : code; close(code, reason); };
          ws.addEventListener('message', (e) => rec.received.push(String(e.data)));
          ws.addEventListener('close', (e) => { rec.close = { code: e.code, reason: e.reason }; });
          return ws;
        }
        Spy.prototype = Native.prototype;
        Object.assign(Spy, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
        window.WebSocket = Spy;
        const lastFake = () => { const r = log.sockets[log.sockets.length - 1]; return r && r.socket; };
        log.server = (frame) => {
          const s = lastFake();
          if (!s || s.readyState !== 1) return false;
          const data = JSON.stringify(frame);
          s.rec.received.push(data);
          fire(s, 'message', { data });
          return true;
        };
        log.serverClose = (code, reason) => {
          const s = lastFake();
          if (!s || s.readyState >= 2) return false;
          s.readyState = 3;
          s.rec.close = { code, reason: reason || '' };
          fire(s, 'close', { code, reason: reason || '', wasClean: true });
          return true;
        };
      })();
      """;

  private FakeOpenAi ai;
  private LiveChatServer server;
  private Api api;
  private TenantSite site;
  private Vertx client;
  private FakeCarrier carrier;
  private Browser agent;
  private Browser visitor;
  private DashboardPage dashboard;

  private record Tenant(String id, String widgetToken, String jwt, String assistantId, String email, String shop) {}

  @BeforeAll
  void start() {
    Browser.requireChromium();
    ai = new FakeOpenAi();
    JsonObject config = TestServer.config(TestDatabase.createDatabase());
    config.getJsonObject("ai").put("providers", new JsonArray().add(ai.providerConfig("fake", "gpt-test")));
    config.getJsonObject("voice").put("holdingPhraseAfterMs", 10_000).getJsonObject("twilio")
        .put("authToken", CARRIER_TOKEN).put("accountSid", ACCOUNT);
    server = TestServer.start(config);
    api = new Api(server.port());
    site = new TenantSite(server.port());
    client = Vertx.vertx();
    carrier = new FakeCarrier(client, "http://127.0.0.1:" + server.port(), "http://localhost:" + server.port(),
        CARRIER_TOKEN, ACCOUNT);
    agent = Browser.desktop();
    visitor = Browser.desktop();
    visitor.driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", SCRIPT));
    dashboard = new DashboardPage(agent, server.port());
  }

  @AfterEach
  void printConsole() {
    agent.printConsole("dashboard");
    visitor.printConsole("visitor");
  }

  @AfterAll
  void stop() {
    for (AutoCloseable c : new AutoCloseable[] {agent, visitor, site, carrier == null ? null : carrier::close,
        client == null ? null : client::close, server == null ? null : server::close, ai}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        System.out.println("closing: " + e);
      }
    }
  }

  // ---- the dashboard ----------------------------------------------------------------------------

  @Test
  void aPhoneCallShowsAsACallLiveWithItsDurationAndTheLineTheCallerCutOffChangesInPlace() {
    ai.reset();
    ai.reply = "We are open from nine to five. On Saturdays we open at ten.";
    Tenant t = newTenant("calls");
    configure(t, List.of(newNumber()), "+14165550123", GREETING);
    dashboard.loadSignedOut().logIn(t.email(), PASSWORD);
    dashboard.go("conversations");

    // a chat first, then the visitor asks for a number and calls it: the call is linked to the chat
    String session = "session_call_" + System.nanoTime();
    Api.Response chat = widget(t, "/chat", new JsonObject().put("sessionId", session)
        .put("message", "Hi, can I call you about my order?"));
    String chatId = chat.json().getString("conversationId");
    Api.Response lease = widget(t, "/voice/start", new JsonObject().put("sessionId", session));
    String callId = lease.json().getString("conversationId");
    FakeCall call = await(carrier.dial("+14155550199", lease.json().getString("phoneNumber")));
    assertThat(call.relayParameters().get("conversationId")).isEqualTo(callId);

    // the row: a call, its status, the caller's number
    agent.await(() -> "the call's row saying it rings; the list shows " + rows(), d -> callStatus(callId).contains("ringing"));
    WebElement row = dashboard.conversationRow(callId);
    assertThat(row.getText()).contains("+14155550199").contains("Call");
    assertThat(row.findElement(By.cssSelector("[data-dc=channel]")).getText()).isEqualTo("Call");
    assertThat(row.findElements(By.cssSelector("[data-dc=linked]"))).hasSize(1);

    dashboard.openConversation(callId);
    String greeting = messages(t, callId).get(0).getString("content");
    dashboard.awaitMessage("assistant", greeting);
    assertThat(dashboard.dc("thread-call-status").getText()).startsWith("Call").contains("ringing");
    assertThat(agent.driver.findElement(By.cssSelector(".thread-meta")).getText()).contains("Phone call from +14155550199");
    assertThat(dashboard.dc("linked-conversation").getDomAttribute("data-id")).isEqualTo(chatId);
    assertThat(dashboard.dc("call").getText()).contains("+14155550199");
    assertThat(dashboard.shown("call-note")).as("the note that a caller does not hear typed replies").isTrue();

    await(call.connect());
    assertThat(await(call.status("in-progress", 1, Map.of()))).isEqualTo(200);
    agent.await(() -> "the status in progress; the thread head says " + text("thread-call-status"),
        d -> text("thread-call-status").contains("in progress"));
    String reply = await(call.prompt("What are your opening hours?"));
    assertThat(reply).isEqualTo(ai.reply);
    dashboard.awaitMessage("visitor", "What are your opening hours?");
    dashboard.awaitMessage("assistant", "On Saturdays we open at ten.");
    agent.screenshot("dashboard-call-live");

    // the caller talked over the second sentence: the line becomes what they heard, where it is
    JsonObject stored = messages(t, callId).get(2);
    assertThat(stored.getString("content")).isEqualTo(reply);
    WebElement line = agent.driver.findElement(By.cssSelector(
        "[data-dc=thread] [data-dc=message][data-id='" + stored.getString("id") + "']"));
    agent.script("arguments[0].dataset.marker = 'the same element'", line);
    await(call.interrupt("We are open from nine to five."));
    agent.await(() -> "the cut-off line to read what the caller heard; the thread shows " + dashboard.safeThread(),
        d -> {
          String shown = line.getDomProperty("textContent");
          return shown != null && shown.contains("We are open from nine to five.") && !shown.contains("Saturdays");
        });
    assertThat(line.getDomAttribute("data-marker")).as("the line was changed in place").isEqualTo("the same element");
    assertThat(line.getText()).contains("cut off by the caller");
    List<String> ids = dashboard.all("[data-dc=thread] [data-dc=message]").stream()
        .map(e -> e.getDomAttribute("data-id")).toList();
    assertThat(ids).as("the thread's message ids, each once").doesNotHaveDuplicates()
        .hasSize(messages(t, callId).size());
    agent.screenshot("dashboard-call-interrupted");

    // hung up after 3 min 42 s: the duration shows in the row, the thread head and the call card
    await(call.hangUp(222));
    agent.await(() -> "the row to say the call is over; the list shows " + rows(),
        d -> callStatus(callId).equals("Call · 3:42 · completed"));
    agent.await(() -> "the thread head to say so; it says " + text("thread-call-status"),
        d -> text("thread-call-status").equals("Call · 3:42 · completed"));
    assertThat(agent.driver.findElement(By.cssSelector("[data-dc=call] [data-field=call-duration]")).getText())
        .isEqualTo("3:42");
    assertThat(dashboard.conversationRow(callId).findElement(By.cssSelector("[data-dc=status]")).getText())
        .isEqualTo("Closed");
    agent.screenshot("dashboard-call-ended");

    // from the call to its chat, and back
    dashboard.dc("linked-conversation").click();
    agent.await("the chat the call came from", d -> d.getCurrentUrl().endsWith("/conversations/" + chatId));
    dashboard.awaitMessage("visitor", "can I call you about my order");
    agent.await("the chat's link to its call",
        d -> callId.equals(dashboard.dc("linked-conversation").getDomAttribute("data-id")));
    assertThat(dashboard.dc("linked-conversation").getText()).contains("call");
    assertThat(dashboard.shown("call-note")).isFalse();

    // the channel filter keeps the calls (the list always keeps the open conversation: none is open)
    dashboard.go("conversations");
    agent.await("no conversation open", d -> d.getCurrentUrl().endsWith("#/conversations"));
    new Select(agent.driver.findElement(By.id("filter-channel"))).selectByValue("voice");
    agent.await(() -> "only calls in the list; it shows " + rows(), d -> {
      List<WebElement> shown = dashboard.all("[data-dc=conversation]");
      return !shown.isEmpty() && shown.stream().allMatch(r -> "voice".equals(r.getDomAttribute("data-channel")))
          && shown.stream().anyMatch(r -> callId.equals(r.getDomAttribute("data-id")));
    });
    new Select(agent.driver.findElement(By.id("filter-channel"))).selectByValue("");
  }

  @Test
  void theAssistantEditorHasTheVoiceFieldsAndTheTelephonyPanelKeepsTheTokenSecret() {
    Tenant t = newTenant("settings");
    Tenant other = newTenant("other");
    String taken = newNumber();
    configure(other, List.of(taken), null, "Hi.");
    dashboard.loadSignedOut().logIn(t.email(), PASSWORD);

    dashboard.go("assistants");
    WebElement form = agent.await("the assistant form", d -> d.findElement(By.cssSelector("[data-dc=assistant-form]")));
    fill(form, "transferNumber", "12345");
    form.findElement(By.cssSelector("[data-dc=save-assistant]")).click();
    agent.await("the transfer number refused", d -> form.findElement(By.cssSelector(".form-error")).getText()
        .contains("transfer number"));

    String number = newNumber();
    fill(form, "phoneNumbers", number);
    fill(form, "transferNumber", "+14165550123");
    fill(form, "voiceLanguage", "en-GB");
    fill(form, "voiceTtsVoice", "Polly.Amy-Neural");
    form.findElement(By.cssSelector("[data-dc=save-assistant]")).click();
    agent.await("the voice settings saved", d -> {
      JsonObject a = assistant(t);
      return "+14165550123".equals(a.getString("transferNumber"))
          && "en-GB".equals(a.getJsonObject("voice", new JsonObject()).getString("language"))
          && "Polly.Amy-Neural".equals(a.getJsonObject("voice", new JsonObject()).getString("ttsVoice"))
          && a.getJsonArray("phoneNumbers").contains(number);
    });
    // the server's own refusal shows in the form like the others: a number another tenant has
    WebElement again = agent.await("the assistant form again", d -> d.findElement(By.cssSelector("[data-dc=assistant-form]")));
    agent.await("the saved values in the form", d -> "en-GB".equals(again.findElement(By.name("voiceLanguage")).getDomProperty("value")));
    fill(again, "phoneNumbers", taken);
    again.findElement(By.cssSelector("[data-dc=save-assistant]")).click();
    agent.await("the taken number refused by the server", d -> {
      String error = again.findElement(By.cssSelector(".form-error")).getText();
      return !error.isBlank() ? error : null;
    });
    agent.screenshot("dashboard-assistant-voice");
    assertThat(assistant(t).getJsonArray("phoneNumbers").contains(taken)).isFalse();

    dashboard.go("widget");
    WebElement panel = agent.await("the telephony panel", d -> d.findElement(By.cssSelector("[data-dc=telephony-form]")));
    assertThat(dashboard.dc("telephony-source").getDomAttribute("data-source")).isEqualTo("server");
    String help = dashboard.dc("telephony-help").getText();
    assertThat(help).contains("http://127.0.0.1:" + server.port() + "/api/voice/twilio/incoming")
        .contains("/api/voice/twilio/status").contains("POST");
    WebElement token = panel.findElement(By.name("authToken"));
    assertThat(token.getDomAttribute("type")).isEqualTo("password");
    String sid = "AC" + "ab".repeat(16);
    fill(panel, "accountSid", sid);
    fill(panel, "authToken", "tenant-auth-token-0123456789");
    panel.findElement(By.cssSelector("[data-dc=save-telephony]")).click();
    agent.await("the tenant's own account", d -> "tenant".equals(dashboard.dc("telephony-source").getDomAttribute("data-source")));
    WebElement saved = agent.driver.findElement(By.cssSelector("[data-dc=telephony-form] [name=authToken]"));
    assertThat(saved.getDomProperty("value")).as("the token is never shown again").isEmpty();
    assertThat(saved.getDomAttribute("placeholder")).isEqualTo("set");
    JsonObject telephony = api.get("/api/tenant/telephony", "Authorization", bearer(t.jwt())).json().getJsonObject("telephony");
    assertThat(telephony.getString("source")).isEqualTo("tenant");
    assertThat(telephony.getString("accountSid")).isEqualTo(sid);
    assertThat(telephony.getBoolean("authTokenSet")).isTrue();
    assertThat(agent.driver.getPageSource()).doesNotContain("tenant-auth-token-0123456789");
    agent.script("const m = document.getElementById('main'); m.scrollTop = m.scrollHeight;");
    agent.screenshot("dashboard-telephony");

    WebElement remove = dashboard.dc("delete-telephony");
    remove.click();
    remove.click();
    agent.await("the server's account again", d -> "server".equals(dashboard.dc("telephony-source").getDomAttribute("data-source")));
    assertThat(api.get("/api/tenant/telephony", "Authorization", bearer(t.jwt())).json().getJsonObject("telephony")
        .getString("source")).isEqualTo("server");
  }

  // ---- the widget ---------------------------------------------------------------------------------

  @Test
  void theCallInTheBrowserSpeaksTheRelayProtocolAgainstAFakeServer() {
    Tenant t = newTenant("relay");
    configure(t, List.of(newNumber()), null, GREETING);
    WidgetPage widget = firstVisit(t.shop() + "&fakeVoice=1").open();

    widget.lc("call-button").click();
    visitor.await("the call bar's Call in browser", d -> widget.shown("call-browser"));
    assertThat(widget.lc("call").getDomAttribute("href")).startsWith("tel:+1");
    assertThat(widget.lc("call-browser").getText()).isEqualTo("Call in browser");
    assertThat(widget.lc("call-browser").getTagName()).isEqualTo("button");
    visitor.screenshot("widget-call-bar");

    widget.lc("call-browser").click();
    JsonObject auth = visitor.await("the auth frame on /ws/voice", d -> sent(0).stream().findFirst().orElse(null));
    assertThat(auth.fieldNames()).containsExactlyInAnyOrder("type", "widgetId", "token", "sessionId", "assistantId");
    assertThat(auth.getString("type")).isEqualTo("auth");
    assertThat(auth.getString("widgetId")).isEqualTo(t.id());
    assertThat(auth.getString("token")).isEqualTo(t.widgetToken());
    assertThat(auth.getString("sessionId")).isEqualTo(visitor.script("return LiveChat.sessionId"));
    assertThat(auth.getString("assistantId")).isEqualTo(t.assistantId());
    assertThat(socket(0).getString("url")).isEqualTo("ws://127.0.0.1:" + server.port() + "/ws/voice?widgetId=" + t.id());
    assertThat(widget.lc("call-state").getText()).contains("Calling");
    assertThat(widget.focused("call-hangup")).as("the focus on Hang up; it is on " + widget.focusDescription()).isTrue();

    serverSays(new JsonObject().put("type", "auth:ok").put("conversationId", "conv-fakecall1"));
    serverSays(text("Hello, Northwind here. ", false));
    serverSays(text("How can I help?", true));
    visitor.await(() -> "the greeting spoken, a sentence at a time; it said " + spoken(),
        d -> spoken().equals(List.of("Hello, Northwind here. ", "How can I help?")));
    widget.awaitMessage("assistant", GREETING);
    visitor.await("Connected", d -> widget.lc("call-state").getText().contains("Connected"));
    assertThat(widget.shown("call-mute")).isTrue();
    awaitListeningAndQuiet();
    visitor.screenshot("widget-call-connected");

    hear("What are your opening hours?", true);
    visitor.await(() -> "the prompt; the socket has " + socket(0), d -> sent(0).size() >= 2);
    assertThat(sent(0).get(1)).isEqualTo(new JsonObject().put("type", "prompt")
        .put("voicePrompt", "What are your opening hours?").put("last", true));
    widget.awaitMessage("visitor", "What are your opening hours?");

    // the caller talks over the reply after "We are open from": the reply stops, the server is told what they heard
    visitor.script("window.__speech.hold = true");
    serverSays(text("We are open from nine to five. ", false));
    visitor.await("the reply being spoken", d -> Boolean.TRUE.equals(visitor.script(
        "return !!window.__speech.current && window.__speech.current.text === 'We are open from nine to five. '")));
    visitor.script("window.__speech.boundary(12)");
    hear("Sorry, one more thing", false);
    visitor.await(() -> "the interrupt; the socket has " + socket(0), d -> sent(0).size() >= 3);
    assertThat(sent(0).get(2)).isEqualTo(new JsonObject().put("type", "interrupt")
        .put("utteranceUntilInterrupt", "We are open from"));
    assertThat(((Number) visitor.script("return window.__speech.cancels")).intValue()).isGreaterThanOrEqualTo(1);
    // the rest of that reply, already on its way, is not said
    serverSays(text("On Saturdays from ten to two.", true));
    WidgetPage.Message cut = widget.awaitMessage("assistant", "We are open from");
    assertThat(cut.text()).doesNotContain("nine to five");
    assertThat(widget.all("[data-lc=message][data-interrupted]")).hasSize(1);
    hear("Sorry, one more thing. Can I talk to a person?", true);
    visitor.await(() -> "the second prompt; the socket has " + socket(0), d -> sent(0).size() >= 4);
    assertThat(sent(0).get(3).getString("voicePrompt")).isEqualTo("Sorry, one more thing. Can I talk to a person?");
    visitor.script("window.__speech.release()");
    assertThat(spoken()).doesNotContain("On Saturdays from ten to two.");

    // a handoff: its words are said, the handoff notice shows, the call ends
    serverSays(new JsonObject().put("type", "end").put("handoffData", new JsonObject()
        .put("reasonCode", "live-agent-handoff").put("conversationId", "conv-fakecall1")
        .put("say", "Let me connect you to the team.").encode()));
    visitor.await(() -> "the handoff's words said; it said " + spoken(),
        d -> spoken().contains("Let me connect you to the team."));
    visitor.await("the handoff notice", d -> widget.shown("handoff"));
    assertThat(widget.lc("handoff").getText()).containsIgnoringCase("connecting you to the team");
    visitor.await(() -> "the socket closed by the widget; it shows " + socket(0),
        d -> Integer.valueOf(1000).equals(socket(0).getInteger("closedByClient")));
    widget.awaitMessage("system", "Call ended");
    visitor.await("Call in browser again", d -> widget.shown("call-browser"));
    assertThat(widget.shown("call-hangup")).isFalse();
    assertThat(sent(0)).as("nothing but auth, prompt and interrupt frames")
        .allMatch(f -> List.of("auth", "prompt", "interrupt").contains(f.getString("type")));
    visitor.screenshot("widget-call-handed-off");

    // a second call: mute stops listening, unmute listens again, hang up closes the socket
    widget.lc("call-browser").click();
    visitor.await("the second socket's auth", d -> sent(1).size() == 1);
    serverSays(new JsonObject().put("type", "auth:ok").put("conversationId", "conv-fakecall2"));
    serverSays(text("Hi again.", true));
    visitor.await("the mute button", d -> widget.shown("call-mute"));
    awaitListeningAndQuiet();
    widget.lc("call-mute").click();
    assertThat(widget.lc("call-mute").getDomAttribute("aria-pressed")).isEqualTo("true");
    assertThat(widget.lc("call-mute").getDomAttribute("aria-label")).isEqualTo("Unmute microphone");
    visitor.await("no listening while muted", d -> Boolean.FALSE.equals(visitor.script("return window.__speech.listening()")));
    assertThat(hear("this is not for the assistant", true)).isFalse();
    widget.lc("call-mute").click();
    assertThat(widget.lc("call-mute").getDomAttribute("aria-pressed")).isEqualTo("false");
    visitor.await("listening again", d -> Boolean.TRUE.equals(visitor.script("return window.__speech.listening()")));
    widget.lc("call-hangup").click();
    visitor.await(() -> "the second socket closed by the widget; it shows " + socket(1),
        d -> Integer.valueOf(1000).equals(socket(1).getInteger("closedByClient")));
    assertThat(sent(1)).hasSize(1);
    visitor.await("Call in browser again", d -> widget.shown("call-browser"));
    assertThat(widget.focused("call-browser")).as("the focus back on Call in browser; it is on "
        + widget.focusDescription()).isTrue();

    // a third: the server refuses the credentials
    widget.lc("call-browser").click();
    visitor.await("the third socket's auth", d -> sent(2).size() == 1);
    visitor.script("window.__speech.serverClose(4401, 'invalid token')");
    widget.awaitMessage("system", "could not be authorised");
    assertThat(widget.shown("call-hangup")).isFalse();
    widget.assertSettled();
  }

  @Test
  void withoutSpeechRecognitionTheCallBarOnlyGivesTheNumber() {
    Tenant t = newTenant("no-speech");
    configure(t, List.of(newNumber()), null, GREETING);
    WidgetPage widget = firstVisit(t.shop() + "&noSpeech=1").open();
    widget.lc("call-button").click();
    visitor.await("the number to call", d -> widget.shown("call"));
    assertThat(widget.lc("call").getDomAttribute("href")).startsWith("tel:+1415666");
    assertThat(widget.shown("call-browser")).as("Call in browser without speech recognition").isFalse();
  }

  @Test
  void aCallInTheBrowserTalksToTheAssistantOverWsVoice() {
    ai.reset();
    ai.reply = "We are open from nine to five. See you soon!";
    Tenant t = newTenant("browser-call");
    configure(t, List.of(newNumber()), null, GREETING);
    WidgetPage widget = firstVisit(t.shop()).open();
    widget.lc("call-button").click();
    visitor.await("the call bar's Call in browser", d -> widget.shown("call-browser"));
    widget.lc("call-browser").click();

    JsonObject ok = visitor.await(() -> "auth:ok on /ws/voice (the server's side of the in-browser call); the socket shows "
        + socket(0), d -> {
          JsonObject s = socket(0);
          if (s != null && s.getValue("close") != null && received(0).stream().noneMatch(f -> "auth:ok".equals(f.getString("type")))) {
            throw new AssertionError("/ws/voice closed before auth:ok: " + s);
          }
          return received(0).stream().filter(f -> "auth:ok".equals(f.getString("type"))).findFirst().orElse(null);
        });
    String conversationId = ok.getString("conversationId");
    assertThat(conversationId).startsWith("conv-");
    visitor.await(() -> "the greeting spoken; it said " + spoken(), d -> String.join("", spoken()).contains(GREETING));
    awaitListeningAndQuiet();

    // the reply's first sentence is still being said when the caller talks over it
    visitor.script("window.__speech.hold = true");
    hear("What are your opening hours?", true);
    visitor.await(() -> "the reply given to speech synthesis; it was given " + spoken() + ", the socket shows " + socket(0),
        d -> String.join("", spoken()).contains(ai.reply));
    visitor.await("the reply's last text frame (after auth:ok and the greeting's)", d -> {
      List<JsonObject> r = received(0);
      return r.size() > 2 && r.get(r.size() - 1).getBoolean("last", false);
    });
    assertThat(visitor.script("return window.__speech.current && window.__speech.current.text"))
        .isEqualTo("We are open from nine to five. ");
    hear("Wait", false);
    visitor.await(() -> "the interrupt; the socket shows " + socket(0), d -> sent(0).size() >= 3);
    visitor.script("window.__speech.release()");

    // the frames, as the protocol says
    List<JsonObject> sent = sent(0);
    assertThat(sent).extracting(f -> f.getString("type")).containsExactly("auth", "prompt", "interrupt");
    assertThat(sent.get(2)).isEqualTo(new JsonObject().put("type", "interrupt")
        .put("utteranceUntilInterrupt", "We are open from nine to five. "));
    assertThat(sent.get(0).getString("widgetId")).isEqualTo(t.id());
    assertThat(sent.get(0).getString("token")).isEqualTo(t.widgetToken());
    assertThat(sent.get(1)).isEqualTo(new JsonObject().put("type", "prompt")
        .put("voicePrompt", "What are your opening hours?").put("last", true));
    List<JsonObject> received = received(0);
    assertThat(received.get(0).getString("type")).isEqualTo("auth:ok");
    List<JsonObject> texts = received.subList(1, received.size());
    assertThat(texts).allMatch(f -> "text".equals(f.getString("type")) && f.getValue("token") instanceof String
        && f.getValue("last") instanceof Boolean);
    int greetingEnd = indexOfLast(texts, 0);
    assertThat(join(texts.subList(0, greetingEnd + 1))).isEqualTo(GREETING);
    int replyEnd = indexOfLast(texts, greetingEnd + 1);
    assertThat(replyEnd).as("a text frame with last: true ends the reply: " + texts).isPositive();
    assertThat(join(texts.subList(greetingEnd + 1, replyEnd + 1))).isEqualTo(ai.reply);
    assertThat(spoken()).as("each token spoken as it came, in order")
        .containsExactlyElementsOf(texts.stream().map(f -> f.getString("token")).filter(s -> !s.isBlank()).toList());

    // the call's transcript in the message list, each line once, tied to the stored messages
    widget.awaitMessage("assistant", GREETING);
    widget.awaitMessage("visitor", "What are your opening hours?");
    List<JsonObject> stored = visitor.await("the transcript stored, the reply as the caller heard it", d -> {
      List<JsonObject> m = messages(t, conversationId);
      return m.size() == 3 && m.get(2).getJsonObject("metadata", new JsonObject()).getBoolean("interrupted", false)
          ? m : null;
    });
    assertThat(stored).extracting(m -> m.getString("role")).containsExactly("assistant", "visitor", "assistant");
    assertThat(stored.get(0).getJsonObject("metadata").getBoolean("greeting")).isTrue();
    assertThat(stored.get(2).getString("content")).contains("nine to five").doesNotContain("See you soon");
    // message:updated: the line shows what was heard, once
    visitor.await(() -> "the reply's line to read what was heard; the widget shows " + widget.safeMessages(),
        d -> widget.messages().stream().anyMatch(m -> "assistant".equals(m.role()) && !m.streaming()
            && m.text().strip().equals(stored.get(2).getString("content").strip())));
    assertThat(widget.messages()).noneMatch(m -> m.text().contains("See you soon"));
    for (JsonObject m : stored) {
      visitor.await(() -> "the line of " + m.getString("id") + " in the widget, once; it shows " + widget.safeMessages(),
          d -> widget.all("[data-lc=message][data-id='" + m.getString("id") + "']").size() == 1);
    }
    widget.assertSettled();
    visitor.screenshot("widget-call-in-browser");

    widget.lc("call-hangup").click();
    visitor.await(() -> "the socket closed by the widget; it shows " + socket(0),
        d -> Integer.valueOf(1000).equals(socket(0).getInteger("closedByClient")));
    widget.awaitMessage("system", "Call ended");
    visitor.await("the call completed and its conversation closed", d -> {
      JsonObject c = conversation(t, conversationId);
      JsonObject call = c.getJsonObject("metadata", new JsonObject()).getJsonObject("call", new JsonObject());
      return "closed".equals(c.getString("status")) && "completed".equals(call.getString("status"));
    });
  }

  // ---- helpers ------------------------------------------------------------------------------------

  private Tenant newTenant(String who) {
    String email = who + "-" + System.nanoTime() + "@voice-browser.test";
    JsonObject s = api.signup(email);
    String id = s.getJsonObject("tenant").getString("id");
    String widgetToken = s.getJsonObject("tenant").getString("widgetToken");
    String assistantId = api.get("/api/widgets/" + id + "/config", "Authorization", bearer(widgetToken)).json()
        .getJsonObject("config").getString("assistantId");
    return new Tenant(id, widgetToken, s.getString("token"), assistantId, email, site.shop(id, widgetToken));
  }

  private static String newNumber() {
    return "+1415666" + NUMBERS.incrementAndGet();
  }

  private void configure(Tenant t, List<String> numbers, String transferNumber, String greeting) {
    JsonObject a = assistant(t);
    a.put("phoneNumbers", new JsonArray(numbers)).put("transferNumber", transferNumber).put("greeting", greeting);
    Api.Response r = api.method("PUT", "/api/assistants/" + t.assistantId(), a.encode(),
        "Authorization", bearer(t.jwt()), "Content-Type", "application/json");
    assertThat(r.status()).as(r.text()).isEqualTo(200);
  }

  private JsonObject assistant(Tenant t) {
    return api.get("/api/assistants/" + t.assistantId(), "Authorization", bearer(t.jwt())).json()
        .getJsonObject("assistant");
  }

  private Api.Response widget(Tenant t, String path, JsonObject body) {
    Api.Response r = api.post("/api/widgets/" + t.id() + path, body, "Authorization", bearer(t.widgetToken()));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r;
  }

  private JsonObject conversation(Tenant t, String id) {
    return api.get("/api/conversations/" + id, "Authorization", bearer(t.jwt())).json().getJsonObject("conversation");
  }

  private List<JsonObject> messages(Tenant t, String conversationId) {
    Api.Response r = api.get("/api/conversations/" + conversationId + "/messages", "Authorization", bearer(t.jwt()));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json().getJsonArray("items").stream().map(o -> (JsonObject) o).toList();
  }

  private WidgetPage firstVisit(String shop) {
    visitor.driver.get(site.blank());
    visitor.script("localStorage.clear(); sessionStorage.clear();");
    return new WidgetPage(visitor).load(shop);
  }

  private static void fill(WebElement form, String name, String value) {
    WebElement input = form.findElement(By.name(name));
    input.clear();
    input.sendKeys(value);
  }

  /** The text of the call status of a conversation's row, or "". */
  private String callStatus(String conversationId) {
    List<WebElement> found = dashboard.conversationRow(conversationId).findElements(By.cssSelector("[data-dc=call-status]"));
    return found.isEmpty() ? "" : found.get(0).getText();
  }

  private String text(String hook) {
    return dashboard.dc(hook).getText();
  }

  private String rows() {
    try {
      return dashboard.all("[data-dc=conversation]").stream().map(WebElement::getText).toList().toString();
    } catch (RuntimeException e) {
      return "(no list: " + e.getClass().getSimpleName() + ")";
    }
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  // the fake speech and the /ws/voice spy, seen from the test

  @SuppressWarnings("unchecked")
  private List<String> spoken() {
    return (List<String>) visitor.script("return window.__speech.spoken.slice()");
  }

  /** Makes the fake recognition hear {@code text}; false when it is not listening. */
  private boolean hear(String text, boolean isFinal) {
    return Boolean.TRUE.equals(visitor.script("return window.__speech.say(arguments[0], arguments[1])", text, isFinal));
  }

  private void awaitListeningAndQuiet() {
    visitor.await("the fake recognition listening and nothing being said", d -> Boolean.TRUE.equals(visitor.script(
        "return window.__speech.listening() && window.__speech.idle()")));
  }

  /** The i-th /ws/voice socket of the page as recorded, or null. */
  private JsonObject socket(int i) {
    Object json = visitor.script("const s = window.__speech.sockets[arguments[0]];"
        + "return s ? JSON.stringify(s, (k, v) => k === 'socket' ? undefined : v) : null;", i);
    return json == null ? null : new JsonObject((String) json);
  }

  private List<JsonObject> sent(int i) {
    return frames(i, "sent");
  }

  private List<JsonObject> received(int i) {
    return frames(i, "received");
  }

  private List<JsonObject> frames(int i, String which) {
    JsonObject s = socket(i);
    if (s == null) {
      return List.of();
    }
    return s.getJsonArray(which).stream().map(o -> new JsonObject((String) o)).toList();
  }

  private boolean serverSays(JsonObject frame) {
    boolean sent = Boolean.TRUE.equals(visitor.script("return window.__speech.server(JSON.parse(arguments[0]))", frame.encode()));
    assertThat(sent).as("the fake /ws/voice is open to send " + frame).isTrue();
    return sent;
  }

  private static JsonObject text(String token, boolean last) {
    return new JsonObject().put("type", "text").put("token", token).put("last", last);
  }

  private static int indexOfLast(List<JsonObject> texts, int from) {
    for (int i = from; i < texts.size(); i++) {
      if (texts.get(i).getBoolean("last")) {
        return i;
      }
    }
    return -1;
  }

  private static String join(List<JsonObject> texts) {
    return texts.stream().map(f -> f.getString("token")).reduce("", String::concat);
  }
}
