package io.tributary.druid.avro;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.Schema;

/**
 * A Confluent-compatible registry's one read endpoint, {@code GET /schemas/ids/{id}}, on a free loopback
 * port, with the schemas it is given; it records the paths it was asked for.
 */
final class FakeSchemaRegistry implements AutoCloseable {
  private final HttpServer server;
  final List<String> requests = new CopyOnWriteArrayList<>();

  FakeSchemaRegistry(Map<Integer, Schema> schemas) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/schemas/ids/", exchange -> {
      String path = exchange.getRequestURI().getPath();
      requests.add(path);
      Schema schema = schemas.get(Integer.valueOf(path.substring(path.lastIndexOf('/') + 1)));
      String answer = schema == null
          ? "{\"error_code\":40403,\"message\":\"Schema not found\"}"
          : "{\"schema\":" + quoted(schema.toString()) + "}";
      byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
      exchange.sendResponseHeaders(schema == null ? 404 : 200, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private static String quoted(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
