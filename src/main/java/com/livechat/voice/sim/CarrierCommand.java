package com.livechat.voice.sim;

import com.livechat.config.AppConfig;
import com.livechat.config.ConfigLoader;
import com.livechat.voice.twilio.TwilioSignature;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * {@code java -jar livechat.jar carrier [--port 8099] [--url http://127.0.0.1:PORT] [--public-url …]
 * [--account AC…] [--token …]} (scripts/campaign.sh): the fake carrier's REST API as a process, for
 * a running node to place its campaigns' calls through ({@code apiBaseUrl http://127.0.0.1:8099}),
 * until Ctrl-C. Each call ends with one line: who was called, how it went, what they heard first.
 *
 * <p>Who answers comes from the number's last digit ({@link #calleeFor}), so every outcome can be
 * tried without scripting anything. Like {@link CallCommand} it reads the node's configuration
 * for the defaults: the auth token it signs with, the public URL, the account sid.
 *
 * <p>{@link FakeCarrier#serveRest()} listens on a port of its own choosing and plays one callee per
 * number set beforehand, so the port asked for is a small proxy in front of it: each
 * {@code Calls.json} request sets its {@code To}'s callee, then goes on to the fake unchanged, and
 * the answer comes back unchanged.
 */
public final class CarrierCommand {

  static final int DEFAULT_PORT = 8099;
  static final List<String> HUMAN_LINES = List.of("Hello?", "Yes, tell me more", "Thanks, bye.");

  private static final String MADE_UP_ACCOUNT_SID = "AC" + "0".repeat(32);
  private static final Pattern CALLS = Pattern.compile("/2010-04-01/Accounts/[^/]+/Calls\\.json");
  // hop-by-hop, or recomputed for the body sent on
  private static final Set<String> NOT_FORWARDED = Set.of("host", "content-length", "connection", "keep-alive",
      "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection");
  private static final int QUOTE_MAX = 60;
  private static final long PROXY_TIMEOUT_MS = 30_000;

  static final String USAGE = "usage: carrier [--port " + DEFAULT_PORT
      + "] [--url http://127.0.0.1:PORT] [--public-url URL] [--account AC…] [--token TOKEN]";

  static final String HELP = USAGE + "\n\n"
      + "Plays the carrier's REST API (POST /2010-04-01/Accounts/{sid}/Calls.json, HTTP Basic sid:token) and\n"
      + "the people called, for a node's outbound campaigns, until Ctrl-C. Point the node at it with\n"
      + "apiBaseUrl http://127.0.0.1:PORT: LIVECHAT_TWILIO_API_BASE_URL, or PUT /api/tenant/telephony on a node\n"
      + "started with LIVECHAT_TWILIO_ALLOW_PRIVATE_API_BASE_URL=true (a tenant's URL is public https otherwise).\n"
      + "One line is printed per call when it ends.\n\n"
      + "Who answers depends on the last digit of the number called:\n"
      + "  ...1  busy\n"
      + "  ...2  no answer (rings, then the carrier gives up)\n"
      + "  ...3  an answering machine (listens, records, hangs up)\n"
      + "  ...4  an invalid number: refused with 400, code 21211\n"
      + "  other a person, who says \"" + String.join("\", then \"", HUMAN_LINES) + "\" and hangs up\n\n"
      + "Options (defaults from the node's configuration, as the node reads it):\n"
      + "  --port        where the REST API listens on 127.0.0.1 (default " + DEFAULT_PORT + ")\n"
      + "  --url         where the node really listens (default http://127.0.0.1:<http.port>)\n"
      + "  --public-url  the node's public URL, which callbacks are signed with (default LIVECHAT_PUBLIC_URL,\n"
      + "                else http://localhost:<http.port>)\n"
      + "  --account     the account sid the node authenticates with (default voice.twilio.accountSid,\n"
      + "                else AC followed by 32 zeros)\n"
      + "  --token       the auth token: checks the node's HTTP Basic and signs the callbacks (default\n"
      + "                voice.twilio.authToken, else the one generated in the data dir)";

  /** Bad arguments or configuration, or a port that cannot be had: the message and the exit code. */
  public static final class Exit extends RuntimeException {
    private final int code;

    Exit(int code, String message) {
      super(message);
      this.code = code;
    }

    /** 2 bad arguments or configuration, 1 the port cannot be had. */
    public int code() {
      return code;
    }
  }

  record Args(int port, String url, String publicUrl, String account, String token, boolean help) {}

  private CarrierCommand() {}

  public static void main(String[] argv) {
    Running running;
    try {
      running = start(argv, System.getenv(), System.out);
    } catch (Exit e) {
      System.out.println(e.getMessage());
      System.exit(e.code());
      return;
    }
    if (running == null) {
      System.exit(0);
      return;
    }
    CountDownLatch forever = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(running::close, "carrier-stop"));
    try {
      forever.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Starts the carrier (main, and the tests, with their own environment and output); null after
   * {@code --help}. Throws {@link Exit} on bad arguments or configuration (2) or a port in use (1).
   */
  public static Running start(String[] argv, Map<String, String> env, PrintStream out) {
    Args args = parse(argv);
    if (args.help()) {
      out.println(HELP);
      return null;
    }
    AppConfig config;
    try {
      config = ConfigLoader.load(env);
    } catch (IllegalArgumentException e) {
      throw new Exit(2, "bad configuration: " + e.getMessage());
    }
    int nodePort = config.http().port();
    String publicBase = args.publicUrl() != null ? args.publicUrl() : config.voice().baseUrl(nodePort);
    String serverBase = args.url() != null ? args.url() : "http://127.0.0.1:" + nodePort;
    String token = args.token();
    if (token == null) {
      try {
        token = TwilioSignature.serverAuthToken(config.voice().twilio().authToken(), config.dataDir());
      } catch (UncheckedIOException e) {
        throw new Exit(2, e.getMessage() + ": " + e.getCause().getMessage());
      }
    }
    String account = args.account() != null ? args.account()
        : config.voice().twilio().accountSid().isEmpty() ? MADE_UP_ACCOUNT_SID : config.voice().twilio().accountSid();

    Vertx vertx = Vertx.vertx();
    Running running = new Running(vertx, new FakeCarrier(vertx, serverBase, publicBase, token, account), out);
    try {
      running.listen(args.port());
    } catch (RuntimeException e) {
      running.close();
      throw new Exit(1, "cannot listen on 127.0.0.1:" + args.port() + ": " + describe(e));
    }
    out.println("fake carrier on http://127.0.0.1:" + running.port() + " (account " + account + ", node " + serverBase
        + ", public URL " + publicBase + ")");
    out.println("numbers ending in 1 are busy, 2 do not answer, 3 are answering machines, 4 are invalid (21211); "
        + "any other is a person. Ctrl-C stops it.");
    out.flush();
    return running;
  }

  /** Who answers a call to {@code number}: by its last digit (see {@link #HELP}). */
  static Callee calleeFor(String number) {
    char last = number == null || number.isEmpty() ? ' ' : number.charAt(number.length() - 1);
    return switch (last) {
      case '1' -> Callee.busy().withRingMs(1_000);
      case '2' -> Callee.noAnswer().withRingMs(3_000);
      case '3' -> Callee.machine().withRingMs(1_000);
      case '4' -> Callee.invalid();
      default -> Callee.human(HUMAN_LINES).withRingMs(1_000);
    };
  }

  /** The line printed when {@code call} is over. */
  static String outcome(OutboundCall call) {
    StringBuilder line = new StringBuilder(call.to()).append(' ');
    String status = call.terminalStatus();
    if (call.answered()) {
      String by = call.answeredBy() != null ? call.answeredBy() : call.callee().kind().name().toLowerCase(Locale.ROOT);
      line.append("answered (").append(by).append("): ");
      List<String> said = call.said();
      line.append(said.isEmpty() ? "nothing said" : quote(said.get(0)));
      if (call.dialled() != null) {
        line.append(", transferred to ").append(call.dialled());
      }
      line.append(" → ").append(status).append(' ').append(call.durationSeconds()).append(" s");
      if (call.callee().kind() == Callee.Kind.HUMAN) {
        line.append(" (").append(call.spoken().size()).append(" of ").append(call.callee().lines().size())
            .append(" lines said)");
      }
    } else {
      line.append(switch (status == null ? "" : status) {
        case "no-answer" -> "no answer";
        case "" -> "not over";
        default -> status;
      });
    }
    for (String error : call.errors()) {
      line.append("\n  carrier: ").append(error);
    }
    for (OutboundCall.Callback callback : call.callbacks()) {
      if (callback.httpStatus() < 200 || callback.httpStatus() > 299) {
        line.append("\n  status callback ").append(callback.event()).append(" (").append(callback.callStatus())
            .append("): ").append(callback.httpStatus() == 0 ? callback.error() : "HTTP " + callback.httpStatus());
      }
    }
    return line.toString();
  }

  /** The line printed when the REST API refused a call to {@code to}. */
  static String refusal(String to, int status, Buffer body) {
    String detail;
    try {
      JsonObject json = body.toJsonObject();
      detail = "code " + json.getValue("code") + ": " + json.getString("message");
    } catch (DecodeException | ClassCastException e) {
      detail = body.toString();
    }
    return (to == null ? "(no To)" : to) + " refused: HTTP " + status + ", " + detail;
  }

  static Args parse(String[] argv) {
    int port = DEFAULT_PORT;
    String url = null;
    String publicUrl = null;
    String account = null;
    String token = null;
    for (int i = 0; i < argv.length; i++) {
      String option = argv[i];
      if (option.equals("--help") || option.equals("-h")) {
        return new Args(port, url, publicUrl, account, token, true);
      }
      if (!List.of("--port", "--url", "--public-url", "--account", "--token").contains(option)) {
        throw new Exit(2, "unknown argument " + option + "\n" + USAGE);
      }
      if (i + 1 == argv.length || argv[i + 1].isBlank()) {
        throw new Exit(2, option + " needs a value\n" + USAGE);
      }
      String value = argv[++i];
      switch (option) {
        case "--port" -> {
          try {
            port = Integer.parseInt(value);
          } catch (NumberFormatException e) {
            port = -1;
          }
          if (port < 0 || port > 65_535) {
            throw new Exit(2, "--port must be 0 (any free port) to 65535, was " + value);
          }
        }
        case "--url" -> url = value;
        case "--public-url" -> publicUrl = value;
        case "--account" -> account = value;
        default -> token = value;
      }
    }
    return new Args(port, url, publicUrl, account, token, false);
  }

  /** The first value of {@code name} in a form-encoded body, or null. */
  static String formValue(Buffer body, String name) {
    for (String pair : body.toString(StandardCharsets.UTF_8).split("&")) {
      int equals = pair.indexOf('=');
      String key = equals < 0 ? pair : pair.substring(0, equals);
      try {
        if (URLDecoder.decode(key, StandardCharsets.UTF_8).equals(name)) {
          return equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
        }
      } catch (IllegalArgumentException malformed) {
        return null;
      }
    }
    return null;
  }

  private static String quote(String text) {
    String flat = text.replaceAll("\\s+", " ").strip();
    return "\"" + (flat.codePointCount(0, flat.length()) <= QUOTE_MAX ? flat
        : flat.substring(0, flat.offsetByCodePoints(0, QUOTE_MAX - 1)) + "…") + "\"";
  }

  private static String describe(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && (cause.getMessage() == null || cause instanceof io.vertx.core.VertxException)) {
      cause = cause.getCause();
    }
    return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
  }

  /** The carrier while it runs: the fake, the proxy in front of its REST API, and what it prints. */
  public static final class Running implements AutoCloseable {
    private final Vertx vertx;
    private final FakeCarrier carrier;
    private final PrintStream out;
    private final HttpClient client;
    private final AtomicInteger placed = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private HttpServer front;
    private int restPort;

    private Running(Vertx vertx, FakeCarrier carrier, PrintStream out) {
      this.vertx = vertx;
      this.carrier = carrier;
      this.out = out;
      this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
          new PoolOptions().setHttp1MaxSize(256));
    }

    private void listen(int port) {
      restPort = carrier.serveRest().await();
      front = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
          .requestHandler(this::forward)
          .listen()
          .await();
    }

    /** Where the REST API listens on 127.0.0.1 (the one asked for, or the one found for {@code --port 0}). */
    public int port() {
      return front.actualPort();
    }

    /** Sets the callee of the request's {@code To}, passes the request on, and passes the answer back. */
    private void forward(HttpServerRequest request) {
      request.body().onSuccess(body -> {
        boolean placing = CALLS.matcher(request.path()).matches();
        String to = placing ? formValue(body, "To") : null;
        if (to != null) {
          carrier.callee(to, calleeFor(to));
        }
        RequestOptions options = new RequestOptions().setMethod(request.method()).setHost("127.0.0.1")
            .setPort(restPort).setURI(request.uri()).setTimeout(PROXY_TIMEOUT_MS);
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        request.headers().forEach((name, value) -> {
          if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))) {
            headers.add(name, value);
          }
        });
        options.setHeaders(headers);
        client.request(options)
            .compose(upstream -> upstream.send(body))
            .compose(answer -> answer.body().map(answerBody -> {
              request.response().setStatusCode(answer.statusCode());
              answer.headers().forEach((name, value) -> {
                if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))) {
                  request.response().headers().add(name, value);
                }
              });
              request.response().end(answerBody);
              if (placing) {
                report(to, answer.statusCode(), answerBody);
              }
              return answerBody;
            }))
            .onFailure(err -> {
              if (!request.response().ended()) {
                request.response().setStatusCode(502).putHeader("content-type", "application/json")
                    .end(new JsonObject().put("code", 20500).put("message", "fake carrier: " + describe(err))
                        .put("status", 502).encode());
              }
            });
      });
    }

    /** A call accepted gets its line when it is over; a refusal at once. */
    private void report(String to, int status, Buffer body) {
      if (status != 201) {
        refused.incrementAndGet();
        print(refusal(to, status, body));
        return;
      }
      placed.incrementAndGet();
      String sid;
      try {
        sid = body.toJsonObject().getString("sid");
      } catch (DecodeException | ClassCastException e) {
        return;
      }
      List<OutboundCall> calls = carrier.outboundCalls();
      for (int i = calls.size() - 1; i >= 0; i--) {
        OutboundCall call = calls.get(i);
        if (call.callSid().equals(sid)) {
          call.done().onSuccess(over -> print(outcome(over)));
          return;
        }
      }
    }

    private void print(String line) {
      synchronized (out) {
        out.println(line);
        out.flush();
      }
    }

    /** Stops listening; calls still going on are dropped: the node hears no more of them. */
    @Override
    public void close() {
      if (!closed.compareAndSet(false, true)) {
        return;
      }
      int live = carrier.liveOutbound();
      if (front != null) {
        print("fake carrier stopped: " + calls(placed.get()) + " placed, " + refused.get() + " refused"
            + (live > 0 ? ", " + live + " still going on, dropped" : ""));
      }
      // one at a time from this thread: a chain would deliver vertx.close() to an event loop it stopped
      if (front != null) {
        awaitQuietly(front.close());
      }
      awaitQuietly(client.close());
      awaitQuietly(carrier.close());
      awaitQuietly(vertx.close());
    }

    private static String calls(int n) {
      return n + (n == 1 ? " call" : " calls");
    }

    private static void awaitQuietly(Future<?> closing) {
      try {
        closing.await(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        // the process is going away either way
      }
    }
  }
}
