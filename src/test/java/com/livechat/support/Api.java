package com.livechat.support;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A plain HTTP client for tests: real requests to a running node, answers as JSON. */
public final class Api {

  public record Response(int status, java.net.http.HttpHeaders headers, String text) {
    public JsonObject json() {
      return new JsonObject(text);
    }

    public String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    public String errorCode() {
      return json().getJsonObject("error").getString("code");
    }
  }

  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final String base;

  public Api(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  public Response get(String path, String... headers) {
    return send(builder(path, headers).GET());
  }

  public Response post(String path, Object body, String... headers) {
    String text = body == null ? "" : body.toString();
    return send(builder(path, headers).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(text)));
  }

  public Response method(String method, String path, String body, String... headers) {
    return send(builder(path, headers).method(method,
        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)));
  }

  private HttpRequest.Builder builder(String path, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return b;
  }

  private static Response send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> r = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.headers(), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Signs a new tenant up; returns the signup response body. */
  public JsonObject signup(String email) {
    Response r = post("/api/auth/signup", new JsonObject().put("email", email).put("password", "correct horse battery")
        .put("companyName", "Acme " + email));
    if (r.status() != 201) {
      throw new IllegalStateException("signup failed: " + r.status() + " " + r.text());
    }
    return r.json();
  }

  public static String bearer(String token) {
    return "Bearer " + token;
  }
}
