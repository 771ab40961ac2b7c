package io.tributary.druid.avro;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.avro.Schema;

/** Test data: schema catalogue files in published.json's format. */
final class CatalogueFiles {
  private CatalogueFiles() {}

  /** A temporary catalogue file holding one schema, version 1 of its own subject, under the given fingerprint. */
  static Path withOne(String fingerprintHex, Schema schema) {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.putObject(schema.getFullName()).putObject("1").put("fingerprint", fingerprintHex).put("schema", schema.toString());
    return write(root.toString());
  }

  static Path write(String content) {
    try {
      Path file = Files.createTempFile("catalogue", ".json");
      file.toFile().deleteOnExit();
      Files.writeString(file, content);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
