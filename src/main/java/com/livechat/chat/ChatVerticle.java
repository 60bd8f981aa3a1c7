package com.livechat.chat;

import com.livechat.Services;
import com.livechat.bus.Addresses;
import com.livechat.http.ApiError;
import com.livechat.http.ErrorMapper;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

/**
 * The AI actor: answers chat.reply requests from this node's HTTP verticles. The consumer is
 * node-local so that a chat turn never crosses the cluster.
 */
public final class ChatVerticle extends VerticleBase {

  private final Services services;

  public ChatVerticle(Services services) {
    this.services = services;
  }

  @Override
  public Future<?> start() {
    // the node's provider chain, shared by every instance (one breaker per provider per node)
    ChatService chat = new ChatService(services.chats(), services.knowledge(), services.ai(), services.events(),
        services.config().chat());
    MessageConsumer<JsonObject> consumer = vertx.eventBus().localConsumer(Addresses.CHAT_REPLY, message ->
        timed(() -> chat.reply(message.body()))
            .onSuccess(message::reply)
            .onFailure(err -> {
              ApiError error = ErrorMapper.toApiError(err);
              message.fail(error.status(), error.toJson().encode());
            }));
    return consumer.completion();
  }

  private Future<JsonObject> timed(java.util.function.Supplier<Future<JsonObject>> turn) {
    long started = System.nanoTime();
    return turn.get().onComplete(ar -> services.metrics().chatTurn(ar.failed() ? "failed"
        : ar.result().getJsonObject("metadata").getBoolean("handoff", false) ? "handoff" : "answered",
        System.nanoTime() - started));
  }
}
