package com.livechat.dashboard;

import com.livechat.http.ApiError;
import com.livechat.http.Bodies;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/** The body of POST /api/assistants/:id/knowledge, validated field by field. */
record KnowledgeInput(String title, String content) {

  static final int TITLE_MAX = 200;
  static final int CONTENT_MAX = 20_000;
  /** Entries one assistant may have; the next create answers 409 knowledge_limit_reached. */
  static final int ENTRIES_MAX = 1000;

  private static final Set<String> FIELDS = Set.of("title", "content");

  static KnowledgeInput parse(JsonObject body) {
    for (String field : body.fieldNames()) {
      if (!FIELDS.contains(field)) {
        throw ApiError.invalid("invalid_field", "Unknown field " + field + "; allowed: title, content.");
      }
    }
    String title = Bodies.requiredText(body, "title", 1, TITLE_MAX);
    if (title.chars().anyMatch(Character::isISOControl)) {
      throw ApiError.invalid("invalid_title", "title must not contain control characters such as line breaks.");
    }
    return new KnowledgeInput(title, Bodies.requiredText(body, "content", 1, CONTENT_MAX));
  }
}
