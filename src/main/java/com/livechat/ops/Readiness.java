package com.livechat.ops;

import io.vertx.core.Future;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.sqlclient.Pool;
import java.util.concurrent.atomic.AtomicBoolean;

/** Whether this node can take traffic: started (migrations ran), database answering, cluster joined. */
public final class Readiness {

  private final Pool pool;
  private final ClusterManager clusterManager;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean stopping = new AtomicBoolean();

  /** @param clusterManager null when the node runs standalone */
  public Readiness(Pool pool, ClusterManager clusterManager) {
    this.pool = pool;
    this.clusterManager = clusterManager;
  }

  public void markStarted() {
    started.set(true);
  }

  /** The node is shutting down: from now on it reports itself not ready, so balancers stop sending it traffic. */
  public void markStopping() {
    stopping.set(true);
  }

  /** @return null when ready, else why not */
  public Future<String> check() {
    if (stopping.get()) {
      return Future.succeededFuture("stopping");
    }
    if (!started.get()) {
      return Future.succeededFuture("starting");
    }
    if (clusterManager != null && !clusterManager.isActive()) {
      return Future.succeededFuture("cluster not joined");
    }
    return pool.query("SELECT 1").execute()
        .map(rows -> (String) null)
        .otherwise(err -> "database unreachable");
  }
}
