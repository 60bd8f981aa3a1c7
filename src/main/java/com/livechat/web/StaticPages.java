package com.livechat.web;

import com.livechat.error.AppError;
import com.livechat.http.ErrorMapper;
import com.livechat.http.RouteGroup;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;

/**
 * The web pages (shared/API.md Part 7): {@code GET /} sends the browser to the dashboard,
 * {@code /dashboard/…} is the agent dashboard (classpath {@code webroot/dashboard/}), {@code
 * /widget.js} the embeddable widget and {@code /demo} a tenant's page that embeds it ({@code
 * webroot/demo/index.html}, its script and styles under {@code /demo/…}). Every file comes from
 * {@link WebAssets}, with an ETag (304 on If-None-Match) and its gzip copy when the client takes
 * gzip. The pages carry a Content-Security-Policy that allows only the server's own scripts and
 * styles; the widget script is public and cached for five minutes. An unknown file is the JSON 404.
 * The HEAD of each is answered too. Responses are compressed here, file by file, never by the
 * server as a whole: that would buffer the chat's event stream.
 */
public final class StaticPages implements RouteGroup {

  /** The pages' policy: the server's own scripts and styles only, no inline code, not framed. */
  public static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
      + "img-src 'self' data: https: http:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; "
      + "form-action 'self'";
  static final String WIDGET_CACHE = "public, max-age=300";
  static final String PAGE_CACHE = "no-cache";
  /** Longer request paths are no file of ours (the router's 404). */
  static final int MAX_PATH = 512;

  private static final String DASHBOARD = "/dashboard/";
  private static final String DEMO = "/demo/";

  /** How a kind of file is served. */
  private enum Policy { PAGE, PUBLIC_SCRIPT }

  private final WebAssets assets;

  public StaticPages(WebAssets assets) {
    this.assets = assets;
  }

  @Override
  public void mount(Router router) {
    router.route("/").method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(ctx -> redirect(ctx, 302, DASHBOARD));
    // the router matches /dashboard/ here too (a trailing slash is optional on an exact path)
    router.route("/dashboard").method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(ctx -> {
          if (ctx.request().path().endsWith("/")) {
            folder(ctx, DASHBOARD);
          } else {
            redirect(ctx, 301, DASHBOARD);
          }
        });
    router.route("/dashboard/*").method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(ctx -> folder(ctx, DASHBOARD));
    router.route("/widget.js").method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(ctx -> serve(ctx, "widget.js", Policy.PUBLIC_SCRIPT));
    // the page reads its query string (/demo?widgetId=…&token=…), so /demo is the page itself
    router.route("/demo").method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(ctx -> serve(ctx, "demo/index.html", Policy.PAGE));
    router.route("/demo/*").method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(ctx -> folder(ctx, DEMO));
  }

  /** Keeps the query string: /dashboard?x=1 → /dashboard/?x=1. */
  private static void redirect(RoutingContext ctx, int status, String to) {
    String query = ctx.request().query();
    ctx.response().setStatusCode(status)
        .putHeader(HttpHeaders.LOCATION, query == null || query.isEmpty() ? to : to + "?" + query)
        .putHeader(HttpHeaders.CACHE_CONTROL, PAGE_CACHE)
        .end();
  }

  /** A folder's path ends in its index.html ({@code /dashboard/}); anything else is the file of that name. */
  private void folder(RoutingContext ctx, String prefix) {
    String path = ctx.normalizedPath();
    if (!path.startsWith(prefix) || path.length() > MAX_PATH) {
      ErrorMapper.respond(ctx.response(), notFound());
      return;
    }
    String file = path.substring(1);
    serve(ctx, file.endsWith("/") ? file + "index.html" : file, Policy.PAGE);
  }

  private void serve(RoutingContext ctx, String file, Policy policy) {
    WebAssets.Asset asset = assets.get(file);
    HttpServerResponse response = ctx.response();
    if (asset == null) {
      ErrorMapper.respond(response, notFound());
      return;
    }
    HttpServerRequest request = ctx.request();
    boolean gzip = asset.gzipped() != null && acceptsGzip(request.getHeader(HttpHeaders.ACCEPT_ENCODING));
    String etag = gzip ? asset.gzipEtag() : asset.etag();
    response.putHeader(HttpHeaders.ETAG, etag)
        .putHeader("X-Content-Type-Options", "nosniff");
    if (asset.gzipped() != null) {
      response.putHeader(HttpHeaders.VARY, HttpHeaders.ACCEPT_ENCODING);
    }
    if (policy == Policy.PUBLIC_SCRIPT) {
      response.putHeader(HttpHeaders.CACHE_CONTROL, WIDGET_CACHE)
          .putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    } else {
      response.putHeader(HttpHeaders.CACHE_CONTROL, PAGE_CACHE)
          .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
          .putHeader("Referrer-Policy", "no-referrer")
          .putHeader("X-Frame-Options", "DENY");
    }
    String ifNoneMatch = request.getHeader(HttpHeaders.IF_NONE_MATCH);
    if (ifNoneMatch != null && matches(ifNoneMatch, asset)) {
      response.setStatusCode(304).end();
      return;
    }
    response.putHeader(HttpHeaders.CONTENT_TYPE, asset.contentType());
    if (gzip) {
      response.putHeader(HttpHeaders.CONTENT_ENCODING, "gzip");
    }
    if (request.method() == HttpMethod.HEAD) {
      response.putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf((gzip ? asset.gzipped() : asset.body()).length()))
          .end();
      return;
    }
    response.end(gzip ? asset.gzipped() : asset.body());
  }

  /** Either representation's ETag matches (the content is the same), as does {@code *}; W/ is ignored. */
  private static boolean matches(String ifNoneMatch, WebAssets.Asset asset) {
    if (ifNoneMatch.trim().equals("*")) {
      return true;
    }
    for (String candidate : ifNoneMatch.split(",")) {
      String c = candidate.trim();
      if (c.startsWith("W/")) {
        c = c.substring(2);
      }
      if (c.equals(asset.etag()) || c.equals(asset.gzipEtag())) {
        return true;
      }
    }
    return false;
  }

  /** gzip listed in Accept-Encoding with a q above 0; else {@code *} with one. */
  static boolean acceptsGzip(String acceptEncoding) {
    if (acceptEncoding == null) {
      return false;
    }
    Double gzip = null;
    Double any = null;
    for (String part : acceptEncoding.split(",")) {
      String[] pieces = part.split(";");
      String coding = pieces[0].trim().toLowerCase(Locale.ROOT);
      if (coding.equals("gzip")) {
        gzip = quality(pieces);
      } else if (coding.equals("*")) {
        any = quality(pieces);
      }
    }
    Double q = gzip != null ? gzip : any;
    return q != null && q > 0;
  }

  private static double quality(String[] pieces) {
    for (int i = 1; i < pieces.length; i++) {
      String param = pieces[i].trim().toLowerCase(Locale.ROOT);
      if (param.startsWith("q=")) {
        try {
          return Double.parseDouble(param.substring(2));
        } catch (NumberFormatException e) {
          return 0;
        }
      }
    }
    return 1;
  }

  private static AppError notFound() {
    return AppError.notFound("not_found", "No such resource.");
  }
}
