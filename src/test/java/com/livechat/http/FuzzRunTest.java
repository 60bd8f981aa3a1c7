package com.livechat.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.livechat.LiveChatServer;
import com.livechat.support.Api;
import com.livechat.support.OpenApiSpec;
import com.livechat.support.OpenApiSpec.Operation;
import com.livechat.support.OpenApiSpec.Parameter;
import com.livechat.support.Ports;
import com.livechat.support.RawHttp;
import com.livechat.support.TestDatabase;
import com.livechat.support.TestServer;
import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A fuzz run of every operation of docs/openapi.yaml against one node with two tenants whose ids all
 * exist: malformed and mistyped bodies, odd and huge strings, bad ids and query parameters, wrong
 * methods, forged credentials, other tenants' ids, garbage WebSocket upgrades. Every answer must be
 * under 500 and every error the one JSON error shape; tenant A never sees tenant B's data; and every
 * documented operation must have been called (a new route is fuzzed as soon as it is documented).
 *
 * <p>Seeded: {@code -Dfuzz.seed=} (or FUZZ_SEED) changes the random picks, {@code -Dfuzz.rounds=}
 * repeats the random cases for a longer run. docs/RELIABILITY.md has the figures.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FuzzRunTest {

  private static final String JWT_SECRET = "test-secret-of-at-least-32-characters!";
  private static final String ADMIN_KEY = "fuzz-operator-key-0123456789abcdef";
  private static final String CARRIER_TOKEN = "fuzz-carrier-auth-token-0123456789";
  private static final String CARRIER_ACCOUNT = "AC" + "0".repeat(32);
  private static final String PASSWORD = "correct horse battery";
  /** In every name and text of tenant B: no answer to tenant A may contain it. */
  private static final String B_MARKER = "tenantbmarker7q";
  private static final Pattern SNAKE_CASE = Pattern.compile("[a-z][a-z0-9_]*");
  private static final AtomicInteger SEQ = new AtomicInteger();

  private LiveChatServer server;
  private HttpServer receiver;
  private RawHttp http;
  private Api api;
  private OpenApiSpec spec;
  private Tenant a;
  private Tenant b;
  private Random random;

  private final Map<Integer, Integer> statuses = new TreeMap<>();
  private final Map<String, Integer> perRoute = new TreeMap<>();
  private final Set<String> exercised = new TreeSet<>();
  private final List<String> failures = new ArrayList<>();
  private final Map<String, Long> perRouteNanos = new TreeMap<>();
  /** Credentials of tenant B (its own, and tokens signed for it): B's data in their answers is fine. */
  private final Set<String> bTokens = new java.util.HashSet<>();
  private int requests;
  /** The node's ERROR log lines while the run lasts: a failure no answer shows (a socket's handler). */
  private final List<String> errorLogs = Collections.synchronizedList(new ArrayList<>());
  private PrintStream stderr;

  /** A tenant and the ids of everything it has, by the name of the path parameter that takes them. */
  private static final class Tenant {
    final Map<String, String> ids = new LinkedHashMap<>();
    String widgetToken;
    String owner;
    String admin;
    String agent;
    String ownerId;
    String sessionId;
    String visitorToken;

    String id(String name) {
      return ids.get(name);
    }
  }

  /** What an answer must be beyond "under 500, errors in the JSON shape". */
  private enum Expect {
    ANY,
    /** A forged or missing credential: 401 (or 403 for an origin or a role). */
    REFUSED,
    /** Another tenant's id: 401, 403 or 404, never its data. */
    NOT_OTHERS,
    /** Another tenant's id in the body: a 4xx. */
    CLIENT_ERROR
  }

  // ---------------------------------------------------------------- set-up

  @BeforeAll
  void start() throws Exception {
    long seed = Long.parseLong(System.getProperty("fuzz.seed",
        System.getenv().getOrDefault("FUZZ_SEED", "20261202")));
    System.out.println("[fuzz] seed " + seed + " (-Dfuzz.seed= to change it)");
    random = new Random(seed);
    spec = OpenApiSpec.load(Path.of("docs/openapi.yaml"));

    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/", exchange -> {
      exchange.getRequestBody().readAllBytes();
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    receiver.start();

    int port = Ports.free();
    JsonObject config = TestServer.config(TestDatabase.createDatabase());
    config.getJsonObject("http").put("port", port);
    config.put("admin", new JsonObject().put("key", ADMIN_KEY));
    config.getJsonObject("voice").put("publicUrl", "http://localhost:" + port);
    config.getJsonObject("voice").getJsonObject("twilio").put("authToken", CARRIER_TOKEN)
        .put("accountSid", CARRIER_ACCOUNT);
    // the API only: no campaign call is dialled while the run lasts
    config.getJsonObject("campaigns").put("dialerPollMs", 60_000);
    config.getJsonObject("webhooks").put("allowPrivateTargets", true);
    server = TestServer.start(config);
    http = new RawHttp(server.port());
    api = new Api(server.port());
    a = tenant("a", "+16475550101", "+16475550102");
    b = tenant(B_MARKER, "+16475550201", "+16475550202");
    bTokens.addAll(List.of(b.owner, b.admin, b.agent, b.widgetToken, b.visitorToken));
  }

  @AfterAll
  void stop() {
    if (stderr != null) {
      System.setErr(stderr);
    }
    if (server != null) {
      server.close();
    }
    if (receiver != null) {
      receiver.stop(0);
    }
  }

  private Tenant tenant(String name, String phone, String contactPhone) {
    Tenant t = new Tenant();
    String email = email(name);
    JsonObject signup = ok(api.post("/api/auth/signup", new JsonObject().put("email", email).put("password", PASSWORD)
        .put("companyName", "Company " + name)));
    t.owner = signup.getString("token");
    t.ownerId = signup.getJsonObject("user").getString("id");
    t.widgetToken = signup.getJsonObject("tenant").getString("widgetToken");
    String tenantId = signup.getJsonObject("tenant").getString("id");
    t.ids.put("widgetId", tenantId);
    t.ids.put("tenantId", tenantId);
    t.admin = member(t, "admin");
    t.agent = member(t, "agent");
    JsonObject assistant = ok(dashboard("POST", "/api/assistants", t.owner, new JsonObject()
        .put("name", "Assistant " + name).put("instructions", "Help the visitors of " + name)
        .put("phoneNumbers", new JsonArray().add(phone))));
    String assistantId = firstId(assistant, "asst-");
    t.ids.put("assistantId", assistantId);
    t.ids.put("docId", firstId(ok(dashboard("POST", "/api/assistants/" + assistantId + "/knowledge", t.owner,
        new JsonObject().put("title", "Pricing " + name).put("content", "Plans of " + name + " start at 10 dollars."))),
        "doc-"));
    t.sessionId = "session_fuzz_" + SEQ.incrementAndGet();
    t.ids.put("conversationId", ok(api.post("/api/widgets/" + tenantId + "/chat", new JsonObject()
        .put("sessionId", t.sessionId).put("message", "What does " + name + " cost?").put("assistantId", assistantId),
        "Authorization", Api.bearer(t.widgetToken))).getString("conversationId"));
    t.visitorToken = ok(api.post("/api/widgets/" + tenantId + "/visitor-tokens", new JsonObject()
        .put("sessionId", t.sessionId), "Authorization", Api.bearer(t.widgetToken))).getString("visitorToken");
    String campaignId = firstId(ok(dashboard("POST", "/api/campaigns", t.owner, new JsonObject()
        .put("name", "Campaign " + name).put("assistantId", assistantId).put("fromNumber", phone)
        .put("timezone", "America/Toronto"))), "cmp-");
    t.ids.put("campaignId", campaignId);
    ok(dashboard("POST", "/api/campaigns/" + campaignId + "/contacts", t.owner, new JsonObject()
        .put("contacts", new JsonArray().add(new JsonObject().put("phone", contactPhone).put("name", "Ann " + name)))));
    String webhookId = firstId(ok(dashboard("POST", "/api/webhooks", t.owner, new JsonObject()
        .put("url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/" + name)
        .put("description", "Hook of " + name))), "whk-");
    t.ids.put("webhookId", webhookId);
    ok(dashboard("POST", "/api/webhooks/" + webhookId + "/test", t.owner, null));
    JsonArray deliveries = ok(dashboard("GET", "/api/webhooks/" + webhookId + "/deliveries", t.owner, null))
        .getJsonArray("items");
    t.ids.put("deliveryId", deliveries.getJsonObject(0).getString("id"));
    ok(dashboard("POST", "/api/dnc", t.owner, new JsonObject().put("phone", contactPhone)));
    t.ids.put("phone", contactPhone);
    t.ids.put("file", "index.html");
    return t;
  }

  private String member(Tenant t, String role) {
    String email = email(role);
    ok(dashboard("POST", "/api/users", t.owner, new JsonObject().put("email", email).put("password", PASSWORD)
        .put("role", role)));
    return ok(api.post("/api/auth/login", new JsonObject().put("email", email).put("password", PASSWORD)))
        .getString("token");
  }

  private Api.Response dashboard(String method, String path, String jwt, JsonObject body) {
    return api.method(method, path, body == null ? null : body.encode(), "Authorization", Api.bearer(jwt),
        "Content-Type", "application/json");
  }

  private static JsonObject ok(Api.Response r) {
    assertThat(r.status()).as(r.text()).isBetween(200, 299);
    return r.json();
  }

  private static String email(String who) {
    return "fuzz-" + who + "-" + SEQ.incrementAndGet() + "-" + System.nanoTime() + "@example.com";
  }

  /** The first string in {@code json} (at any depth) that starts with {@code prefix}. */
  private static String firstId(Object json, String prefix) {
    if (json instanceof String s && s.startsWith(prefix)) {
      return s;
    }
    Iterable<?> children = json instanceof JsonObject o ? o.getMap().values()
        : json instanceof JsonArray arr ? arr.getList() : json instanceof Map<?, ?> m ? m.values()
        : json instanceof List<?> l ? l : List.of();
    for (Object child : children) {
      String found = firstId(child, prefix);
      if (found != null) {
        return found;
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- the run

  @Test
  void everyDocumentedRouteAnswersBadInputWithA4xxInTheJsonErrorShape() throws Exception {
    int rounds = Integer.getInteger("fuzz.rounds", 1);
    List<Operation> operations = new ArrayList<>(spec.operations());
    // deletions last, the deepest path first, so that the other operations find their ids
    operations.sort(Comparator.comparing((Operation op) -> op.method().equals("delete"))
        .thenComparing(op -> -op.path().length()));
    stderr = System.err;
    // slf4j-simple writes each line with println to the System.err of the moment
    System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8) {
      @Override
      public void println(String line) {
        if (line != null && line.contains(" ERROR ")) {
          errorLogs.add(line);
        }
        super.println(line);
      }
    });
    long started = System.nanoTime();
    for (int round = 0; round < rounds; round++) {
      for (Operation op : operations) {
        fuzz(op, round == 0);
      }
    }
    for (Map.Entry<String, List<String>> path : spec.methodsByPath().entrySet()) {
      wrongMethods(path.getKey(), path.getValue());
    }
    for (Operation op : operations) {
      if (op.websocket()) {
        garbageUpgrades(op);
      }
    }
    Api.Response health = api.get("/health");
    assertThat(health.status()).isEqualTo(200);
    long seconds = (System.nanoTime() - started) / 1_000_000_000L;
    summary(seconds);

    Set<String> documented = new TreeSet<>();
    spec.operations().forEach(op -> documented.add(op.key()));
    assertThat(exercised).as("documented operations the run called").containsAll(documented);
    assertThat(failures).as("answers that broke the rules (" + failures.size() + ")").isEmpty();
    assertThat(errorLogs).as("the node's ERROR log lines").isEmpty();
  }

  private void fuzz(Operation op, boolean firstRound) throws Exception {
    boolean json = op.bodies().containsKey("application/json");
    boolean form = op.bodies().containsKey("application/x-www-form-urlencoded");
    if (op.websocket()) {
      // the plain request, not upgraded: the upgrades are garbageUpgrades'
      call(op, "plain", op.method(), target(op, a, Map.of(), ""), null, auth(op, a), Expect.ANY);
      return;
    }
    if (form) {
      fuzzCarrierWebhook(op, firstRound);
      return;
    }
    JsonObject base = json ? baseBody(op) : null;
    String[] auth = auth(op, a);
    if (firstRound) {
      if (json) {
        for (Map.Entry<String, byte[]> malformed : malformedBodies(base).entrySet()) {
          call(op, "malformed " + malformed.getKey(), op.method(), target(op, a, Map.of(), ""), malformed.getValue(),
              concat(auth, "Content-Type", "application/json"), Expect.ANY);
        }
        for (String type : List.of("text/plain", "application/xml", "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x", "application/json; charset=utf-16", "")) {
          String[] headers = type.isEmpty() ? auth : concat(auth, "Content-Type", type);
          call(op, "content-type " + type, op.method(), target(op, a, Map.of(), ""), bytes(base.encode()), headers,
              Expect.ANY);
        }
        call(op, "huge 1 MB body", op.method(), target(op, a, Map.of(), ""),
            bytes(base.copy().put("padding", "x".repeat(1 << 20)).encode()), concat(auth, "Content-Type",
                "application/json"), Expect.ANY);
      }
      if (op.bodies().containsKey("text/csv")) {
        for (Map.Entry<String, byte[]> csv : csvBodies().entrySet()) {
          call(op, "csv " + csv.getKey(), op.method(), target(op, a, Map.of(), ""), csv.getValue(),
              concat(auth, "Content-Type", "text/csv"), Expect.ANY);
        }
      }
      credentialAttacks(op, base);
      crossTenant(op, base);
      for (String role : new String[] {a.admin, a.agent}) {
        if (op.security().contains("dashboardJwt")) {
          send(op, "role", target(op, a, Map.of(), ""), base, new String[] {"Authorization", Api.bearer(role)},
              Expect.ANY);
        }
      }
    }
    if (json) {
      mistypedFields(op, base, auth);
    }
    badPathIds(op, base, auth);
    badQueries(op, base, auth);
    oddHeaders(op, base, auth);
    if (op.path().startsWith("/api/widgets/")) {
      for (String origin : pick(List.of("null", "http://evil.example", "https://" + "x".repeat(3000) + ".example",
          "http://ü.example", "file://", "*", "http://127.0.0.1:1, http://a.example"), 3)) {
        send(op, "origin", target(op, a, Map.of(), ""), base, concat(auth, "Origin", origin), Expect.ANY);
      }
    }
    // the plain, valid request last: a deletion or a rotation then takes effect only after the others
    send(op, "baseline", target(op, a, Map.of(), ""), base, auth, Expect.ANY);
  }

  // ---------------------------------------------------------------- bodies

  /** The request body of {@code op}: its example, else one built from its schema; tenant A's ids in it. */
  private JsonObject baseBody(Operation op) {
    Object example = op.bodyExamples().get("application/json");
    Object built = example != null ? plain(example) : fromSchema(op.bodies().get("application/json"), "", 0);
    JsonObject body = built instanceof Map<?, ?> m ? new JsonObject(plainMap(m)) : new JsonObject();
    return (JsonObject) ourIds(body, "");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> plainMap(Map<?, ?> m) {
    return (Map<String, Object>) plain(m);
  }

  /** YAML's values as JSON's: a timestamp the YAML parser read as a Date becomes its ISO text again. */
  private static Object plain(Object value) {
    if (value instanceof Date date) {
      return date.toInstant().toString();
    }
    if (value instanceof Map<?, ?> m) {
      Map<String, Object> copy = new LinkedHashMap<>();
      m.forEach((k, v) -> copy.put(String.valueOf(k), plain(v)));
      return copy;
    }
    if (value instanceof List<?> l) {
      List<Object> copy = new ArrayList<>();
      l.forEach(v -> copy.add(plain(v)));
      return copy;
    }
    return value;
  }

  private Object fromSchema(Map<String, Object> schema, String name, int depth) {
    if (schema.containsKey("example")) {
      return plain(schema.get("example"));
    }
    List<Object> values = OpenApiSpec.list(schema.get("enum"));
    if (!values.isEmpty()) {
      return plain(values.get(0));
    }
    String type = String.valueOf(schema.getOrDefault("type", schema.containsKey("properties") ? "object" : "string"));
    return switch (type) {
      case "object" -> {
        Map<String, Object> object = new LinkedHashMap<>();
        if (depth < 3) {
          OpenApiSpec.map(schema.get("properties")).forEach((field, sub) ->
              object.put(field, fromSchema(spec.schema(sub), field, depth + 1)));
        }
        yield object;
      }
      case "array" -> depth < 3
          ? new ArrayList<>(List.of(fromSchema(spec.schema(schema.get("items")), name, depth + 1)))
          : new ArrayList<>();
      case "integer" -> schema.get("minimum") instanceof Number n ? n.intValue() : 1;
      case "number" -> 0.5;
      case "boolean" -> true;
      default -> "fuzz " + name;
    };
  }

  /** Tenant A's own ids (and fresh emails, the local receiver) in place of the example's. */
  private Object ourIds(Object value, String field) {
    if (value instanceof JsonObject o) {
      for (String key : new ArrayList<>(o.fieldNames())) {
        o.put(key, ourIds(o.getValue(key), key));
      }
      return o;
    }
    if (value instanceof JsonArray arr) {
      for (int i = 0; i < arr.size(); i++) {
        arr.set(i, ourIds(arr.getValue(i), field));
      }
      return arr;
    }
    if (!(value instanceof String s)) {
      return value;
    }
    if (field.equals("email")) {
      return email("example");
    }
    if (field.equals("url")) {
      return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/fuzz";
    }
    if (field.equals("sessionId")) {
      return a.sessionId;
    }
    Map<String, String> prefixes = Map.of("asst-", "assistantId", "conv-", "conversationId", "cmp-", "campaignId",
        "whk-", "webhookId", "doc-", "docId", "tnt-", "tenantId");
    for (Map.Entry<String, String> prefix : prefixes.entrySet()) {
      if (s.startsWith(prefix.getKey())) {
        return a.id(prefix.getValue());
      }
    }
    return s.startsWith("usr-") ? a.ownerId : s;
  }

  private static Map<String, byte[]> malformedBodies(JsonObject base) {
    String text = base.encode();
    Map<String, byte[]> bodies = new LinkedHashMap<>();
    bodies.put("empty", new byte[0]);
    bodies.put("whitespace", bytes("  \r\n\t "));
    bodies.put("truncated", bytes(text.substring(0, Math.max(1, text.length() / 2))));
    bodies.put("open brace", bytes("{"));
    bodies.put("trailing garbage", bytes(text + "}garbage"));
    bodies.put("two objects", bytes(text + text));
    bodies.put("nested 10000 arrays", bytes("[".repeat(10_000) + "]".repeat(10_000)));
    bodies.put("nested 10000 objects", bytes("{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000)));
    bodies.put("field nested 10000", bytes(withField(text, "deep", "[".repeat(10_000) + "]".repeat(10_000))));
    bodies.put("1e400", bytes("1e400"));
    bodies.put("field 1e400", bytes(withField(text, "n", "1e400")));
    bodies.put("field -0", bytes(withField(text, "n", "-0")));
    bodies.put("field 2^64", bytes(withField(text, "n", "18446744073709551616")));
    bodies.put("field 400 digits", bytes(withField(text, "n", "9".repeat(400))));
    bodies.put("NaN", bytes("NaN"));
    bodies.put("field NaN", bytes(withField(text, "n", "NaN")));
    bodies.put("field Infinity", bytes(withField(text, "n", "-Infinity")));
    bodies.put("duplicate keys", bytes(duplicateFirstKey(text)));
    bodies.put("BOM", concatBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, bytes(text)));
    bodies.put("UTF-16", text.getBytes(StandardCharsets.UTF_16));
    bodies.put("null", bytes("null"));
    bodies.put("array", bytes("[" + text + "]"));
    bodies.put("string", bytes("\"" + text.replace("\"", "\\\"") + "\""));
    bodies.put("number", bytes("42"));
    bodies.put("true", bytes("true"));
    bodies.put("empty object", bytes("{}"));
    bodies.put("single quotes", bytes(text.replace('"', '\'')));
    bodies.put("unquoted keys", bytes("{a:1}"));
    bodies.put("comment", bytes("/* x */" + text));
    bodies.put("trailing comma", bytes(text.length() > 2 ? text.substring(0, text.length() - 1) + ",}" : "{,}"));
    bodies.put("invalid UTF-8", concatBytes(bytes(text.substring(0, text.length() - 1) + ",\"x\":\""),
        new byte[] {(byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xFE}, bytes("\"}")));
    bodies.put("raw NUL", bytes(text.substring(0, text.length() - 1) + ",\"x\":\"a\u0000b\"}"));
    bodies.put("raw control", bytes(text.substring(0, text.length() - 1) + ",\"x\":\"a\u0001\nb\"}"));
    bodies.put("escaped NUL key", bytes(withField(text, "a\\u0000", "1")));
    bodies.put("lone surrogate key", bytes(withField(text, "\\ud800", "1")));
    return bodies;
  }

  private static String withField(String object, String name, String rawValue) {
    String field = "\"" + name + "\":" + rawValue;
    return object.equals("{}") ? "{" + field + "}" : "{" + field + "," + object.substring(1);
  }

  private static String duplicateFirstKey(String object) {
    int colon = object.indexOf(':');
    if (colon < 0) {
      return "{\"a\":1,\"a\":2}";
    }
    String key = object.substring(1, colon);
    return "{" + key + ":[1,2,3]," + object.substring(1);
  }

  private static Map<String, byte[]> csvBodies() {
    Map<String, byte[]> bodies = new LinkedHashMap<>();
    bodies.put("empty", new byte[0]);
    bodies.put("header only", bytes("phone,name\n"));
    bodies.put("no phone column", bytes("name\nAnn\n"));
    bodies.put("unbalanced quote", bytes("phone,name\n\"+16475550111,Ann\n"));
    bodies.put("BOM", concatBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, bytes("phone\n+16475550112\n")));
    bodies.put("invalid UTF-8", concatBytes(bytes("phone,name\n+16475550113,"), new byte[] {(byte) 0xFF, (byte) 0xC3},
        bytes("\n")));
    bodies.put("NUL", bytes("phone,name\n+16475550114,a\u0000b\n"));
    bodies.put("duplicate header", bytes("phone,phone\n+16475550115,+16475550116\n"));
    bodies.put("ragged rows", bytes("phone,name\n+16475550117\n+16475550118,a,b,c,d\n"));
    bodies.put("10001 rows", bytes("phone\n" + "+16475550119\n".repeat(10_001)));
    bodies.put("long cell", bytes("phone,name\n+16475550120," + "n".repeat(100_000) + "\n"));
    bodies.put("many columns", bytes("phone," + "c,".repeat(5_000) + "z\n+16475550121\n"));
    bodies.put("formula", bytes("phone,name\n+16475550122,=cmd|' /C calc'!A0\n"));
    bodies.put("CR only", bytes("phone\r+16475550123\r"));
    return bodies;
  }

  /** Wrong JSON types (and odd, long, empty strings) in every field of the body, one field at a time. */
  private void mistypedFields(Operation op, JsonObject base, String[] auth) throws Exception {
    List<String> wrongTypes = List.of("\"fuzz\"", "12345", "-0", "1e400", "-1", "0", "1.5", "9223372036854775808",
        "true", "false", "null", "[]", "{}", "[1,[\"a\",{}]]", "{\"$gt\":\"\"}", "\"\"");
    for (String path : fieldPaths(base, op.bodies().get("application/json"))) {
      for (String raw : pick(wrongTypes, 8)) {
        sendRaw(op, "type " + path + "=" + raw, op.method(), target(op, a, Map.of(), ""),
            bytes(replaceField(base, path, raw)), concat(auth, "Content-Type", "application/json"), Expect.ANY);
      }
      for (String odd : pick(ODD_STRINGS, 6)) {
        sendRaw(op, "string " + path + "=" + abbreviate(odd), op.method(), target(op, a, Map.of(), ""),
            bytes(replaceField(base, path, odd)), concat(auth, "Content-Type", "application/json"), Expect.ANY);
      }
    }
  }

  /** Odd strings as JSON text (so a lone surrogate or an escaped NUL goes out as it is). */
  private static final List<String> ODD_STRINGS = List.of(
      "\"a\\u0000b\"", "\"\\ud800\"", "\"x\\udc00y\"", "\"\\ud83d\"", "\"\u202Eevil\u202C\"", "\"مرحبا بالعالم\"",
      "\"😀🙂👍🏽\"", "\"𝕏𝔸𐍈\"", "\"e\u0301\u0301\u0301\u0301\u0301\u0301\"", "\"\u200B\uFEFF\u2028\u2029\"",
      "\"a\\r\\nSet-Cookie: x=y\"", "\"%00%ff%\"", "\"%s%n%x\"", "\"' OR '1'='1\"", "\"'; DROP TABLE tenants;--\"",
      "\"<script>alert(1)</script>\"", "\"../../etc/passwd\"", "\"${jndi:ldap://127.0.0.1/x}\"", "\"{{7*7}}\"",
      "\"   \"", "\"\\t\\n\"", "\"null\"", "\"1e400\"", "\"-0\"", "\"+14165550000\"", "\"2024-02-30T25:61:00Z\"",
      "\"+999999999-12-31T23:59:59Z\"", "\"-999999999-01-01T00:00:00Z\"", "\"0000-01-01T00:00:00+18:00\"",
      "\"" + "x".repeat(5_000) + "\"", "\"" + "é".repeat(20_000) + "\"", "\"" + "y".repeat(70_000) + "\"",
      "\"http://[::1]:80/\"", "\"http://169.254.169.254/latest\"", "\"javascript:alert(1)\"", "\"\\u0001\\u001f\"");

  /** The paths of the body's fields ("name", "pacing.callsPerMinute"), from the body and its schema. */
  private List<String> fieldPaths(JsonObject base, Map<String, Object> schema) {
    Set<String> paths = new java.util.LinkedHashSet<>();
    Map<String, Object> properties = OpenApiSpec.map(schema == null ? null : schema.get("properties"));
    Set<String> names = new java.util.LinkedHashSet<>(base.fieldNames());
    names.addAll(properties.keySet());
    for (String name : names) {
      paths.add(name);
      Object value = base.getValue(name);
      Map<String, Object> sub = spec.schema(properties.get(name));
      Set<String> nested = new java.util.LinkedHashSet<>(OpenApiSpec.map(sub.get("properties")).keySet());
      if (value instanceof JsonObject o) {
        nested.addAll(o.fieldNames());
      }
      nested.forEach(n -> paths.add(name + "." + n));
      if (value instanceof JsonArray arr && !arr.isEmpty() && arr.getValue(0) instanceof JsonObject first) {
        first.fieldNames().forEach(n -> paths.add(name + ".0." + n));
      }
    }
    return new ArrayList<>(paths);
  }

  /** The body with the field at {@code path} set to the raw JSON {@code raw}. */
  private static String replaceField(JsonObject base, String path, String raw) {
    String placeholder = "__fuzz_raw_" + SEQ.incrementAndGet() + "__";
    JsonObject body = base.copy();
    String[] parts = path.split("\\.");
    Object container = body;
    for (int i = 0; i < parts.length - 1; i++) {
      Object next = container instanceof JsonObject o ? o.getValue(parts[i])
          : ((JsonArray) container).getValue(Integer.parseInt(parts[i]));
      if (!(next instanceof JsonObject) && !(next instanceof JsonArray)) {
        next = new JsonObject();
        if (container instanceof JsonObject o) {
          o.put(parts[i], next);
        }
      }
      container = next;
    }
    String last = parts[parts.length - 1];
    if (container instanceof JsonObject o) {
      o.put(last, placeholder);
    } else {
      ((JsonArray) container).set(Integer.parseInt(last), placeholder);
    }
    return body.encode().replace("\"" + placeholder + "\"", raw);
  }

  // ---------------------------------------------------------------- ids, queries, methods

  private static final List<String> BAD_IDS = List.of("", " ", "x", "x".repeat(300), "x".repeat(3_000),
      "..", "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f", "a%2Fb", "%C3%BC%F0%9F%98%80", "%FF%FE", "%ED%A0%80", "%C0%AF",
      "conv-%27%20OR%201%3D1--", "%3Cscript%3E", "null", "0", "-1", "%20", "%0D%0ASet-Cookie:%20x", "*", "%25",
      "tnt-", "asst-", "conv-", "cmp-", "whk-", "%2B1%2B1", "%2B999999999999999999999", "..%00");

  private void badPathIds(Operation op, JsonObject base, String[] auth) throws Exception {
    for (Parameter param : op.in("path")) {
      for (String bad : pick(BAD_IDS, 10)) {
        send(op, "id " + param.name() + "=" + abbreviate(bad), target(op, a, Map.of(param.name(), bad), ""), base,
            auth, Expect.ANY);
      }
      // a valid id of another kind (a conversation's where an assistant's goes)
      for (String other : pick(new ArrayList<>(a.ids.values()), 2)) {
        send(op, "id " + param.name() + " of another kind", target(op, a, Map.of(param.name(), encode(other)), ""),
            base, auth, Expect.ANY);
      }
      String raw = "/" + param.name() + "/../../";
      send(op, "id raw dot segments", target(op, a, Map.of(param.name(), raw), ""), base, auth, Expect.ANY);
    }
  }

  private static final List<String> BAD_QUERY_VALUES = List.of("-1", "0", "1", "200", "201", "2147483648",
      "99999999999999999999", "abc", "", "%FF", "%C3%28", "%ED%A0%80", "x".repeat(3_000), "1e3", "0x10", "%201",
      "null", "true", "%E2%80%AE", "2024-13-45", "2024-01-15T10:00:00", "%2B999999999-12-31T23:59:59Z",
      "-999999999-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z", "1970-01-01T00:00:00Z",
      "open", "closed", "voice", "chat", "%27%20OR%201%3D1", "conv-nope", "msg-nope");

  private void badQueries(Operation op, JsonObject base, String[] auth) throws Exception {
    for (Parameter param : op.in("query")) {
      List<String> values = new ArrayList<>(pick(BAD_QUERY_VALUES, 8));
      if (param.name().equals("cursor") || param.name().equals("after")) {
        values.addAll(badCursors());
      }
      for (String value : values) {
        send(op, "query " + param.name() + "=" + abbreviate(value), target(op, a, Map.of(),
            "?" + param.name() + "=" + value), base, auth, Expect.ANY);
      }
      send(op, "query repeated " + param.name(), target(op, a, Map.of(), "?" + param.name() + "=1&" + param.name()
          + "=999&" + param.name() + "="), base, auth, Expect.ANY);
      send(op, "query bracket " + param.name(), target(op, a, Map.of(), "?" + param.name() + "[]=1&" + param.name()
          + "[a]=2"), base, auth, Expect.ANY);
    }
    for (String query : pick(List.of("?zzz=1", "?__proto__=1", "?&&&", "?=", "?a=b=c", "?limit", "?" + "p=1&".repeat(
        500), "?%E2%80%AE=1", "?;", "#fragment", "?a=%2500"), 3)) {
      send(op, "query " + abbreviate(query), target(op, a, Map.of(), query), base, auth, Expect.ANY);
    }
  }

  private static final List<String> ODD_HEADER_VALUES = List.of("", "*", ",,,", "\"\"", "W/\"x\"", "null",
      "x".repeat(4_000), "ü😀", "text/event-stream", "*/*;q=0", "text/event-stream;q=2, application/json",
      "GET, POST", "bytes=0-0,-1", "%00", "' OR 1=1--", "http://evil.example", "1e400");

  /** The operation's documented headers, and headers every request may carry, with odd values. */
  private void oddHeaders(Operation op, JsonObject base, String[] auth) throws Exception {
    List<String> names = new ArrayList<>(op.in("header").stream().map(Parameter::name)
        .filter(name -> !name.startsWith("Sec-WebSocket") && !name.equals("Connection") && !name.equals("Upgrade"))
        .toList());
    names.addAll(pick(List.of("X-Forwarded-For", "X-Real-IP", "Accept", "Accept-Encoding", "Content-Encoding",
        "Expect", "Cookie", "Range", "If-Modified-Since", "Accept-Charset", "Forwarded"), 3));
    for (String name : names) {
      for (String value : pick(ODD_HEADER_VALUES, 3)) {
        send(op, "header " + name + ": " + abbreviate(value), target(op, a, Map.of(), ""), base,
            concat(auth, name, value), Expect.ANY);
      }
    }
    if (op.in("header").stream().anyMatch(p -> p.name().equals("Accept")) && base != null) {
      // the streamed answer: a refusal before the first event is the JSON error all the same
      for (String path : pick(fieldPaths(base, op.bodies().get("application/json")), 3)) {
        sendRaw(op, "streamed, " + path + " wrong", op.method(), target(op, a, Map.of(), ""),
            bytes(replaceField(base, path, "[{}]")), concat(auth, "Content-Type", "application/json", "Accept",
                "text/event-stream"), Expect.ANY);
      }
    }
  }

  private List<String> badCursors() {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    List<String> cursors = new ArrayList<>();
    for (String position : List.of("", ":", "abc", "1:", ":x", "-9223372036854775808:x", "9223372036854775807:x",
        "-62135596800000001:x", "253402300800000000:x", "1:\u0000", "1:x\u0000y", "1:" + "z".repeat(300), "NaN:x",
        "1.5:x", "1:\ud800", "1:conv-' OR 1=1--", "0:" + a.id("conversationId"))) {
      cursors.add(b64.encodeToString(position.getBytes(StandardCharsets.UTF_8)));
    }
    cursors.add("!!!");
    cursors.add("YWJj=");
    cursors.add("x".repeat(600));
    byte[] junk = new byte[24];
    random.nextBytes(junk);
    cursors.add(b64.encodeToString(junk));
    return cursors;
  }

  private void wrongMethods(String path, List<String> documented) throws Exception {
    Operation any = spec.operations().stream().filter(op -> op.path().equals(path)).findFirst().orElseThrow();
    for (String method : List.of("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE", "FOO")) {
      if (!documented.contains(method.toLowerCase(Locale.ROOT))) {
        call(any, "method " + method, method, target(any, a, Map.of(), ""), bytes("{}"), concat(auth(any, a),
            "Content-Type", "application/json"), Expect.ANY);
      }
    }
  }

  // ---------------------------------------------------------------- credentials and tenants

  private void credentialAttacks(Operation op, JsonObject base) throws Exception {
    String target = target(op, a, Map.of(), "");
    if (op.security().contains("dashboardJwt")) {
      long now = Instant.now().getEpochSecond();
      JsonObject claims = new JsonObject().put("sub", a.ownerId).put("tenantId", a.id("tenantId")).put("role", "owner")
          .put("iat", now).put("exp", now + 3600);
      Map<String, String> forged = new LinkedHashMap<>();
      forged.put("none header", "");
      forged.put("Bearer alone", "Bearer");
      forged.put("Basic", "Basic dXNlcjpwYXNz");
      forged.put("Token scheme", "Token " + a.owner);
      forged.put("no scheme", a.owner);
      forged.put("alg none", jwt("{\"alg\":\"none\",\"typ\":\"JWT\"}", claims, null));
      forged.put("alg None", jwt("{\"alg\":\"None\"}", claims, null));
      forged.put("alg none signed", jwt("{\"alg\":\"none\"}", claims, JWT_SECRET));
      forged.put("wrong secret", jwt(HS256, claims, "another-secret-of-32-characters-at-least"));
      forged.put("HS256 with a public key", jwt("{\"alg\":\"HS256\"}", claims, PUBLIC_KEY));
      forged.put("RS256 header, HMAC signature", jwt("{\"alg\":\"RS256\"}", claims, JWT_SECRET));
      forged.put("ES256 header, empty signature", jwt("{\"alg\":\"ES256\"}", claims, null));
      forged.put("expired", jwt(HS256, claims.copy().put("exp", now - 60), JWT_SECRET));
      forged.put("exp negative", jwt(HS256, claims.copy().put("exp", -1), JWT_SECRET));
      forged.put("no exp", jwt(HS256, without(claims, "exp"), JWT_SECRET));
      forged.put("no sub", jwt(HS256, without(claims, "sub"), JWT_SECRET));
      forged.put("no tenantId", jwt(HS256, without(claims, "tenantId"), JWT_SECRET));
      forged.put("no role", jwt(HS256, without(claims, "role"), JWT_SECRET));
      forged.put("nbf in a year", jwt(HS256, claims.copy().put("nbf", now + 365 * 86_400), JWT_SECRET));
      forged.put("signature stripped", a.owner.substring(0, a.owner.lastIndexOf('.') + 1));
      forged.put("signature of another token", a.owner.substring(0, a.owner.lastIndexOf('.'))
          + b.owner.substring(b.owner.lastIndexOf('.')));
      forged.put("payload swapped", a.owner.substring(0, a.owner.indexOf('.')) + b.owner.substring(b.owner.indexOf('.'),
          b.owner.lastIndexOf('.')) + a.owner.substring(a.owner.lastIndexOf('.')));
      forged.put("kid path", jwt("{\"alg\":\"HS256\",\"kid\":\"../../../../dev/null\"}", claims, ""));
      forged.put("jku", jwt("{\"alg\":\"HS256\",\"jku\":\"http://127.0.0.1:1/jwks\"}", claims, "x"));
      forged.put("header not JSON", b64("garbage") + "." + b64(claims.encode()) + ".sig");
      forged.put("three dots", "....");
      forged.put("a.b.c", "a.b.c");
      forged.put("unicode", "ü.ü.ü");
      forged.put("10 KB", "e" + "y".repeat(7_000) + ".x.y");
      forged.put("widget token", a.widgetToken);
      forged.put("visitor token", a.visitorToken);
      forged.put("operator key", ADMIN_KEY);
      for (Map.Entry<String, String> token : forged.entrySet()) {
        String value = token.getValue();
        String header = value.isEmpty() ? null : value.startsWith("Bearer") || value.startsWith("Basic")
            || value.startsWith("Token") || value.equals(a.owner) ? value : "Bearer " + value;
        send(op, "jwt " + token.getKey(), target, base, header == null ? new String[0]
            : new String[] {"Authorization", header}, Expect.REFUSED);
      }
      // well signed, with claims of the wrong kind: never a 500 (some may be valid to the server)
      for (JsonObject odd : List.of(claims.copy().put("role", "superadmin"),
          claims.copy().put("role", List.of("owner")),
          claims.copy().put("tenantId", "tnt-nope"), claims.copy().put("sub", "usr-nope"),
          claims.copy().put("tenantId", b.id("tenantId")), claims.copy().put("exp", 1e20),
          claims.copy().put("exp", now + 3600.5), claims.copy().put("sub", "a\u0000b"),
          claims.copy().put("tenantId", "x".repeat(5_000)))) {
        String token = jwt(HS256, odd, JWT_SECRET);
        if (b.id("tenantId").equals(odd.getValue("tenantId"))) {
          // signed by the server for tenant B: B's answers are B's to see
          bTokens.add(token);
        }
        send(op, "jwt claims " + abbreviate(odd.encode()), target, base,
            new String[] {"Authorization", "Bearer " + token}, Expect.ANY);
      }
      send(op, "jwt lower-case scheme", target, base, new String[] {"Authorization", "bearer " + a.owner}, Expect.ANY);
      send(op, "jwt two headers", target, base, new String[] {"Authorization", "Bearer " + b.owner, "Authorization",
          "Bearer " + a.owner}, Expect.ANY);
    }
    if (op.security().contains("widgetToken") || op.security().contains("visitorToken")) {
      Map<String, String> forged = new LinkedHashMap<>();
      forged.put("none", null);
      forged.put("Bearer alone", "Bearer");
      forged.put("wrong token", "Bearer wt_" + "0".repeat(40));
      forged.put("other tenant's token", "Bearer " + b.widgetToken);
      forged.put("other tenant's visitor token", "Bearer " + b.visitorToken);
      forged.put("vt garbage", "Bearer vt_garbage");
      forged.put("vt dashboard jwt", "Bearer vt_" + a.owner);
      forged.put("dashboard jwt", "Bearer " + a.owner);
      forged.put("300 characters", "Bearer " + "w".repeat(300));
      forged.put("5000 characters", "Bearer vt_" + "v".repeat(5_000));
      forged.put("Basic", "Basic " + a.widgetToken);
      forged.put("no scheme", a.widgetToken);
      forged.put("visitor token tampered", "Bearer " + a.visitorToken.substring(0, a.visitorToken.length() - 2) + "xx");
      for (Map.Entry<String, String> token : forged.entrySet()) {
        if (op.path().endsWith("/visitor-tokens") && token.getKey().startsWith("vt")) {
          continue;
        }
        send(op, "widget " + token.getKey(), target, base, token.getValue() == null ? new String[0]
            : new String[] {"Authorization", token.getValue()}, Expect.REFUSED);
      }
      if (base != null && base.containsKey("sessionId") && op.security().contains("visitorToken")) {
        send(op, "visitor token of another session", target, base.copy().put("sessionId", "session_other"),
            new String[] {"Authorization", "Bearer " + a.visitorToken}, Expect.REFUSED);
      }
    }
    if (op.security().contains("operatorKey")) {
      for (String header : new String[] {null, "Bearer wrong-key", "Bearer " + a.owner, "Bearer " + a.widgetToken,
          "Basic " + ADMIN_KEY, ADMIN_KEY, "Bearer " + ADMIN_KEY + "x", "Bearer " + ADMIN_KEY.substring(1)}) {
        send(op, "operator " + (header == null ? "none" : abbreviate(header)), target, base, header == null
            ? new String[0] : new String[] {"Authorization", header}, Expect.REFUSED);
      }
    }
  }

  private static final String HS256 = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
  private static final String PUBLIC_KEY = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"
      + "fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz==\n-----END PUBLIC KEY-----\n";

  private static String jwt(String header, JsonObject claims, String secret) {
    String unsigned = b64(header) + "." + b64(claims.encode());
    if (secret == null) {
      return unsigned + ".";
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.isEmpty() ? new byte[1] : secret.getBytes(StandardCharsets.UTF_8),
          "HmacSHA256"));
      return unsigned + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(bytes(unsigned)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String b64(String text) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(text));
  }

  private static JsonObject without(JsonObject claims, String field) {
    JsonObject copy = claims.copy();
    copy.remove(field);
    return copy;
  }

  private static final Set<String> TENANT_IDS = Set.of("widgetId", "assistantId", "docId", "conversationId",
      "campaignId", "webhookId", "deliveryId");
  private static final Set<String> BODY_IDS = Set.of("assistantId", "conversationId", "campaignId", "webhookId");

  /** Tenant A's credentials with tenant B's ids: in the path, never B's data; in the body, a 4xx. */
  private void crossTenant(Operation op, JsonObject base) throws Exception {
    if (op.security().isEmpty()) {
      // a CORS preflight, a carrier's webhook: no tenant's credential to misuse
      return;
    }
    String[] auth = auth(op, a);
    List<String> params = op.in("path").stream().map(Parameter::name).filter(TENANT_IDS::contains).toList();
    for (String param : params) {
      send(op, "tenant B's " + param, target(op, a, Map.of(param, b.id(param)), ""), base, auth, Expect.NOT_OTHERS);
    }
    if (params.size() > 1) {
      Map<String, String> all = new LinkedHashMap<>();
      params.forEach(p -> all.put(p, b.id(p)));
      send(op, "tenant B's ids", target(op, a, all, ""), base, auth, Expect.NOT_OTHERS);
    }
    if (base != null) {
      for (String field : base.fieldNames()) {
        if (BODY_IDS.contains(field)) {
          send(op, "tenant B's " + field + " in the body", target(op, a, Map.of(), ""),
              base.copy().put(field, b.id(field)), auth, Expect.CLIENT_ERROR);
        }
      }
      if (base.containsKey("assigneeId")) {
        send(op, "tenant B's user as assignee", target(op, a, Map.of(), ""), base.copy().put("assigneeId", b.ownerId),
            auth, Expect.CLIENT_ERROR);
      }
    }
  }

  /** The credential of tenant {@code t} that {@code op} takes. */
  private static String[] auth(Operation op, Tenant t) {
    if (op.security().contains("dashboardJwt")) {
      return new String[] {"Authorization", Api.bearer(t.owner)};
    }
    if (op.security().contains("operatorKey")) {
      return new String[] {"Authorization", Api.bearer(ADMIN_KEY)};
    }
    if (op.security().contains("widgetToken")) {
      return new String[] {"Authorization", Api.bearer(t.widgetToken)};
    }
    if (op.path().equals("/api/ws/tenant")) {
      return new String[] {"Authorization", Api.bearer(t.owner)};
    }
    return new String[0];
  }

  // ---------------------------------------------------------------- the carrier's webhooks

  private void fuzzCarrierWebhook(Operation op, boolean firstRound) throws Exception {
    Object example = op.bodyExamples().get("application/x-www-form-urlencoded");
    Map<String, String> base = new TreeMap<>();
    OpenApiSpec.map(plain(example)).forEach((k, v) -> base.put(k, String.valueOf(v)));
    OpenApiSpec.map(op.bodies().get("application/x-www-form-urlencoded").get("properties")).keySet()
        .forEach(field -> base.putIfAbsent(field, "fuzz"));
    base.put("AccountSid", CARRIER_ACCOUNT);
    // one of tenant A's assistant's numbers (given back, the fuzzed PUTs may have changed them): the
    // call reaches a real assistant
    dashboard("PATCH", "/api/assistants/" + a.id("assistantId"), a.owner, new JsonObject()
        .put("phoneNumbers", new JsonArray().add("+16475550101")));
    base.put("To", "+16475550101");
    // a call of its own per operation: another operation's status callback must not end it
    base.put("CallSid", String.format("CA%032x", SEQ.incrementAndGet()));
    String path = target(op, a, Map.of(), "");
    if (firstRound) {
      call(op, "unsigned", "POST", path, bytes(form(base)), new String[] {"Content-Type",
          "application/x-www-form-urlencoded"}, Expect.ANY);
      call(op, "wrong signature", "POST", path, bytes(form(base)), new String[] {"Content-Type",
          "application/x-www-form-urlencoded", "X-Twilio-Signature", "AAAA"}, Expect.ANY);
      call(op, "signature of other params", "POST", path, bytes(form(base)), new String[] {"Content-Type",
          "application/x-www-form-urlencoded", "X-Twilio-Signature", signature(path, Map.of("a", "b"))}, Expect.ANY);
      call(op, "json body", "POST", path, bytes(new JsonObject(new LinkedHashMap<>(base)).encode()), new String[] {
          "Content-Type", "application/json", "X-Twilio-Signature", signature(path, base)}, Expect.ANY);
      for (String raw : List.of("CallSid=%ZZ", "CallSid=%00", "=&=&", "a".repeat(70_000), "CallSid",
          "p=1&".repeat(2_000), "CallSid=CA1&CallSid=CA2")) {
        call(op, "form " + abbreviate(raw), "POST", path, bytes(raw), new String[] {"Content-Type",
            "application/x-www-form-urlencoded", "X-Twilio-Signature", signature(path, Map.of())}, Expect.ANY);
      }
      for (String query : List.of("?callSid=", "?callSid=%FF", "?callSid=" + "C".repeat(3_000),
          "?callSid=CA1&callSid=CA2")) {
        call(op, "signed query " + abbreviate(query), "POST", path + query, bytes(form(base)), new String[] {
            "Content-Type", "application/x-www-form-urlencoded", "X-Twilio-Signature", signature(path + query, base)},
            Expect.ANY);
      }
    }
    // signed, with odd values: the request passes the signature and reaches the handler
    List<String> oddValues = List.of("", " ", "x".repeat(5_000), "\ud800", "😀", "' OR 1=1--", "<Say>hi</Say>",
        "]]>&amp;<", "-1", "99999999999999999999", "+", "+1", "+999999999999999999999", "NaN", "\u202E", "a\r\nb",
        "completed", "busy", "no-answer", "failed", "machine_start", "2024-13-45");
    for (String field : base.keySet()) {
      for (String odd : pick(oddValues, 4)) {
        Map<String, String> params = new TreeMap<>(base);
        params.put(field, odd);
        call(op, "signed " + field + "=" + abbreviate(odd), "POST", path, bytes(form(params)), new String[] {
            "Content-Type", "application/x-www-form-urlencoded", "X-Twilio-Signature", signature(path, params)},
            Expect.ANY);
      }
    }
    call(op, "baseline", "POST", path, bytes(form(base)), new String[] {"Content-Type",
        "application/x-www-form-urlencoded", "X-Twilio-Signature", signature(path, base)}, Expect.ANY);
  }

  private static String form(Map<String, String> params) {
    StringBuilder form = new StringBuilder();
    params.forEach((k, v) -> form.append(form.isEmpty() ? "" : "&").append(encode(k)).append('=').append(encode(v)));
    return form.toString();
  }

  private String signature(String pathAndQuery, Map<String, String> params) {
    StringBuilder data = new StringBuilder("http://localhost:" + server.port() + pathAndQuery);
    new TreeMap<>(params).forEach((k, v) -> data.append(k).append(v));
    try {
      Mac mac = Mac.getInstance("HmacSHA1");
      mac.init(new SecretKeySpec(bytes(CARRIER_TOKEN), "HmacSHA1"));
      return Base64.getEncoder().encodeToString(mac.doFinal(bytes(data.toString())));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------- WebSocket upgrades

  private void garbageUpgrades(Operation op) throws Exception {
    String path = target(op, a, Map.of(), "");
    String key = Base64.getEncoder().encodeToString(bytes("fuzz-key-16bytes"));
    List<String[]> heads = List.of(
        new String[] {"Upgrade", "websocket", "Connection", "Upgrade"},
        new String[] {"Upgrade", "websocket", "Connection", "Upgrade", "Sec-WebSocket-Version", "99",
            "Sec-WebSocket-Key", key},
        new String[] {"Upgrade", "websocket", "Connection", "Upgrade", "Sec-WebSocket-Version", "13",
            "Sec-WebSocket-Key", "!!!"},
        new String[] {"Upgrade", "h2c", "Connection", "Upgrade, HTTP2-Settings", "HTTP2-Settings", "AAMAAABkAAQAAP__"},
        new String[] {"Upgrade", "garbage", "Connection", "Upgrade"},
        new String[] {"Upgrade", "websocket", "Connection", "keep-alive", "Sec-WebSocket-Version", "13",
            "Sec-WebSocket-Key", key},
        new String[] {"Upgrade", "websocket", "Connection", "Upgrade", "Sec-WebSocket-Version", "13",
            "Sec-WebSocket-Key", key, "Origin", "http://evil.example", "X-Twilio-Signature", "AAAA"});
    for (String[] head : heads) {
      call(op, "upgrade " + String.join(" ", head).substring(0, Math.min(60, String.join(" ", head).length())), "GET",
          path, null, head, Expect.ANY);
    }
    call(op, "upgrade by POST", "POST", path, bytes("{}"), new String[] {"Upgrade", "websocket", "Connection",
        "Upgrade", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", key}, Expect.ANY);
    // an accepted upgrade followed by frames that are not what the protocol says
    byte[][] garbage = {
        bytes("this is not a frame\r\n\r\n"),
        frame(0x1, bytes("{")),
        frame(0x1, bytes("{\"type\":\"auth\",\"token\":" + "[".repeat(5_000) + "}")),
        frame(0x1, bytes("{\"type\":\"auth\",\"token\":\"" + a.owner + "\",\"lastEventId\":\"\\u0000" + "x".repeat(300)
            + "\"}")),
        frame(0x2, new byte[] {(byte) 0xFF, 0, 1, 2}),
        frame(0x1, new byte[] {(byte) 0xC3, (byte) 0x28}),
        frame(0x9, bytes("ping")),
        new byte[] {(byte) 0x81, (byte) 0xFF, 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
            (byte) 0xFF, (byte) 0xFF, 0, 0, 0, 0}};
    for (byte[] bytes : garbage) {
      upgradeThenSend(op, path, key, bytes);
    }
    JsonObject auth = op.path().equals("/api/ws/tenant") ? new JsonObject().put("type", "auth").put("token", a.owner)
        : op.path().equals("/ws/chat") ? new JsonObject().put("type", "auth").put("widgetId", a.id("widgetId"))
            .put("token", a.widgetToken).put("sessionId", a.sessionId) : null;
    if (auth != null) {
      authenticatedGarbage(op, path, key, auth);
    }
  }

  /** Signed in, then messages the protocol does not expect: nothing of tenant B's comes back. */
  private void authenticatedGarbage(Operation op, String path, String key, JsonObject auth) throws IOException {
    List<Object> lastEventIds = List.of("", "\u0000", "x".repeat(1_000), "-1", "99999999999999999999999", 12,
        List.of(), "evt-' OR 1=1--");
    for (Object lastEventId : pick(lastEventIds, 3)) {
      upgradeThenSend(op, path, key, frame(0x1, bytes(auth.copy().put("lastEventId", lastEventId).encode())));
    }
    List<String> messages = List.of(
        new JsonObject().put("type", "typing").put("conversationId", b.id("conversationId")).encode(),
        new JsonObject().put("type", "typing").put("conversationId", "conv-\u0000").encode(),
        "{\"type\":\"typing\",\"conversationId\":123}", "{\"type\":\"typing\"}", "{\"type\":null}",
        "{\"type\":[\"ping\"]}", "{\"type\":\"ping\",\"x\":" + "[".repeat(2_000) + "]".repeat(2_000) + "}",
        auth.encode(), "[]", "null", "\"ping\"", "{\"type\":\"" + "p".repeat(100_000) + "\"}",
        new JsonObject().put("type", "auth").put("token", b.owner).put("widgetId", b.id("widgetId"))
            .put("sessionId", b.sessionId).encode());
    java.io.ByteArrayOutputStream frames = new java.io.ByteArrayOutputStream();
    for (String message : pick(messages, messages.size())) {
      frames.writeBytes(frame(0x1, bytes(message)));
    }
    String heard = upgradeThenSend(op, path, key, frame(0x1, bytes(auth.encode())), frames.toByteArray());
    if (!heard.contains("auth:ok")) {
      failures.add(op.key() + " [signed-in socket, garbage] the socket never signed in: " + abbreviate(heard));
    }
    if (heard.contains(B_MARKER)) {
      failures.add(op.key() + " [signed-in socket, garbage] tenant B's data on tenant A's socket: " + abbreviate(heard));
    }
  }

  private String upgradeThenSend(Operation op, String path, String key, byte[] garbage) throws IOException {
    return upgradeThenSend(op, path, key, null, garbage);
  }

  /**
   * Upgrades, sends {@code first} (when not null) and waits for the server's first frame, then sends
   * {@code garbage}; returns what the server sent after the upgrade, as text.
   */
  private String upgradeThenSend(Operation op, String path, String key, byte[] first, byte[] garbage)
      throws IOException {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(5_000);
      String head = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key + "\r\n\r\n";
      OutputStream out = socket.getOutputStream();
      out.write(bytes(head));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[4096];
      int n = in.read(buffer);
      String answer = n > 0 ? new String(buffer, 0, n, StandardCharsets.ISO_8859_1) : "";
      int status = answer.startsWith("HTTP/1.") && answer.length() >= 12 ? Integer.parseInt(answer.substring(9, 12)) : 0;
      count(op, status);
      if (status != 101) {
        if (status >= 500 || status == 0) {
          failures.add(op.key() + " [upgrade then garbage] answered " + abbreviate(answer));
        }
        return "";
      }
      // the upgrade may wait for the database; what follows it, not
      socket.setSoTimeout(500);
      java.io.ByteArrayOutputStream heard = new java.io.ByteArrayOutputStream();
      try {
        if (first != null) {
          out.write(first);
          out.flush();
          try {
            heard.write(buffer, 0, Math.max(0, in.read(buffer)));
          } catch (java.net.SocketTimeoutException quiet) {
            // the first frame needs no answer to be followed by the garbage
          }
        }
        out.write(garbage);
        out.flush();
        for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
          // until the server closes the socket, or the timeout: either is fine
          heard.write(buffer, 0, read);
        }
      } catch (IOException closed) {
        // the server closed it (what a protocol error should do), or said nothing more for a while
      }
      return heard.toString(StandardCharsets.ISO_8859_1);
    }
  }

  private static byte[] frame(int opcode, byte[] payload) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(0x80 | opcode);
    if (payload.length < 126) {
      out.write(0x80 | payload.length);
    } else if (payload.length <= 0xFFFF) {
      out.write(0x80 | 126);
      out.write(payload.length >> 8);
      out.write(payload.length & 0xFF);
    } else {
      out.write(0x80 | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        out.write((int) ((long) payload.length >> shift) & 0xFF);
      }
    }
    byte[] mask = {1, 2, 3, 4};
    out.writeBytes(mask);
    for (int i = 0; i < payload.length; i++) {
      out.write(payload[i] ^ mask[i % 4]);
    }
    return out.toByteArray();
  }

  // ---------------------------------------------------------------- sending and checking

  /** The operation's path with tenant {@code t}'s ids, {@code override} (already encoded) replacing some. */
  private static String target(Operation op, Tenant t, Map<String, String> override, String query) {
    String path = op.path();
    for (Parameter param : op.in("path")) {
      String value = override.containsKey(param.name()) ? override.get(param.name())
          : encode(t.ids.getOrDefault(param.name(), "x"));
      path = path.replace("{" + param.name() + "}", value);
    }
    return path + query;
  }

  private void send(Operation op, String label, String target, JsonObject body, String[] headers, Expect expect)
      throws Exception {
    boolean withBody = body != null && !op.method().equals("get") && !op.method().equals("delete");
    sendRaw(op, label, op.method().toUpperCase(Locale.ROOT), target, withBody ? bytes(body.encode()) : null,
        withBody ? concat(headers, "Content-Type", "application/json") : headers, expect);
  }

  private void sendRaw(Operation op, String label, String method, String target, byte[] body, String[] headers,
      Expect expect) throws Exception {
    call(op, label, method.toUpperCase(Locale.ROOT), target, body, headers, expect);
  }

  private void call(Operation op, String label, String method, String target, byte[] body, String[] headers,
      Expect expect) throws Exception {
    method = method.toUpperCase(Locale.ROOT);
    RawHttp.Answer answer;
    long sentAt = System.nanoTime();
    try {
      answer = http.send(method, target, body, headers);
      perRouteNanos.merge(op.key(), System.nanoTime() - sentAt, Long::sum);
    } catch (IOException e) {
      count(op, 0);
      failures.add(op.key() + " [" + label + "] " + method + " " + abbreviate(target) + ": no answer (" + e + ")");
      return;
    }
    count(op, answer.status());
    if (method.equalsIgnoreCase(op.method())) {
      exercised.add(op.key());
    }
    String problem = check(method, answer, expect, headers);
    if (problem != null) {
      failures.add(op.key() + " [" + label + "] " + method + " " + abbreviate(target) + " -> " + answer.status() + " "
          + problem + ": " + abbreviate(answer.text()));
    }
    if (answer.status() == 200 && op.path().equals("/api/tenant/widget-token/rotate")) {
      a.widgetToken = new JsonObject(answer.text()).getString("widgetToken");
    }
  }

  private String check(String method, RawHttp.Answer answer, Expect expect, String[] headers) {
    int status = answer.status();
    if (status >= 500) {
      return "a 5xx";
    }
    if (status >= 400 && !method.equals("HEAD")) {
      String type = answer.header("content-type");
      if (type == null || !type.startsWith("application/json")) {
        return "an error that is not application/json (" + type + ")";
      }
      try {
        JsonObject error = new JsonObject(answer.text());
        JsonObject detail = error.getJsonObject("error");
        if (!Boolean.FALSE.equals(error.getBoolean("success")) || detail == null
            || !(detail.getValue("code") instanceof String code) || !SNAKE_CASE.matcher(code).matches()
            || !(detail.getValue("message") instanceof String) || error.size() != 2) {
          return "not the error shape";
        }
      } catch (RuntimeException e) {
        return "an error body that is not JSON";
      }
    }
    String sent = String.join(" ", headers);
    // the operator key belongs to no tenant: its answers (GET /api/admin/tenants) may list every one
    boolean asA = !sent.contains(ADMIN_KEY) && bTokens.stream().noneMatch(sent::contains);
    if (asA && answer.text().contains(B_MARKER)) {
      return "tenant B's data in an answer to tenant A";
    }
    return switch (expect) {
      case ANY -> null;
      case REFUSED -> status == 401 || status == 403 ? null : "a forged credential not refused";
      case NOT_OTHERS -> status == 401 || status == 403 || status == 404 ? null : "another tenant's id not refused";
      case CLIENT_ERROR -> status >= 400 ? null : "another tenant's id in the body accepted";
    };
  }

  private void count(Operation op, int status) {
    requests++;
    statuses.merge(status, 1, Integer::sum);
    perRoute.merge(op.key(), 1, Integer::sum);
  }

  private void summary(long seconds) throws IOException {
    StringBuilder out = new StringBuilder();
    out.append("[fuzz] ").append(requests).append(" requests in ").append(seconds).append(" s, ")
        .append(spec.operations().size()).append(" operations, ").append(failures.size()).append(" failures, ")
        .append(errorLogs.size()).append(" ERROR log lines\n");
    out.append("[fuzz] by status: ").append(statuses).append('\n');
    perRoute.forEach((route, n) -> out.append("[fuzz]   ").append(String.format("%5d %6d ms  ", n,
        perRouteNanos.getOrDefault(route, 0L) / 1_000_000)).append(route).append('\n'));
    failures.stream().limit(200).forEach(f -> out.append("[fuzz] FAIL ").append(f).append('\n'));
    new ArrayList<>(errorLogs).stream().limit(50).forEach(line -> out.append("[fuzz] LOG ").append(line).append('\n'));
    System.out.print(out);
    Path report = Path.of("target", "fuzz-run.txt");
    Files.createDirectories(report.getParent());
    Files.writeString(report, out.toString());
  }

  // ---------------------------------------------------------------- small helpers

  private <T> List<T> pick(List<T> values, int n) {
    List<T> copy = new ArrayList<>(values);
    Collections.shuffle(copy, random);
    return copy.subList(0, Math.min(n, copy.size()));
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concatBytes(byte[]... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  private static String[] concat(String[] headers, String... more) {
    String[] all = java.util.Arrays.copyOf(headers, headers.length + more.length);
    System.arraycopy(more, 0, all, headers.length, more.length);
    return all;
  }

  private static String abbreviate(String text) {
    String oneLine = text.replace("\r", "\\r").replace("\n", "\\n");
    return oneLine.length() <= 120 ? oneLine : oneLine.substring(0, 117) + "...";
  }
}
