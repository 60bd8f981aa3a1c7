package com.livechat.support;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-process OpenAI-compatible server (POST /v1/chat/completions, the real wire format). It
 * records every request (body and arrival time) and answers with the next {@link Canned} answer of
 * its {@link #script} when there is one, else as {@link #mode} says.
 *
 * <p>A request with {@code "stream": true} is answered with Server-Sent Events as OpenAI sends
 * them: a first chunk with the role, the content in several chunks, a chunk with the finish reason,
 * a usage chunk with {@code "choices": []}, then {@code data: [DONE]}; tool calls come in
 * fragments. Error statuses are the same JSON either way. {@link Canned#stream} and its siblings
 * script the stream itself: delays between tokens, tool calls whole (as Ollama sends them), an error
 * object or a silence in the middle, a silence before the first token.
 */
public final class FakeOpenAi implements AutoCloseable {

  public enum Mode {
    /** A completion whose text is {@link #reply}. */
    OK,
    /** The same, after {@link #delayMs} (streamed: the headers at once, the first chunk after it). */
    SLOW,
    /** 429 with {@code Retry-After: }{@link #retryAfter}. */
    RATE_LIMITED,
    /** 500 with an OpenAI error body. */
    SERVER_ERROR,
    /** 200 with a body cut in the middle of its JSON (streamed: an event with that JSON). */
    MALFORMED
  }

  /** Usage reported by every completion of this fake. */
  public static final int TOKENS = 150;

  public final List<JsonObject> requests = new CopyOnWriteArrayList<>();
  /** {@link System#nanoTime()} at the arrival of each request, in the order of {@link #requests}. */
  public final List<Long> arrivals = new CopyOnWriteArrayList<>();
  /** The requests whose client closed the connection before their response was complete. */
  public final List<JsonObject> abandoned = new CopyOnWriteArrayList<>();
  public volatile Mode mode = Mode.OK;
  public volatile String reply = "Our plans start at 10 dollars.";
  public volatile long delayMs = 2_000;
  public volatile String retryAfter = "1";
  private final Queue<Canned> script = new ConcurrentLinkedQueue<>();
  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;

  /**
   * One event of a scripted stream: after {@code delayMs}, {@code chunk} (a chat.completion.chunk;
   * id, object and model are filled in when absent) or {@code data} as it is; neither means the
   * fake goes silent for good from there.
   */
  public record Step(long delayMs, JsonObject chunk, String data) {

    public static Step chunk(long delayMs, JsonObject chunk) {
      return new Step(delayMs, chunk, null);
    }

    public static Step data(long delayMs, String data) {
      return new Step(delayMs, null, data);
    }

    /** Sends nothing more and never ends the response. */
    public static Step hang() {
      return new Step(0, null, null);
    }

    boolean hangs() {
      return chunk == null && data == null;
    }
  }

  /**
   * One scripted answer.
   *
   * @param body the response body; null for a completion of {@code text} and {@code toolCalls},
   *     whose model is the request's with a version suffix
   * @param steps the events of a streamed answer; null to stream {@code text} and {@code
   *     toolCalls} (or {@code body}) the way OpenAI does. A request without {@code "stream": true}
   *     gets {@code text} and {@code toolCalls} in one body whatever the steps
   */
  public record Canned(int status, Map<String, String> headers, String body, String text, JsonArray toolCalls,
      long delayMs, List<Step> steps) {

    public Canned(int status, Map<String, String> headers, String body, String text, JsonArray toolCalls,
        long delayMs) {
      this(status, headers, body, text, toolCalls, delayMs, null);
    }

    public static Canned text(String text) {
      return new Canned(200, Map.of(), null, text, null, 0);
    }

    /** A completion without text that calls these functions; see {@link #call}. */
    public static Canned toolCalls(JsonObject... calls) {
      return new Canned(200, Map.of(), null, null, new JsonArray(List.of((Object[]) calls)), 0);
    }

    public static Canned status(int status) {
      return new Canned(status, Map.of(), errorBody("status " + status), null, null, 0);
    }

    public static Canned rateLimited(String retryAfter) {
      return new Canned(429, Map.of("Retry-After", retryAfter), errorBody("Rate limit reached"), null, null, 0);
    }

    public static Canned malformed() {
      return new Canned(200, Map.of(), "{\"choices\": [", null, null, 0);
    }

    /**
     * These tokens, the first {@code firstTokenDelayMs} after the role chunk (which comes at once),
     * each next one {@code gapMs} after the previous; then the finish reason, the usage and [DONE].
     */
    public static Canned stream(List<String> tokens, long firstTokenDelayMs, long gapMs) {
      List<Step> steps = new ArrayList<>();
      steps.add(roleStep());
      addTokens(steps, tokens, firstTokenDelayMs, gapMs);
      steps.addAll(ending("stop"));
      return streamed(String.join("", tokens), null, steps);
    }

    /** These tokens, {@code gapMs} apart, then silence: the response never ends. */
    public static Canned streamThenHang(List<String> tokens, long gapMs) {
      List<Step> steps = new ArrayList<>();
      steps.add(roleStep());
      addTokens(steps, tokens, 0, gapMs);
      steps.add(Step.hang());
      return streamed(String.join("", tokens), null, steps);
    }

    /** These tokens, then an {@code {"error": …}} event with this message, and the end of the response. */
    public static Canned streamThenError(List<String> tokens, String message) {
      List<Step> steps = new ArrayList<>();
      steps.add(roleStep());
      addTokens(steps, tokens, 0, 0);
      steps.add(Step.data(0, new JsonObject().put("error", new JsonObject().put("message", message)
          .put("type", "server_error").putNull("param").putNull("code")).encode()));
      return streamed(String.join("", tokens), null, steps);
    }

    /** 200 and the event-stream headers, then nothing: the response never ends. */
    public static Canned hangBeforeFirstToken() {
      return streamed(null, null, List.of(Step.hang()));
    }

    /**
     * One call streamed the OpenAI way: a fragment with its index, id, type and name, then one
     * fragment per piece of its arguments text.
     */
    public static Canned toolCallInFragments(String id, String function, List<String> argumentPieces) {
      List<Step> steps = new ArrayList<>();
      steps.add(roleStep());
      steps.add(toolCallStep(new JsonObject().put("index", 0).put("id", id).put("type", "function")
          .put("function", new JsonObject().put("name", function).put("arguments", ""))));
      for (String piece : argumentPieces) {
        steps.add(toolCallStep(new JsonObject().put("index", 0)
            .put("function", new JsonObject().put("arguments", piece))));
      }
      steps.addAll(ending("tool_calls"));
      return streamed(null, new JsonArray().add(call(id, function, String.join("", argumentPieces))), steps);
    }

    /**
     * Each call whole in a delta of its own, without an index and with its arguments as a JSON
     * object, as Ollama sends them.
     */
    public static Canned wholeToolCalls(JsonObject... calls) {
      List<Step> steps = new ArrayList<>();
      steps.add(roleStep());
      for (JsonObject call : calls) {
        JsonObject function = call.getJsonObject("function");
        steps.add(toolCallStep(new JsonObject().put("id", call.getString("id")).put("type", "function")
            .put("function", new JsonObject().put("name", function.getString("name"))
                .put("arguments", new JsonObject(function.getString("arguments"))))));
      }
      steps.addAll(ending("tool_calls"));
      return streamed(null, new JsonArray(List.of((Object[]) calls)), steps);
    }

    /** A model that thinks aloud: {@code reasoning} and {@code reasoning_content} deltas, then this text. */
    public static Canned reasoningThenText(String reasoning, String text) {
      List<Step> steps = new ArrayList<>();
      steps.add(roleStep());
      steps.add(deltaStep(new JsonObject().put("reasoning", reasoning)));
      steps.add(deltaStep(new JsonObject().put("reasoning_content", reasoning).putNull("content")));
      addTokens(steps, pieces(text), 0, 0);
      steps.addAll(ending("stop"));
      return streamed(text, null, steps);
    }

    /** Exactly these events (for a streamed request). */
    public static Canned events(Step... steps) {
      return streamed(null, null, List.of(steps));
    }

    public Canned after(long delayMs) {
      return new Canned(status, headers, body, text, toolCalls, delayMs, steps);
    }

    private static Canned streamed(String text, JsonArray toolCalls, List<Step> steps) {
      return new Canned(200, Map.of(), null, text, toolCalls, 0, List.copyOf(steps));
    }
  }

  /** A tool call as the API sends it: the arguments are a JSON text, not an object. */
  public static JsonObject call(String id, String function, String argumentsJson) {
    return new JsonObject().put("id", id).put("type", "function")
        .put("function", new JsonObject().put("name", function).put("arguments", argumentsJson));
  }

  public FakeOpenAi() {
    server = vertx.createHttpServer().requestHandler(request -> {
      long arrived = System.nanoTime();
      request.body().onSuccess(body -> {
        if (!request.path().equals("/v1/chat/completions")) {
          request.response().setStatusCode(404).end();
          return;
        }
        JsonObject json = body.toJsonObject();
        arrivals.add(arrived);
        requests.add(json);
        HttpServerResponse response = request.response();
        response.closeHandler(v -> {
          if (!response.ended()) {
            abandoned.add(json);
          }
        });
        Canned next = script.poll();
        answer(request, json, next != null ? next : fromMode());
      });
    }).listen(0, "127.0.0.1").await();
  }

  /** Queues answers for the next requests, in order; {@link #mode} applies again once they are used up. */
  public FakeOpenAi script(Canned... answers) {
    script.addAll(List.of(answers));
    return this;
  }

  /** Forgets requests and unused scripted answers, and goes back to {@link Mode#OK}. */
  public void reset() {
    script.clear();
    requests.clear();
    arrivals.clear();
    abandoned.clear();
    mode = Mode.OK;
  }

  /**
   * An entry of {@code ai.providers} pointing at this fake: fast retries and a breaker that stays
   * closed, so that each test sees the provider as it sets it.
   */
  public JsonObject providerConfig(String name, String model) {
    return new JsonObject().put("name", name).put("baseUrl", baseUrl()).put("apiKey", "sk-" + name)
        .put("model", model).put("timeoutMs", 2000).put("retryBaseMs", 10).put("retryMaxMs", 50)
        .put("breakerMaxFailures", 1000);
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort() + "/v1";
  }

  private Canned fromMode() {
    return switch (mode) {
      case OK -> Canned.text(reply);
      case SLOW -> Canned.text(reply).after(delayMs);
      case RATE_LIMITED -> Canned.rateLimited(retryAfter);
      case SERVER_ERROR -> Canned.status(500);
      case MALFORMED -> Canned.malformed();
    };
  }

  private void answer(HttpServerRequest request, JsonObject json, Canned canned) {
    String model = json.getString("model") + "-0125";
    if (Boolean.TRUE.equals(json.getValue("stream")) && canned.status() == 200) {
      stream(request.response(), model, canned);
      return;
    }
    if (canned.delayMs() > 0) {
      vertx.setTimer(canned.delayMs(), t -> answer(request, json, canned.after(0)));
      return;
    }
    String body = canned.body() == null
        ? completion(model, canned.text(), canned.toolCalls()).encode() : canned.body();
    request.response().setStatusCode(canned.status()).putHeader("Content-Type", "application/json");
    canned.headers().forEach(request.response()::putHeader);
    // the client may have given up already (a timeout test)
    request.response().end(body).onFailure(ignored -> { });
  }

  private void stream(HttpServerResponse response, String model, Canned canned) {
    List<Step> steps = canned.steps() != null ? canned.steps()
        : canned.body() != null ? List.of(Step.data(0, canned.body())) : openAiSteps(canned);
    response.setStatusCode(200).setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-cache");
    canned.headers().forEach(response::putHeader);
    response.writeHead().onFailure(ignored -> { });
    if (canned.delayMs() > 0) {
      vertx.setTimer(canned.delayMs(), t -> send(response, model, steps, 0));
    } else {
      send(response, model, steps, 0);
    }
  }

  /** Sends step {@code index} after its delay, then the next ones; ends the response after the last. */
  private void send(HttpServerResponse response, String model, List<Step> steps, int index) {
    if (response.closed() || response.ended()) {
      return;
    }
    if (index == steps.size()) {
      response.end().onFailure(ignored -> { });
      return;
    }
    Step step = steps.get(index);
    if (step.hangs()) {
      return;
    }
    if (step.delayMs() > 0) {
      vertx.setTimer(step.delayMs(), t -> emit(response, model, steps, index));
    } else {
      emit(response, model, steps, index);
    }
  }

  private void emit(HttpServerResponse response, String model, List<Step> steps, int index) {
    if (response.closed() || response.ended()) {
      return;
    }
    write(response, model, steps.get(index));
    send(response, model, steps, index + 1);
  }

  private static void write(HttpServerResponse response, String model, Step step) {
    String data;
    if (step.chunk() != null) {
      JsonObject chunk = new JsonObject().put("id", "chatcmpl-1").put("object", "chat.completion.chunk")
          .put("created", 1700000000).put("model", model).mergeIn(step.chunk());
      data = chunk.encode();
    } else {
      data = step.data();
    }
    response.write("data: " + data + "\n\n").onFailure(ignored -> { });
  }

  /** How OpenAI streams a completion of this text and these tool calls. */
  private static List<Step> openAiSteps(Canned canned) {
    List<Step> steps = new ArrayList<>();
    steps.add(roleStep());
    if (canned.text() != null) {
      addTokens(steps, pieces(canned.text()), 0, 0);
    }
    JsonArray calls = canned.toolCalls();
    if (calls != null) {
      for (int i = 0; i < calls.size(); i++) {
        JsonObject call = calls.getJsonObject(i);
        JsonObject function = call.getJsonObject("function");
        steps.add(toolCallStep(new JsonObject().put("index", i).put("id", call.getString("id"))
            .put("type", "function")
            .put("function", new JsonObject().put("name", function.getString("name")).put("arguments", ""))));
        String arguments = function.getString("arguments");
        int third = Math.max(1, arguments.length() / 3);
        for (int at = 0; at < arguments.length(); at += third) {
          steps.add(toolCallStep(new JsonObject().put("index", i).put("function",
              new JsonObject().put("arguments", arguments.substring(at, Math.min(arguments.length(), at + third))))));
        }
      }
    }
    steps.addAll(ending(calls != null ? "tool_calls" : "stop"));
    return steps;
  }

  /** The text in word-sized tokens, as a model writes it: "Our", " plans", " start", … */
  static List<String> pieces(String text) {
    List<String> pieces = new ArrayList<>();
    int start = 0;
    for (int i = 1; i < text.length(); i++) {
      if (text.charAt(i) == ' ') {
        pieces.add(text.substring(start, i));
        start = i;
      }
    }
    if (start < text.length()) {
      pieces.add(text.substring(start));
    }
    return pieces;
  }

  private static void addTokens(List<Step> steps, List<String> tokens, long firstDelayMs, long gapMs) {
    for (int i = 0; i < tokens.size(); i++) {
      steps.add(Step.chunk(i == 0 ? firstDelayMs : gapMs, choice(new JsonObject().put("content", tokens.get(i)), null)));
    }
  }

  private static Step roleStep() {
    return deltaStep(new JsonObject().put("role", "assistant").put("content", "").putNull("refusal"));
  }

  private static Step deltaStep(JsonObject delta) {
    return Step.chunk(0, choice(delta, null));
  }

  private static Step toolCallStep(JsonObject fragment) {
    return deltaStep(new JsonObject().put("tool_calls", new JsonArray().add(fragment)));
  }

  private static List<Step> ending(String finishReason) {
    return List.of(
        Step.chunk(0, choice(new JsonObject(), finishReason)),
        Step.chunk(0, new JsonObject().put("choices", new JsonArray()).put("usage", usage())),
        Step.data(0, "[DONE]"));
  }

  private static JsonObject choice(JsonObject delta, String finishReason) {
    return new JsonObject().put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("delta", delta)
        .putNull("logprobs").put("finish_reason", finishReason)));
  }

  private static JsonObject usage() {
    return new JsonObject().put("prompt_tokens", 120).put("completion_tokens", 30).put("total_tokens", TOKENS);
  }

  private static JsonObject completion(String model, String text, JsonArray toolCalls) {
    JsonObject message = new JsonObject().put("role", "assistant").put("content", text);
    if (toolCalls != null) {
      message.put("tool_calls", toolCalls);
    }
    return new JsonObject()
        .put("id", "chatcmpl-1").put("object", "chat.completion").put("model", model)
        .put("choices", new JsonArray().add(new JsonObject().put("index", 0)
            .put("finish_reason", toolCalls != null ? "tool_calls" : "stop").put("message", message)))
        .put("usage", usage());
  }

  private static String errorBody(String message) {
    return new JsonObject().put("error", new JsonObject().put("message", message)).encode();
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
