package io.tributary.druid.avro;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.apache.druid.data.input.ColumnsFilter;
import org.apache.druid.data.input.InputEntity;
import org.apache.druid.data.input.InputEntityReader;
import org.apache.druid.data.input.InputFormat;
import org.apache.druid.data.input.InputRow;
import org.apache.druid.data.input.InputRowSchema;
import org.apache.druid.data.input.impl.ByteEntity;
import org.apache.druid.data.input.impl.DimensionsSpec;
import org.apache.druid.data.input.impl.TimestampSpec;
import org.apache.druid.initialization.DruidModule;
import org.apache.druid.jackson.DefaultObjectMapper;
import org.apache.druid.java.util.common.parsers.CloseableIterator;

/** Druid's side of the tests: its object mapper with the extension's modules, and its row schema. */
final class DruidReading {
  /** Druid's object mapper with every DruidModule on the class path registered, as a Druid service does. */
  static final ObjectMapper MAPPER = mapperWithExtensions();

  /** The datasource's timestampSpec and dimensionsSpec, from druid-specs/incident-facts.data-schema.json. */
  static final InputRowSchema INCIDENT_FACTS = incidentFactsRowSchema();

  private DruidReading() {}

  private static ObjectMapper mapperWithExtensions() {
    ObjectMapper mapper = new DefaultObjectMapper();
    for (DruidModule module : ServiceLoader.load(DruidModule.class)) {
      mapper.registerModules(module.getJacksonModules());
    }
    return mapper;
  }

  private static InputRowSchema incidentFactsRowSchema() {
    try {
      JsonNode dataSchema = MAPPER.readTree(Path.of("../incident-facts.data-schema.json").toFile());
      return new InputRowSchema(
          MAPPER.treeToValue(dataSchema.get("timestampSpec"), TimestampSpec.class),
          MAPPER.treeToValue(dataSchema.get("dimensionsSpec"), DimensionsSpec.class),
          ColumnsFilter.all());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What a reader's read() yields for one entity, as an ingestion task takes it. */
  static List<InputRow> read(InputFormat format, byte[] message) throws IOException {
    return read(format.createReader(INCIDENT_FACTS, new ByteEntity(message), null));
  }

  static List<InputRow> read(InputEntityReader reader) throws IOException {
    List<InputRow> rows = new ArrayList<>();
    try (CloseableIterator<InputRow> it = reader.read()) {
      it.forEachRemaining(rows::add);
    }
    return rows;
  }

  /**
   * An entity whose bytes are replaced between reads, as Kafka ingestion's SettableByteEntity does with
   * each record (that class is in druid-indexing-service, which the extension does not depend on).
   */
  static final class ReplacedBytes implements InputEntity {
    byte[] current = new byte[0];

    @Override
    public URI getUri() {
      return null;
    }

    @Override
    public InputStream open() {
      return new ByteEntity(current).open();
    }
  }
}
