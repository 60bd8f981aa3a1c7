package com.livechat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The README's layout table names every package of the server, so a newcomer finds where a thing lives. */
class ReadmeLayoutTest {

  @Test
  void theLayoutTableNamesEveryPackage() throws IOException {
    String readme = Files.readString(Path.of("README.md"));
    String layout = readme.substring(readme.indexOf("## Layout"));
    Path root = Path.of("src/main/java/com/livechat");
    try (Stream<Path> dirs = Files.walk(root)) {
      for (Path dir : dirs.filter(Files::isDirectory).filter(d -> !d.equals(root)).toList()) {
        String name = root.relativize(dir).toString().replace('\\', '/');
        assertThat(layout).as("README layout names %s/", name).contains("`" + name + "/`");
      }
    }
  }
}
