package com.livechat.voice.sim;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fake carrier's REST API: {@code POST /2010-04-01/Accounts/{AccountSid}/Calls.json} in
 * Twilio's wire format (HTTP Basic, form-encoded, JSON answers and errors with Twilio's codes), and
 * the bookkeeping of the outbound calls it accepts. Each accepted call is then played by its
 * {@link OutboundCall}.
 */
final class CarrierRest {

  static final String API_VERSION = "2010-04-01";

  private static final Pattern CALLS = Pattern.compile("/2010-04-01/Accounts/([^/]+)/Calls\\.json");
  private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{1,14}");
  private static final int DEFAULT_TIMEOUT_SECONDS = 60;
  private static final int MAX_TIMEOUT_SECONDS = 600;
  private static final DateTimeFormatter RFC_2822 =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss Z", Locale.US);

  /** A request refused: the status, Twilio's code and message. */
  private record Refusal(int status, int code, String message) {}

  private final FakeCarrier carrier;
  private final Map<String, Callee> callees = new ConcurrentHashMap<>();
  private volatile Callee defaultCallee = Callee.DEFAULT;
  private final AtomicInteger rateLimited = new AtomicInteger();
  private final AtomicInteger live = new AtomicInteger();
  private final AtomicInteger maxLive = new AtomicInteger();
  private final Map<String, OutboundCall> latest = new ConcurrentHashMap<>();
  private volatile boolean closed;

  // guarded by this
  private final List<RestRequest> requests = new ArrayList<>();
  private final List<OutboundCall> calls = new ArrayList<>();
  private final List<OutboundCall> finished = new ArrayList<>();
  private Future<HttpServer> server;

  CarrierRest(FakeCarrier carrier) {
    this.carrier = carrier;
  }

  synchronized Future<Integer> listen() {
    if (server == null) {
      server = carrier.vertx().createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
          .requestHandler(this::handle)
          .listen();
    }
    return server.map(HttpServer::actualPort);
  }

  synchronized int port() {
    if (server == null || !server.succeeded()) {
      throw new IllegalStateException("the REST API is not listening: serveRest() first");
    }
    return server.result().actualPort();
  }

  void callee(String number, Callee callee) {
    callees.put(number, callee);
  }

  void defaultCallee(Callee callee) {
    defaultCallee = java.util.Objects.requireNonNull(callee);
  }

  void rateLimitNext(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("n must not be negative: " + n);
    }
    rateLimited.set(n);
  }

  synchronized List<RestRequest> requests() {
    return List.copyOf(requests);
  }

  int live() {
    return live.get();
  }

  int maxLive() {
    return maxLive.get();
  }

  OutboundCall latest(String to) {
    return latest.get(to);
  }

  synchronized List<OutboundCall> calls() {
    return List.copyOf(calls);
  }

  boolean closed() {
    return closed;
  }

  /** The call is terminal at the carrier: no longer live. */
  void ended() {
    live.decrementAndGet();
  }

  /** The call is terminal and its last status callback answered. */
  synchronized void finished(OutboundCall call) {
    finished.add(call);
    notifyAll();
  }

  synchronized List<OutboundCall> awaitFinished(int count, Duration timeout) {
    if (io.vertx.core.Context.isOnEventLoopThread()) {
      throw new IllegalStateException("awaitTerminal blocks: call it from a test or worker thread");
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (finished.size() < count) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new IllegalStateException("only " + finished.size() + " of " + count + " outbound calls ended within "
            + timeout + " (" + live.get() + " live)");
      }
      try {
        wait(Math.max(1, left / 1_000_000), 0);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for outbound calls", e);
      }
    }
    return List.copyOf(finished);
  }

  Future<Void> close() {
    closed = true;
    Future<HttpServer> listening;
    synchronized (this) {
      listening = server;
    }
    return listening == null ? Future.succeededFuture()
        : listening.transform(ar -> ar.succeeded() ? ar.result().close() : Future.succeededFuture());
  }

  // --- the API ---------------------------------------------------------------------------------

  private void handle(HttpServerRequest request) {
    long arrived = System.nanoTime();
    Matcher calls = CALLS.matcher(request.path());
    if (!calls.matches()) {
      error(request.response(), new Refusal(404, 20404, "The requested resource " + request.path()
          + " was not found"));
      return;
    }
    if (request.method() != HttpMethod.POST) {
      error(request.response(), new Refusal(405, 20004, "Method not allowed"));
      return;
    }
    String pathAccount = calls.group(1);
    request.setExpectMultipart(true);
    request.end().onComplete(ar -> {
      if (ar.succeeded()) {
        create(request, pathAccount, arrived);
      }
    });
  }

  private void create(HttpServerRequest request, String pathAccount, long arrived) {
    MultiMap form = request.formAttributes();
    String to = form.get("To");
    String from = form.get("From");
    String url = form.get("Url");
    String method = orDefault(form.get("Method"), "POST").toUpperCase(Locale.ROOT);
    String statusCallback = form.get("StatusCallback");
    String statusCallbackMethod = orDefault(form.get("StatusCallbackMethod"), "POST").toUpperCase(Locale.ROOT);
    List<String> events = new ArrayList<>();
    for (String value : form.getAll("StatusCallbackEvent")) {
      for (String event : value.trim().split("[\\s,]+")) {
        if (!event.isEmpty()) {
          events.add(event);
        }
      }
    }
    String machineDetection = form.get("MachineDetection");
    String timeout = form.get("Timeout");
    Callee callee = to == null ? defaultCallee : callees.getOrDefault(to, defaultCallee);

    Refusal refusal = refusal(request, pathAccount, to, from, url, method, statusCallback, statusCallbackMethod,
        timeout, callee);
    String sid = null;
    OutboundCall call = null;
    if (refusal == null) {
      sid = "CA" + FakeCarrier.hex(16);
      int seconds = timeout == null ? DEFAULT_TIMEOUT_SECONDS
          : Math.min(MAX_TIMEOUT_SECONDS, Math.max(1, Integer.parseInt(timeout.trim())));
      call = new OutboundCall(carrier, this, sid, from, to, callee, url, method, statusCallback, statusCallbackMethod,
          events, machineDetection, seconds);
    }
    RestRequest recorded = new RestRequest(arrived, to, from, url, statusCallback, List.copyOf(events),
        machineDetection, pathAccount, method, statusCallbackMethod, timeout,
        refusal == null ? 201 : refusal.status(), refusal == null ? 0 : refusal.code(), sid);
    synchronized (this) {
      requests.add(recorded);
      if (call != null) {
        calls.add(call);
      }
    }
    if (refusal != null) {
      error(request.response(), refusal);
      return;
    }
    int now = live.incrementAndGet();
    maxLive.accumulateAndGet(now, Math::max);
    latest.put(to, call);
    OutboundCall accepted = call;
    request.response().setStatusCode(201).putHeader("content-type", "application/json")
        .end(created(pathAccount, sid, to, from).encode())
        // as at Twilio, the call proceeds whether or not the answer reached the client
        .onComplete(ignored -> accepted.start());
  }

  /** Why the request is refused, in the order Twilio checks; null when it is accepted. */
  private Refusal refusal(HttpServerRequest request, String pathAccount, String to, String from, String url,
      String method, String statusCallback, String statusCallbackMethod, String timeout, Callee callee) {
    if (rateLimited.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      return new Refusal(429, 20429, "Too Many Requests");
    }
    if (!authenticated(request.getHeader("Authorization")) || !carrier.accountSid().equals(pathAccount)) {
      return new Refusal(401, 20003, "Authenticate");
    }
    if (to == null || to.isBlank()) {
      return new Refusal(400, 21201, "No 'To' number is specified");
    }
    if (!E164.matcher(to).matches() || callee.kind() == Callee.Kind.INVALID) {
      return new Refusal(400, 21211, "The 'To' number " + to + " is not a valid phone number.");
    }
    if (from == null || from.isBlank()) {
      return new Refusal(400, 21213, "No 'From' number is specified");
    }
    if (!E164.matcher(from).matches()) {
      return new Refusal(400, 21212, "The 'From' number " + from
          + " is not a valid phone number, shortcode, or alphanumeric sender ID.");
    }
    if (url == null || url.isBlank()) {
      return new Refusal(400, 21205, "Url parameter is required.");
    }
    String unreachable = unreachable("Url", url);
    if (unreachable == null && statusCallback != null) {
      unreachable = unreachable("StatusCallback", statusCallback);
    }
    if (unreachable != null) {
      return new Refusal(400, 21205, unreachable);
    }
    if (!method.equals("GET") && !method.equals("POST")) {
      return new Refusal(400, 21200, "Method must be GET or POST, was " + method);
    }
    if (!statusCallbackMethod.equals("GET") && !statusCallbackMethod.equals("POST")) {
      return new Refusal(400, 21200, "StatusCallbackMethod must be GET or POST, was " + statusCallbackMethod);
    }
    if (timeout != null && !timeout.trim().matches("[0-9]{1,9}")) {
      return new Refusal(400, 21200, "Timeout must be a number of seconds, was " + timeout);
    }
    return null;
  }

  /**
   * Why the carrier could not reach {@code url}, or null: the fake reaches the server only through
   * its public URL, so a URL built from anything else shows at once as a refusal.
   */
  private String unreachable(String param, String url) {
    try {
      carrier.serverUrl(url);
      return null;
    } catch (IllegalArgumentException e) {
      return param + " is not a valid URL: " + url + " (the fake carrier reaches the server only under its public URL "
          + carrier.publicBase() + ")";
    }
  }

  private boolean authenticated(String header) {
    if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
      return false;
    }
    String credentials;
    try {
      credentials = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return false;
    }
    int colon = credentials.indexOf(':');
    return colon > 0 && credentials.substring(0, colon).equals(carrier.accountSid())
        && java.security.MessageDigest.isEqual(credentials.substring(colon + 1).getBytes(StandardCharsets.UTF_8),
            carrier.authToken().getBytes(StandardCharsets.UTF_8));
  }

  private static JsonObject created(String account, String sid, String to, String from) {
    String now = RFC_2822.format(ZonedDateTime.now(ZoneOffset.UTC));
    String uri = "/2010-04-01/Accounts/" + account + "/Calls/" + sid;
    return new JsonObject()
        .put("sid", sid)
        .put("date_created", now)
        .put("date_updated", now)
        .putNull("parent_call_sid")
        .put("account_sid", account)
        .put("to", to)
        .put("to_formatted", to)
        .put("from", from)
        .put("from_formatted", from)
        .putNull("phone_number_sid")
        .put("status", "queued")
        .putNull("start_time")
        .putNull("end_time")
        .putNull("duration")
        .putNull("price")
        .put("price_unit", "USD")
        .put("direction", "outbound-api")
        .putNull("answered_by")
        .put("api_version", API_VERSION)
        .putNull("forwarded_from")
        .putNull("group_sid")
        .putNull("caller_name")
        .put("queue_time", "0")
        .putNull("trunk_sid")
        .put("uri", uri + ".json")
        .put("subresource_uris", new JsonObject()
            .put("notifications", uri + "/Notifications.json")
            .put("recordings", uri + "/Recordings.json")
            .put("events", uri + "/Events.json"));
  }

  private static void error(HttpServerResponse response, Refusal refusal) {
    JsonObject body = new JsonObject()
        .put("code", refusal.code())
        .put("message", refusal.message())
        .put("more_info", "https://www.twilio.com/docs/errors/" + refusal.code())
        .put("status", refusal.status());
    response.setStatusCode(refusal.status()).putHeader("content-type", "application/json");
    if (refusal.status() == 401) {
      response.putHeader("WWW-Authenticate", "Basic realm=\"Twilio API\"");
    }
    response.end(body.encode());
  }

  private static String orDefault(String value, String otherwise) {
    return value == null || value.isBlank() ? otherwise : value.trim();
  }
}
