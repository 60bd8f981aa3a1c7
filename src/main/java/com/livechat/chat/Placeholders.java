package com.livechat.chat;

import io.vertx.core.json.JsonObject;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code {{name}}} and {@code {{variable}}} in an assistant's greeting and instructions, filled in
 * with one contact's values (an outbound campaign's columns). A placeholder with no value becomes
 * empty rather than reach the caller or the model as braces.
 */
public final class Placeholders {

  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z_][A-Za-z0-9_]{0,39})\\s*}}");

  private Placeholders() {}

  /** The text with each placeholder replaced by its value in {@code values} (strings, numbers), or removed. */
  public static String fill(String template, JsonObject values) {
    if (template == null || template.indexOf("{{") < 0) {
      return template;
    }
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      Object value = values == null ? null : values.getValue(m.group(1));
      m.appendReplacement(out, Matcher.quoteReplacement(value == null ? "" : String.valueOf(value)));
    }
    m.appendTail(out);
    return out.toString().replaceAll(" {2,}", " ").replaceAll(" ([,.!?])", "$1");
  }
}
