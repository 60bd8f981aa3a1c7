package com.livechat.browser;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

/**
 * A tenant's own web site, on an origin of its own (another port of 127.0.0.1 than the node's): a
 * plain page that embeds the widget with the one script tag of the dashboard's snippet, the widget
 * id and token taken from the page's query string ({@code /shop?widgetId=…&token=…}).
 */
final class TenantSite implements AutoCloseable {

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final int nodePort;

  TenantSite(int nodePort) {
    this.nodePort = nodePort;
    this.server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1").await();
  }

  /** The shop page of this site with the widget of {@code widgetId}. */
  String shop(String widgetId, String widgetToken) {
    return origin() + "/shop?widgetId=" + widgetId + "&token=" + widgetToken;
  }

  String origin() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  /** A page of this site without the widget: where a test clears the site's storage between visits. */
  String blank() {
    return origin() + "/blank";
  }

  private void handle(HttpServerRequest request) {
    if (request.path().equals("/blank")) {
      request.response().putHeader("Content-Type", "text/html; charset=utf-8")
          .end("<!doctype html><html lang=\"en\"><head><title>Blank</title></head><body></body></html>");
      return;
    }
    if (!request.path().equals("/shop")) {
      request.response().setStatusCode(404).end();
      return;
    }
    String page = """
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>Northwind Outdoor</title>
          <style>
            body { font-family: Georgia, serif; margin: 0; color: #1f2933; background: #f7f5f0; }
            header { padding: 24px 48px; background: #264653; color: #fff; }
            main { padding: 32px 48px; max-width: 720px; }
            a { color: #2a9d8f; }
          </style>
        </head>
        <body>
          <header><h1>Northwind Outdoor</h1></header>
          <main>
            <p>Tents, stoves and boots for every season. Free returns within 30 days.</p>
            <p><a href="#pricing">See our prices</a></p>
          </main>
          <script src="http://127.0.0.1:%d/widget.js" data-widget-id="%s" data-widget-token="%s" async></script>
        </body>
        </html>
        """.formatted(nodePort, attribute(request.getParam("widgetId")), attribute(request.getParam("token")));
    request.response().putHeader("Content-Type", "text/html; charset=utf-8").putHeader("Cache-Control", "no-store")
        .end(page);
  }

  private static String attribute(String value) {
    return value == null ? "" : value.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;");
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
