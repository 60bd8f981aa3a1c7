package com.livechat.voice.twilio;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The carrier's request signature, {@code X-Twilio-Signature}: base64 of HMAC-SHA1 keyed by the
 * account's auth token over the public URL followed by the POST parameters sorted by name, each as
 * name + value. The same code signs (the fake carrier) and checks (the webhooks), so the two cannot
 * drift apart.
 */
public final class TwilioSignature {

  private static final Logger LOG = LoggerFactory.getLogger(TwilioSignature.class);
  private static final String TOKEN_FILE = "twilio-auth-token";

  // by name, then by value: a repeated name (StatusCallbackEvent) is signed in value order
  private static final Comparator<Map.Entry<String, String>> SIGNING_ORDER =
      Map.Entry.<String, String>comparingByKey().thenComparing(Map.Entry.comparingByValue());

  private TwilioSignature() {}

  public static String compute(String authToken, String url, Map<String, String> params) {
    return compute(authToken, url, List.copyOf(params.entrySet()));
  }

  public static String compute(String authToken, String url, List<Map.Entry<String, String>> params) {
    List<Map.Entry<String, String>> sorted = new ArrayList<>(params);
    sorted.sort(SIGNING_ORDER);
    StringBuilder data = new StringBuilder(url);
    for (Map.Entry<String, String> param : sorted) {
      data.append(param.getKey()).append(param.getValue());
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA1");
      mac.init(new SecretKeySpec(authToken.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
      return Base64.getEncoder().encodeToString(mac.doFinal(data.toString().getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA1 is part of every JDK", e);
    }
  }

  public static boolean verify(String authToken, String url, Map<String, String> params, String signature) {
    return verify(authToken, url, List.copyOf(params.entrySet()), signature);
  }

  /**
   * Whether {@code signature} signs this request. Carriers differ in whether they sign the URL with
   * its default port (Twilio itself has done both), so both spellings are accepted.
   */
  public static boolean verify(String authToken, String url, List<Map.Entry<String, String>> params,
      String signature) {
    if (signature == null || signature.isEmpty() || authToken == null || authToken.isEmpty() || url == null) {
      return false;
    }
    byte[] given = signature.getBytes(StandardCharsets.UTF_8);
    boolean valid = false;
    for (String candidate : spellings(url)) {
      // every spelling is checked, so the time taken does not tell which one matched
      byte[] expected = compute(authToken, candidate, params).getBytes(StandardCharsets.UTF_8);
      valid |= MessageDigest.isEqual(expected, given);
    }
    return valid;
  }

  /** The URL as given, and with its default port added (when it has none) or removed (when it has it). */
  private static List<String> spellings(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return List.of();
    }
    int defaultPort = uri.getScheme() == null ? -1 : switch (uri.getScheme().toLowerCase(Locale.ROOT)) {
      case "https", "wss" -> 443;
      case "http", "ws" -> 80;
      default -> -1;
    };
    if (defaultPort < 0 || uri.getRawAuthority() == null) {
      return List.of(url);
    }
    int authorityStart = url.indexOf("://") + 3;
    int authorityEnd = authorityStart;
    while (authorityEnd < url.length() && "/?#".indexOf(url.charAt(authorityEnd)) < 0) {
      authorityEnd++;
    }
    String beforePath = url.substring(0, authorityEnd);
    String rest = url.substring(authorityEnd);
    if (uri.getPort() == -1) {
      return List.of(url, beforePath + ":" + defaultPort + rest);
    }
    if (uri.getPort() == defaultPort) {
      int colon = beforePath.lastIndexOf(':');
      return colon > beforePath.lastIndexOf(']') ? List.of(url, beforePath.substring(0, colon) + rest) : List.of(url);
    }
    return List.of(url);
  }

  /**
   * The configured token, or the one kept in the data dir (generated on first use). The server and
   * the call simulator both resolve it this way, so a simulator on the same machine signs with the
   * token the server checks. Blocking: call at start-up only.
   */
  public static String serverAuthToken(String configured, Path dataDir) {
    if (configured != null && !configured.isBlank()) {
      return configured;
    }
    Path file = dataDir.resolve(TOKEN_FILE);
    try {
      if (Files.exists(file)) {
        return readToken(file);
      }
      Files.createDirectories(dataDir);
      try {
        createPrivate(file);
      } catch (FileAlreadyExistsException raced) {
        // the server and a simulator started together: the other one writes the token
        return readToken(file);
      }
      String token = HexFormat.of().formatHex(com.livechat.store.Ids.randomBytes(32));
      Files.writeString(file, token, StandardCharsets.UTF_8);
      LOG.warn("No Twilio auth token configured: generated one in {}. A real carrier signs with its own: set "
          + "LIVECHAT_TWILIO_AUTH_TOKEN to the account's token (the same on every node of a cluster).",
          file.toAbsolutePath());
      return token;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or write the Twilio auth token in " + file, e);
    }
  }

  /** Created empty and private before the token is written, so it is never readable by others. */
  private static void createPrivate(Path file) throws IOException {
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException notPosix) {
      Files.createFile(file);
    }
  }

  /** Waits briefly for a token another process has just created the file for. */
  private static String readToken(Path file) throws IOException {
    for (int attempt = 0; ; attempt++) {
      String token = Files.readString(file, StandardCharsets.UTF_8).trim();
      if (!token.isEmpty()) {
        return token;
      }
      if (attempt == 20) {
        throw new IOException(file + " is empty: delete it, or set LIVECHAT_TWILIO_AUTH_TOKEN");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while reading " + file, e);
      }
    }
  }
}
