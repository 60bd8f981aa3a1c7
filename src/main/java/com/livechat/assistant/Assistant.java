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
    JsonObject qualification,
    String transferNumber,
    JsonObject voice) {

  static final String COLUMNS = "id, tenant_id, name, instructions, model, greeting, temperature, max_tokens, "
      + "phone_numbers, qualification, transfer_number, voice";

  /**
   * @param transferNumber E.164 number a voice handoff dials; null = none
   * @param voice {"language", "ttsVoice"} passed through to the carrier; null is {}
   */
  public Assistant {
    voice = voice == null ? new JsonObject() : voice;
  }

  /** An assistant without voice settings (no transfer number, carrier defaults). */
  public Assistant(String id, String tenantId, String name, String instructions, String model, String greeting,
      double temperature, int maxTokens, List<String> phoneNumbers, JsonObject qualification) {
    this(id, tenantId, name, instructions, model, greeting, temperature, maxTokens, phoneNumbers, qualification,
        null, new JsonObject());
  }

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
        row.getJsonObject("qualification"),
        row.getString("transfer_number"),
        row.getJsonObject("voice"));
  }

  /** The contact fields that qualify a conversation once all are known (qualification.requiredFields). */
  public List<String> requiredFields() {
    JsonArray fields = qualification == null ? null : qualification.getJsonArray("requiredFields");
    return fields == null ? List.of() : fields.stream().map(String::valueOf).toList();
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
        .put("qualification", qualification)
        .put("transferNumber", transferNumber)
        .put("voice", voice);
  }
}
