package com.livechat.support;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-process OpenAI-compatible server (POST /v1/chat/completions, the real JSON shapes) for
 * tests of the whole chat path. It records every request and answers as {@link #mode} says.
 */
public final class FakeOpenAi implements AutoCloseable {

  public enum Mode { OK, SERVER_ERROR, MALFORMED }

  public final List<JsonObject> requests = new CopyOnWriteArrayList<>();
  public volatile Mode mode = Mode.OK;
  public volatile String reply = "Our plans start at 10 dollars.";
  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;

  public FakeOpenAi() {
    server = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      if (!request.path().equals("/v1/chat/completions")) {
        request.response().setStatusCode(404).end();
        return;
      }
      JsonObject json = body.toJsonObject();
      requests.add(json);
      switch (mode) {
        case SERVER_ERROR -> request.response().setStatusCode(500)
            .end(new JsonObject().put("error", new JsonObject().put("message", "boom")).encode());
        case MALFORMED -> request.response().putHeader("Content-Type", "application/json").end("{\"choices\": [");
        default -> request.response().putHeader("Content-Type", "application/json").end(new JsonObject()
            .put("id", "chatcmpl-1").put("object", "chat.completion").put("model", json.getString("model") + "-0125")
            .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("finish_reason", "stop")
                .put("message", new JsonObject().put("role", "assistant").put("content", reply))))
            .put("usage", new JsonObject().put("prompt_tokens", 120).put("completion_tokens", 30)
                .put("total_tokens", 150)).encode());
      }
    })).listen(0, "127.0.0.1").await();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort() + "/v1";
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
