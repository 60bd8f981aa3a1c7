package com.livechat.support;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/** The operations docs/openapi.yaml documents, with their parameters and request bodies, $refs resolved. */
public final class OpenApiSpec {

  public static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

  public record Parameter(String name, String in, Map<String, Object> schema, boolean required) {}

  /**
   * One documented operation: {@code bodies} maps a request content type to its schema (with
   * {@code example} when the spec gives one), {@code security} the names of its schemes.
   */
  public record Operation(String method, String path, List<Parameter> parameters,
      Map<String, Map<String, Object>> bodies, Map<String, Object> bodyExamples, List<String> security,
      boolean websocket) {

    public String key() {
      return method.toUpperCase(Locale.ROOT) + " " + path;
    }

    public List<Parameter> in(String where) {
      return parameters.stream().filter(p -> p.in().equals(where)).toList();
    }
  }

  private final Map<String, Object> root;
  private final List<Operation> operations = new ArrayList<>();

  @SuppressWarnings("unchecked")
  private OpenApiSpec(Map<String, Object> root) {
    this.root = root;
    Map<String, Object> paths = (Map<String, Object>) root.get("paths");
    for (Map.Entry<String, Object> path : paths.entrySet()) {
      Map<String, Object> item = map(path.getValue());
      List<Object> shared = list(item.get("parameters"));
      for (Map.Entry<String, Object> op : item.entrySet()) {
        if (METHODS.contains(op.getKey())) {
          operations.add(operation(op.getKey(), path.getKey(), map(op.getValue()), shared));
        }
      }
    }
  }

  public static OpenApiSpec load(Path file) {
    LoaderOptions options = new LoaderOptions();
    options.setMaxAliasesForCollections(1_000);
    options.setCodePointLimit(50 * 1024 * 1024);
    try (Reader reader = Files.newBufferedReader(file)) {
      Map<String, Object> root = new Yaml(options).load(reader);
      return new OpenApiSpec(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public List<Operation> operations() {
    return operations;
  }

  /** The paths, each with the methods documented on it. */
  public Map<String, List<String>> methodsByPath() {
    Map<String, List<String>> byPath = new LinkedHashMap<>();
    for (Operation op : operations) {
      byPath.computeIfAbsent(op.path(), p -> new ArrayList<>()).add(op.method());
    }
    return byPath;
  }

  /** A schema with its $ref followed and allOf/oneOf/anyOf's properties merged into one object schema. */
  @SuppressWarnings("unchecked")
  public Map<String, Object> schema(Object node) {
    Map<String, Object> schema = new LinkedHashMap<>(map(resolve(node)));
    for (String combinator : List.of("allOf", "oneOf", "anyOf")) {
      for (Object part : list(schema.get(combinator))) {
        Map<String, Object> resolved = schema(part);
        Map<String, Object> properties = new LinkedHashMap<>(map(schema.get("properties")));
        properties.putAll(map(resolved.get("properties")));
        if (!properties.isEmpty()) {
          schema.put("properties", properties);
        }
        resolved.forEach(schema::putIfAbsent);
      }
    }
    return schema;
  }

  private Operation operation(String method, String path, Map<String, Object> op, List<Object> shared) {
    List<Parameter> parameters = new ArrayList<>();
    List<Object> all = new ArrayList<>(shared);
    all.addAll(list(op.get("parameters")));
    for (Object p : all) {
      Map<String, Object> param = map(resolve(p));
      parameters.add(new Parameter(String.valueOf(param.get("name")), String.valueOf(param.get("in")),
          schema(param.getOrDefault("schema", Map.of())), Boolean.TRUE.equals(param.get("required"))));
    }
    Map<String, Map<String, Object>> bodies = new LinkedHashMap<>();
    Map<String, Object> examples = new LinkedHashMap<>();
    Map<String, Object> requestBody = map(resolve(op.get("requestBody")));
    for (Map.Entry<String, Object> content : map(requestBody.get("content")).entrySet()) {
      Map<String, Object> media = map(content.getValue());
      bodies.put(content.getKey(), schema(media.getOrDefault("schema", Map.of())));
      Object example = media.get("example");
      if (example == null) {
        for (Object named : map(media.get("examples")).values()) {
          example = map(resolve(named)).get("value");
          break;
        }
      }
      if (example != null) {
        examples.put(content.getKey(), example);
      }
    }
    List<String> security = new ArrayList<>();
    for (Object requirement : list(op.get("security"))) {
      security.addAll(map(requirement).keySet());
    }
    return new Operation(method, path, parameters, bodies, examples, security, op.containsKey("x-websocket"));
  }

  private Object resolve(Object node) {
    Map<String, Object> m = map(node);
    Object ref = m.get("$ref");
    if (ref == null) {
      return node;
    }
    Object target = root;
    for (String part : ref.toString().substring(2).split("/")) {
      target = map(target).get(part.replace("~1", "/").replace("~0", "~"));
    }
    return resolve(target);
  }

  @SuppressWarnings("unchecked")
  public static Map<String, Object> map(Object node) {
    return node instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  @SuppressWarnings("unchecked")
  public static List<Object> list(Object node) {
    return node instanceof List<?> l ? (List<Object>) l : List.of();
  }
}
