package com.livechat.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/** logback.xml as shipped, in its two formats: lines on stdout, the request id and the access log in them. */
class LogFormatTest {

  /** What the shipped logback.xml, with these variables, prints for two lines. */
  private static List<String> linesPrinted(String format, String level) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    LoggerContext context = new LoggerContext();
    LogbackMDCAdapter mdc = new LogbackMDCAdapter();
    context.setMDCAdapter(mdc);
    if (format != null) {
      context.putProperty("LIVECHAT_LOG_FORMAT", format);
    }
    if (level != null) {
      context.putProperty("LIVECHAT_LOG_LEVEL", level);
    }
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      JoranConfigurator configurator = new JoranConfigurator();
      configurator.setContext(context);
      configurator.doConfigure(LogFormatTest.class.getResource("/logback.xml"));
      Logger server = context.getLogger("com.livechat.Example");
      mdc.put(RequestIds.MDC_KEY, "req-1");
      server.info("inside a request");
      mdc.remove(RequestIds.MDC_KEY);
      server.debug("a debug line");
      context.getLogger(AccessLog.LOGGER).atInfo().addKeyValue("status", 200).log("GET /health 200 1ms 15B req-2");
    } finally {
      // stopping the access log's asynchronous appender first drains it into STDOUT
      context.getLogger(AccessLog.LOGGER).getAppender("ACCESS").stop();
      context.stop();
      System.setOut(stdout);
    }
    return out.toString(StandardCharsets.UTF_8).lines().toList();
  }

  @Test
  void textIsTheDefaultWithTheRequestIdInBrackets() throws Exception {
    List<String> lines = linesPrinted(null, null);
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0)).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO com\\.livechat\\.Example "
        + "- \\[req-1] inside a request");
    assertThat(lines.get(1)).endsWith(" INFO livechat.access - GET /health 200 1ms 15B req-2");
  }

  @Test
  void jsonIsOneObjectPerLineWithTheMdcAndTheAccessFields() throws Exception {
    List<String> lines = linesPrinted("json", "DEBUG");
    assertThat(lines).hasSize(3);
    JsonObject first = new JsonObject(lines.get(0));
    assertThat(first.getString("level")).isEqualTo("INFO");
    assertThat(first.getString("loggerName")).isEqualTo("com.livechat.Example");
    assertThat(first.getString("formattedMessage")).isEqualTo("inside a request");
    assertThat(first.getJsonObject("mdc").getString("requestId")).isEqualTo("req-1");
    assertThat(first.getLong("timestamp")).isPositive();
    assertThat(new JsonObject(lines.get(1)).getString("level")).isEqualTo("DEBUG");
    JsonObject access = new JsonObject(lines.get(2));
    assertThat(access.getString("loggerName")).isEqualTo("livechat.access");
    assertThat(access.encode()).contains("\"status\"");
  }
}
