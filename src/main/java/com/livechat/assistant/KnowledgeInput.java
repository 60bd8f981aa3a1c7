package com.livechat.assistant;

import com.livechat.error.AppError;
import com.livechat.http.Bodies;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** The body of POST /api/assistants/:id/knowledge, validated field by field. */
public record KnowledgeInput(String title, String content) {

  public static final int TITLE_MAX = 200;
  public static final int CONTENT_MAX = 20_000;
  /** Entries one assistant may have; the next create answers 409 knowledge_limit_reached. */
  public static final int ENTRIES_MAX = 1000;

  static KnowledgeInput parse(JsonObject body) {
    Bodies.onlyFields(body, List.of("title", "content"));
    String title = Bodies.requiredText(body, "title", 1, TITLE_MAX);
    if (title.chars().anyMatch(Character::isISOControl)) {
      throw AppError.invalid("invalid_title", "title must not contain control characters such as line breaks.");
    }
    return new KnowledgeInput(title, Bodies.requiredText(body, "content", 1, CONTENT_MAX));
  }
}
