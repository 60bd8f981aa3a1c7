package com.livechat.assistant;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.util.Arrays;
import java.util.List;

public record Assistant(
    String id,
    String tenantId,
    String name,
    String instructions,
    String model,
    String greeting,
    double temperature,
    int maxTokens,
    List<String> phoneNumbers,
    JsonObject qualification) {

  static final String COLUMNS =
      "id, tenant_id, name, instructions, model, greeting, temperature, max_tokens, phone_numbers, qualification";

  static Assistant from(Row row) {
    String[] phones = row.getArrayOfStrings("phone_numbers");
    return new Assistant(
        row.getString("id"),
        row.getString("tenant_id"),
        row.getString("name"),
        row.getString("instructions"),
        row.getString("model"),
        row.getString("greeting"),
        row.getDouble("temperature"),
        row.getInteger("max_tokens"),
        phones == null ? List.of() : Arrays.asList(phones),
        row.getJsonObject("qualification"));
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("name", name)
        .put("instructions", instructions)
        .put("model", model)
        .put("greeting", greeting)
        .put("temperature", temperature)
        .put("maxTokens", maxTokens)
        .put("phoneNumbers", new JsonArray(phoneNumbers))
        .put("qualification", qualification);
  }
}
