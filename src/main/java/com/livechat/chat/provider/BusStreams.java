package com.livechat.chat.provider;

import com.livechat.bus.Addresses;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's consumer of streamed bus-provider chunks ({@code ai.stream.<nodeId>}, one
 * registration per node, made once): a worker sends each chunk of a streamed reply there with the
 * {@code stream-id} and {@code stream-seq} the request named, and the chunk goes to the turn's
 * attempt on the turn's context. A chunk of a stream no longer open (ended, timed out) is dropped.
 */
public final class BusStreams {

  /** Receives one chunk of its stream, on the context it opened the stream on. */
  interface Listener {
    void chunk(int seq, JsonObject chunk);
  }

  private record Open(Context context, Listener listener) {}

  private final String address;
  private final Map<String, Open> open = new ConcurrentHashMap<>();
  private final MessageConsumer<Object> consumer;
  private final Future<Void> ready;

  public BusStreams(Vertx vertx, String nodeId) {
    this.address = Addresses.aiStream(nodeId);
    this.consumer = vertx.eventBus().consumer(address, this::onChunk);
    this.ready = consumer.completion();
  }

  /** Where workers send this node's chunks. */
  String address() {
    return address;
  }

  /** Completes once the consumer is known cluster-wide. */
  Future<Void> ready() {
    return ready;
  }

  void open(String streamId, Context context, Listener listener) {
    open.put(streamId, new Open(context, listener));
  }

  void close(String streamId) {
    open.remove(streamId);
  }

  public Future<Void> close() {
    return consumer.unregister();
  }

  private void onChunk(Message<Object> message) {
    Open o = open.get(String.valueOf(message.headers().get("stream-id")));
    if (o == null || !(message.body() instanceof JsonObject chunk)) {
      return;
    }
    int seq;
    try {
      seq = Integer.parseInt(String.valueOf(message.headers().get("stream-seq")));
    } catch (NumberFormatException e) {
      return;
    }
    o.context().runOnContext(v -> o.listener().chunk(seq, chunk));
  }
}
