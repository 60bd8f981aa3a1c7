package com.livechat.ops;

import com.livechat.assistant.AssistantCache;
import com.livechat.bus.Addresses;
import com.livechat.widget.WidgetCache;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's own consumers, one instance per node: the cache invalidations every node hears
 * (tenant.changed, assistant.changed) and node.ping, which any node answers with its id. It is
 * ready only once its consumers are registered (cluster-wide when clustered); then
 * {@link #selfCheck} asks the bus for a ping, as a start-up check that the event bus carries
 * requests and replies.
 */
public final class NodeVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(NodeVerticle.class);
  private static final long SELF_CHECK_TIMEOUT_MS = 5_000;

  private final String nodeId;
  private final WidgetCache widgets;
  private final AssistantCache assistants;

  public NodeVerticle(String nodeId, WidgetCache widgets, AssistantCache assistants) {
    this.nodeId = nodeId;
    this.widgets = widgets;
    this.assistants = assistants;
  }

  @Override
  public Future<?> start() {
    var bus = vertx.eventBus();
    return Future.join(
        bus.<JsonObject>consumer(Addresses.TENANT_CHANGED,
            msg -> widgets.invalidate(msg.body().getString("tenantId"))).completion(),
        bus.<JsonObject>consumer(Addresses.ASSISTANT_CHANGED,
            msg -> assistants.invalidate(msg.body().getString("tenantId"), msg.body().getString("assistantId")))
            .completion(),
        bus.<JsonObject>consumer(Addresses.NODE_PING,
            msg -> msg.reply(new JsonObject().put("nodeId", nodeId))).completion());
  }

  /**
   * Sends node.ping and logs which node answered and how fast. A failure is logged, not fatal: a
   * node of a cluster that is still forming may not answer yet, and /ready reports the cluster.
   */
  public static Future<JsonObject> selfCheck(io.vertx.core.Vertx vertx) {
    long started = System.nanoTime();
    return vertx.eventBus().<JsonObject>request(Addresses.NODE_PING, new JsonObject(),
            new DeliveryOptions().setSendTimeout(SELF_CHECK_TIMEOUT_MS))
        .map(reply -> reply.body())
        .onSuccess(body -> LOG.info("Event bus self-check: node.ping answered by node {} in {} ms",
            body.getString("nodeId"), (System.nanoTime() - started) / 1_000_000))
        .onFailure(err -> LOG.warn("Event bus self-check: node.ping got no answer: {}", err.getMessage()));
  }
}
