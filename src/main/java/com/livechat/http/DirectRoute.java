package com.livechat.http;

import io.vertx.core.http.HttpServerRequest;

/**
 * A route group that answers its hottest request in front of the router, with exactly the checks
 * and response of its routed path (see WidgetRoutes: widget config reads).
 */
public interface DirectRoute {

  /** @return true when the request was answered; false lets the router have it */
  boolean serveDirectly(HttpServerRequest request);
}
