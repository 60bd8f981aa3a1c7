package com.livechat.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/** The web files as they are loaded: from a jar (as a node runs) or a directory (as tests run). */
class WebAssetsTest {

  private static byte[] gunzip(byte[] bytes) {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void filesAreLoadedFromAJarWithTheirTypesAndEtags() throws IOException {
    Path jar = Files.createTempFile("webroot", ".jar");
    String page = "<!doctype html><title>x</title>" + "<p>hello</p>".repeat(100);
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      // with its directory entries, as the Maven jar plugin writes them
      for (String dir : new String[] {"webroot/", "webroot/dashboard/", "other/"}) {
        out.putNextEntry(new JarEntry(dir));
        out.closeEntry();
      }
      put(out, "webroot/dashboard/index.html", page.getBytes(StandardCharsets.UTF_8));
      put(out, "webroot/widget.js", "console.log(1)".getBytes(StandardCharsets.UTF_8));
      put(out, "webroot/logo.png", new byte[] {(byte) 0x89, 'P', 'N', 'G'});
      put(out, "other/secret.txt", "not served".getBytes(StandardCharsets.UTF_8));
    }
    try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
      WebAssets assets = WebAssets.load(loader, "webroot");
      assertThat(assets.size()).isEqualTo(3);
      WebAssets.Asset index = assets.get("dashboard/index.html");
      assertThat(index.contentType()).isEqualTo("text/html; charset=utf-8");
      assertThat(index.body().toString(StandardCharsets.UTF_8)).isEqualTo(page);
      assertThat(index.etag()).matches("\"[0-9a-f]{32}\"");
      assertThat(index.gzipEtag()).isNotEqualTo(index.etag());
      assertThat(gunzip(index.gzipped().getBytes())).isEqualTo(page.getBytes(StandardCharsets.UTF_8));
      // too small to be worth compressing, or not text
      assertThat(assets.get("widget.js").gzipped()).isNull();
      assertThat(assets.get("logo.png").contentType()).isEqualTo("image/png");
      assertThat(assets.get("logo.png").gzipped()).isNull();
      assertThat(assets.get("../other/secret.txt")).isNull();
      assertThat(assets.get("secret.txt")).isNull();
    } finally {
      Files.deleteIfExists(jar);
    }
  }

  @Test
  void theEtagIsTheContentsHash() {
    byte[] a = "same".getBytes(StandardCharsets.UTF_8);
    assertThat(WebAssets.asset("a.js", a).etag()).isEqualTo(WebAssets.asset("b.js", a.clone()).etag());
    assertThat(WebAssets.asset("a.js", a).etag()).isNotEqualTo(WebAssets.asset("a.js", "other".getBytes()).etag());
    assertThat(WebAssets.asset("x.unknown", a).contentType()).isEqualTo("application/octet-stream");
  }

  @Test
  void aFileAboveTheLimitStopsTheStart() throws IOException {
    Path dir = Files.createTempDirectory("webroot-big");
    Path root = Files.createDirectories(dir.resolve("webroot"));
    Files.write(root.resolve("big.js"), new byte[WebAssets.MAX_FILE_BYTES + 1]);
    try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, null)) {
      assertThatThrownBy(() -> WebAssets.load(loader, "webroot"))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("big.js");
    }
    Files.write(root.resolve("big.js"), new byte[WebAssets.MAX_FILE_BYTES]);
    try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, null)) {
      assertThat(WebAssets.load(loader, "webroot").get("big.js")).isNotNull();
    }
  }

  @Test
  void noWebRootMeansNoFilesNotAFailure() throws IOException {
    try (URLClassLoader loader = new URLClassLoader(new URL[0], null)) {
      assertThat(WebAssets.load(loader, "webroot").size()).isZero();
    }
  }

  private static void put(JarOutputStream out, String name, byte[] content) throws IOException {
    out.putNextEntry(new JarEntry(name));
    OutputStream o = out;
    o.write(content);
    out.closeEntry();
  }
}
