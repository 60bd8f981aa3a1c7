package com.livechat.support;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-process OpenAI-compatible server (POST /v1/chat/completions, the real JSON shapes). It
 * records every request (body and arrival time) and answers with the next {@link Canned} answer of
 * its {@link #script} when there is one, else as {@link #mode} says.
 */
public final class FakeOpenAi implements AutoCloseable {

  public enum Mode {
    /** A completion whose text is {@link #reply}. */
    OK,
    /** The same, after {@link #delayMs}. */
    SLOW,
    /** 429 with {@code Retry-After: }{@link #retryAfter}. */
    RATE_LIMITED,
    /** 500 with an OpenAI error body. */
    SERVER_ERROR,
    /** 200 with a body cut in the middle of its JSON. */
    MALFORMED
  }

  /** Usage reported by every completion of this fake. */
  public static final int TOKENS = 150;

  public final List<JsonObject> requests = new CopyOnWriteArrayList<>();
  /** {@link System#nanoTime()} at the arrival of each request, in the order of {@link #requests}. */
  public final List<Long> arrivals = new CopyOnWriteArrayList<>();
  public volatile Mode mode = Mode.OK;
  public volatile String reply = "Our plans start at 10 dollars.";
  public volatile long delayMs = 2_000;
  public volatile String retryAfter = "1";
  private final Queue<Canned> script = new ConcurrentLinkedQueue<>();
  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;

  /**
   * One scripted answer.
   *
   * @param body the response body; null for a completion of {@code text} and {@code toolCalls},
   *     whose model is the request's with a version suffix
   */
  public record Canned(int status, Map<String, String> headers, String body, String text, JsonArray toolCalls,
      long delayMs) {

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

    public Canned after(long delayMs) {
      return new Canned(status, headers, body, text, toolCalls, delayMs);
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
    mode = Mode.OK;
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
    if (canned.delayMs() > 0) {
      vertx.setTimer(canned.delayMs(), t -> answer(request, json, canned.after(0)));
      return;
    }
    String body = canned.body() == null
        ? completion(json.getString("model") + "-0125", canned.text(), canned.toolCalls()).encode() : canned.body();
    request.response().setStatusCode(canned.status()).putHeader("Content-Type", "application/json");
    canned.headers().forEach(request.response()::putHeader);
    // the client may have given up already (a timeout test)
    request.response().end(body).onFailure(ignored -> { });
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
        .put("usage", new JsonObject().put("prompt_tokens", 120).put("completion_tokens", 30)
            .put("total_tokens", TOKENS));
  }

  private static String errorBody(String message) {
    return new JsonObject().put("error", new JsonObject().put("message", message)).encode();
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
