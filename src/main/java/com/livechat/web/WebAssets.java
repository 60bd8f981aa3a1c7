package com.livechat.web;

import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files of the web pages (the widget script, the dashboard, the demo page), read once from
 * the classpath under {@code webroot/} when the node starts and served from memory: each with its
 * content type, a strong ETag of its content, and a gzip copy made once for text files. Nothing
 * outside what was loaded can ever be served, so no request path reaches the file system.
 */
public final class WebAssets {

  private static final Logger LOG = LoggerFactory.getLogger(WebAssets.class);
  /** A larger file is not a web asset of this server: refused at start-up. */
  static final int MAX_FILE_BYTES = 8 * 1024 * 1024;
  /** Smaller text files are sent as they are: gzip would save next to nothing. */
  static final int GZIP_MIN_BYTES = 512;

  private static final Map<String, String> TYPES = Map.ofEntries(
      Map.entry("html", "text/html; charset=utf-8"),
      Map.entry("js", "application/javascript; charset=utf-8"),
      Map.entry("mjs", "application/javascript; charset=utf-8"),
      Map.entry("css", "text/css; charset=utf-8"),
      Map.entry("json", "application/json"),
      Map.entry("map", "application/json"),
      Map.entry("txt", "text/plain; charset=utf-8"),
      Map.entry("svg", "image/svg+xml"),
      Map.entry("png", "image/png"),
      Map.entry("jpg", "image/jpeg"),
      Map.entry("jpeg", "image/jpeg"),
      Map.entry("gif", "image/gif"),
      Map.entry("webp", "image/webp"),
      Map.entry("ico", "image/x-icon"),
      Map.entry("woff2", "font/woff2"),
      Map.entry("woff", "font/woff"));
  private static final java.util.Set<String> COMPRESSIBLE = java.util.Set.of("html", "js", "mjs", "css", "json", "map",
      "txt", "svg");

  /**
   * One file. {@code gzipped} is null when the file is not worth compressing; {@code etag} is a quoted
   * hex digest of the content, and the gzip copy's ETag is {@code gzipEtag} (another representation).
   */
  public record Asset(String path, String contentType, Buffer body, Buffer gzipped, String etag, String gzipEtag) {}

  private final Map<String, Asset> assets;

  private WebAssets(Map<String, Asset> assets) {
    this.assets = Collections.unmodifiableMap(assets);
  }

  /** @return the file at this path under the root ("widget.js", "dashboard/index.html"), or null */
  public Asset get(String path) {
    return assets.get(path);
  }

  public int size() {
    return assets.size();
  }

  /**
   * Reads every file under {@code root} on the classpath (a directory of classes or a jar with its
   * directory entries, as Maven builds it; several classpath entries are merged, the first one
   * winning). Blocking: call at start-up only.
   */
  public static WebAssets load(ClassLoader loader, String root) {
    Map<String, Asset> assets = new HashMap<>();
    try {
      Enumeration<URL> roots = loader.getResources(root);
      while (roots.hasMoreElements()) {
        readTree(roots.nextElement(), assets);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the web assets under " + root + ": " + e.getMessage(), e);
    }
    if (assets.isEmpty()) {
      LOG.warn("No web assets under {} on the classpath: /widget.js, /dashboard/ and /demo answer 404", root);
    }
    return new WebAssets(assets);
  }

  private static void readTree(URL url, Map<String, Asset> into) throws IOException {
    URI uri;
    try {
      uri = url.toURI();
    } catch (URISyntaxException e) {
      throw new IOException("unusable classpath URL " + url, e);
    }
    if ("file".equals(uri.getScheme())) {
      walk(Path.of(uri), into);
      return;
    }
    if ("jar".equals(uri.getScheme())) {
      FileSystem jar;
      boolean opened = false;
      try {
        jar = FileSystems.newFileSystem(uri, Map.of());
        opened = true;
      } catch (FileSystemAlreadyExistsException e) {
        jar = FileSystems.getFileSystem(uri);
      }
      try {
        String inside = uri.getSchemeSpecificPart();
        walk(jar.getPath(inside.substring(inside.indexOf("!/") + 1)), into);
      } finally {
        if (opened) {
          jar.close();
        }
      }
      return;
    }
    LOG.warn("Web assets at {} skipped: not a directory or a jar", url);
  }

  private static void walk(Path base, Map<String, Asset> into) throws IOException {
    try (Stream<Path> files = Files.walk(base)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        String relative = base.relativize(file).toString().replace('\\', '/');
        if (into.containsKey(relative)) {
          continue;
        }
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
          throw new IOException("web asset " + relative + " is " + size + " bytes; at most " + MAX_FILE_BYTES);
        }
        into.put(relative, asset(relative, Files.readAllBytes(file)));
      }
    }
  }

  static Asset asset(String path, byte[] content) {
    String extension = extension(path);
    String type = TYPES.getOrDefault(extension, "application/octet-stream");
    String digest = HexFormat.of().formatHex(sha256(content), 0, 16);
    Buffer gzipped = null;
    if (COMPRESSIBLE.contains(extension) && content.length >= GZIP_MIN_BYTES) {
      byte[] compressed = gzip(content);
      if (compressed.length < content.length) {
        gzipped = Buffer.buffer(compressed);
      }
    }
    return new Asset(path, type, Buffer.buffer(content), gzipped, "\"" + digest + "\"", "\"" + digest + "-gzip\"");
  }

  private static String extension(String path) {
    int slash = path.lastIndexOf('/');
    int dot = path.lastIndexOf('.');
    return dot > slash ? path.substring(dot + 1).toLowerCase(Locale.ROOT) : "";
  }

  private static byte[] gzip(byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(content.length / 2 + 64);
    try (GZIPOutputStream gz = new GZIPOutputStream(out) {
      {
        def.setLevel(java.util.zip.Deflater.BEST_COMPRESSION);
      }
    }) {
      gz.write(content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
