package io.tributary.druid.avro;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.druid.java.util.common.parsers.ParseException;

/**
 * Writer schemas by id from a Confluent-compatible schema registry: {@code GET {registry}/schemas/ids/{id}}
 * answers {@code {"schema": "<schema JSON text>"}} (and {@code schemaType} when it is not Avro).
 *
 * <p>A registry never changes the schema behind an id, so a schema found is kept for the life of the
 * client (one per input format, so per task). A failure is not kept: an id unknown now may be
 * registered a moment later, and an unreachable registry may come back. Each failure is a
 * {@link ParseException}, so Druid counts the message as unparseable and goes on with the next.
 */
final class SchemaRegistryClient {
  // Bounded so that a registry that hangs slows a task down rather than stopping it.
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  private final String baseUrl;
  private final HttpClient http;
  private final ObjectMapper json = new ObjectMapper();
  private final Map<Long, Schema> byId = new ConcurrentHashMap<>();

  SchemaRegistryClient(String registryUrl) {
    this.baseUrl = registryUrl.replaceAll("/+$", "");
    this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
  }

  Schema schema(long id) {
    Schema known = byId.get(id);
    if (known != null) {
      return known;
    }
    Schema fetched = fetch(id);
    byId.putIfAbsent(id, fetched);
    return fetched;
  }

  private Schema fetch(long id) {
    String url = baseUrl + "/schemas/ids/" + id;
    HttpResponse<String> response;
    try {
      HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(REQUEST_TIMEOUT)
          .header("Accept", "application/vnd.schemaregistry.v1+json, application/json").GET().build();
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new ParseException(null, e, "schema registry unreachable for schema id %d (GET %s): %s", id, url, describe(e));
    } catch (InterruptedException e) {
      // The task is being stopped: not a fault of the message, so not counted as one.
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while fetching schema id " + id + " from " + url, e);
    }
    if (response.statusCode() == 404) {
      throw new ParseException(null, "unknown schema id %d: the schema registry answered 404 (GET %s)", id, url);
    }
    if (response.statusCode() != 200) {
      throw new ParseException(null, "schema registry answered HTTP %d for schema id %d (GET %s)", response.statusCode(), id, url);
    }
    return parse(id, url, response.body());
  }

  private Schema parse(long id, String url, String body) {
    JsonNode answer;
    try {
      answer = json.readTree(body);
    } catch (IOException e) {
      throw new ParseException(null, e, "schema registry answer for schema id %d is not JSON (GET %s)", id, url);
    }
    JsonNode type = answer == null ? null : answer.get("schemaType");
    if (type != null && !"AVRO".equals(type.asText())) {
      throw new ParseException(null, "schema id %d is a %s schema, not Avro (GET %s)", id, type.asText(), url);
    }
    JsonNode schema = answer == null ? null : answer.get("schema");
    if (schema == null || !schema.isTextual()) {
      throw new ParseException(null, "schema registry answer for schema id %d has no \"schema\" text (GET %s)", id, url);
    }
    try {
      return new Schema.Parser().parse(schema.asText());
    } catch (SchemaParseException e) {
      throw new ParseException(null, e, "schema id %d is not a valid Avro schema: %s", id, e.getMessage());
    }
  }

  private static String describe(IOException e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
  }
}
