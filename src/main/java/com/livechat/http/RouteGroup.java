package com.livechat.http;

import io.vertx.ext.web.Router;

/**
 * The routes of one feature (widget, accounts, conversations, …). Built per HTTP verticle instance
 * with exactly the collaborators its handlers use, then mounted on that instance's router.
 */
public interface RouteGroup {

  void mount(Router router);
}
