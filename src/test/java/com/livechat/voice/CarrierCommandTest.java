package com.livechat.voice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.livechat.support.Ports;
import com.livechat.voice.sim.CarrierCommand;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code livechat.jar carrier}: the fake carrier's REST API on the port asked for, the callee chosen
 * by the number's last digit, one line printed per call; against a stand-in for the node's voice
 * webhooks (an answer that speaks and hangs up, status callbacks recorded).
 */
class CarrierCommandTest {

  private static final String TOKEN = "carrier-command-token-0123456789";
  private static final String ACCOUNT = "AC" + "5".repeat(32);

  @TempDir
  Path dataDir;

  private Vertx vertx;
  private HttpServer node;
  private final List<String> statuses = new CopyOnWriteArrayList<>();
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private PrintStream out;
  private CarrierCommand.Running carrier;
  private int carrierPort;
  private String publicBase;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    router.post("/api/voice/twilio/*").handler(BodyHandler.create());
    router.post("/api/voice/twilio/outbound").handler(ctx -> ctx.response().putHeader("content-type", "text/xml")
        .end("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Say>Hello Ana, this is Acme about your Pro "
            + "plan.</Say><Hangup/></Response>"));
    router.post("/api/voice/twilio/status").handler(ctx -> {
      statuses.add(ctx.request().getFormAttribute("To") + " " + ctx.request().getFormAttribute("CallStatus"));
      ctx.response().end();
    });
    node = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
    publicBase = "http://localhost:" + node.actualPort();
    out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    Map<String, String> env = Map.of("LIVECHAT_DATA_DIR", dataDir.toString(),
        "LIVECHAT_HTTP_PORT", Integer.toString(node.actualPort()));
    carrierPort = Ports.free();
    carrier = CarrierCommand.start(new String[] {"--port", Integer.toString(carrierPort), "--account", ACCOUNT,
        "--token", TOKEN}, env, out);
    assertThat(carrier.port()).isEqualTo(carrierPort);
  }

  @AfterEach
  void stop() {
    if (carrier != null) {
      carrier.close();
    }
    vertx.close().await();
  }

  @Test
  void itListensOnThePortAskedForAndSaysWhoAnswersWhat() {
    assertThat(lines().get(0)).isEqualTo("fake carrier on http://127.0.0.1:" + carrierPort + " (account " + ACCOUNT
        + ", node http://127.0.0.1:" + node.actualPort() + ", public URL " + publicBase + ")");
    assertThat(lines().get(1)).contains("ending in 1 are busy, 2 do not answer, 3 are answering machines, "
        + "4 are invalid (21211)");
  }

  @Test
  void aPersonAnswersANumberEndingInAnythingElse() throws Exception {
    HttpResponse<String> created = place("+15550000005", TOKEN);

    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(new JsonObject(created.body()).getString("sid")).startsWith("CA");
    String line = awaitLine("+15550000005 ");
    assertThat(line).startsWith("+15550000005 answered (human): \"Hello Ana, this is Acme about your Pro plan.\" → "
        + "completed ").endsWith(" s (0 of 3 lines said)");
    assertThat(statuses).contains("+15550000005 in-progress", "+15550000005 completed");
  }

  @Test
  void theLastDigitPicksBusyNoAnswerAndMachine() throws Exception {
    assertThat(place("+15550000001", TOKEN).statusCode()).isEqualTo(201);
    assertThat(place("+15550000002", TOKEN).statusCode()).isEqualTo(201);
    assertThat(place("+15550000003", TOKEN).statusCode()).isEqualTo(201);

    assertThat(awaitLine("+15550000001 ")).isEqualTo("+15550000001 busy");
    assertThat(awaitLine("+15550000002 ")).isEqualTo("+15550000002 no answer");
    assertThat(awaitLine("+15550000003 ")).startsWith("+15550000003 answered (machine_start): \"Hello Ana");
  }

  @Test
  void aNumberEndingIn4IsRefusedAsTwilioRefusesAnInvalidOne() throws Exception {
    HttpResponse<String> refused = place("+15550000004", TOKEN);

    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(refused.body()).getInteger("code")).isEqualTo(21211);
    assertThat(awaitLine("+15550000004 ")).isEqualTo("+15550000004 refused: HTTP 400, code 21211: The 'To' number "
        + "+15550000004 is not a valid phone number.");
  }

  @Test
  void aWrongTokenIsRefusedLikeTwilio() throws Exception {
    HttpResponse<String> refused = place("+15550000005", "not-the-token-at-all-0123");

    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.headers().firstValue("WWW-Authenticate"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
    assertThat(awaitLine("+15550000005 ")).contains("refused: HTTP 401, code 20003");
  }

  @Test
  void helpDescribesTheDigitsAndBadArgumentsExitWith2() {
    ByteArrayOutputStream help = new ByteArrayOutputStream();
    assertThat(CarrierCommand.start(new String[] {"--help"}, Map.of(), new PrintStream(help, true,
        StandardCharsets.UTF_8))).isNull();
    assertThat(help.toString(StandardCharsets.UTF_8)).contains("...1  busy", "...2  no answer",
        "...3  an answering machine", "...4  an invalid number: refused with 400, code 21211",
        "\"Hello?\", then \"Yes, tell me more\", then \"Thanks, bye.\"");

    assertThatThrownBy(() -> CarrierCommand.start(new String[] {"--port", "x"}, Map.of(), out))
        .hasMessageContaining("--port must be");
    assertThatThrownBy(() -> CarrierCommand.start(new String[] {"--bogus"}, Map.of(), out))
        .hasMessageContaining("unknown argument --bogus");
    assertThatThrownBy(() -> CarrierCommand.start(new String[] {"--token"}, Map.of(), out))
        .isInstanceOfSatisfying(CarrierCommand.Exit.class, e -> assertThat(e.code()).isEqualTo(2))
        .hasMessageContaining("--token needs a value");
  }

  private HttpResponse<String> place(String to, String token) throws Exception {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("To", to);
    form.put("From", "+14165550000");
    form.put("Url", publicBase + "/api/voice/twilio/outbound?attempt=a1");
    form.put("StatusCallback", publicBase + "/api/voice/twilio/status?attempt=a1");
    form.put("StatusCallbackEvent", "initiated ringing answered completed");
    form.put("MachineDetection", "Enable");
    form.put("Timeout", "30");
    String body = form.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + carrierPort + "/2010-04-01/Accounts/"
            + ACCOUNT + "/Calls.json"))
        .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((ACCOUNT + ":" + token)
            .getBytes(StandardCharsets.UTF_8)))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
  }

  private List<String> lines() {
    synchronized (out) {
      return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }
  }

  private String awaitLine(String prefix) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 15_000;
    while (System.currentTimeMillis() < deadline) {
      for (String line : lines()) {
        if (line.startsWith(prefix)) {
          return line;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no line starting with " + prefix + " in " + lines());
  }
}
