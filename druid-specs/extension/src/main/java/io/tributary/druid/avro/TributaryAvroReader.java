package io.tributary.druid.avro;

import com.google.common.collect.Iterators;
import java.io.IOException;
import java.io.InputStream;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.druid.data.input.InputEntity;
import org.apache.druid.data.input.InputRow;
import org.apache.druid.data.input.InputRowSchema;
import org.apache.druid.data.input.IntermediateRowParsingReader;
import org.apache.druid.data.input.impl.MapInputRowParser;
import org.apache.druid.java.util.common.CloseableIterators;
import org.apache.druid.java.util.common.parsers.CloseableIterator;
import org.apache.druid.java.util.common.parsers.ParseException;

/**
 * Reads one entity as one framed Avro message and makes one row of it.
 *
 * <p>Kafka (and Kinesis) ingestion creates the reader once, over an entity whose bytes it replaces with
 * each record's before calling {@link #read()}, so the entity is opened anew on every read. The message
 * is decoded in {@link #parseInputRows}, not while iterating: there Druid turns a {@code ParseException}
 * into an unparseable row (counted, logged, and the task goes on) in streaming and batch ingestion alike.
 */
final class TributaryAvroReader extends IntermediateRowParsingReader<byte[]> {
  // How much of a bad message Druid's parse-exception log shows.
  private static final int LOGGED_BYTES = 64;

  private final InputRowSchema rowSchema;
  private final InputEntity source;
  private final FramedAvroDecoder decoder;

  TributaryAvroReader(InputRowSchema rowSchema, InputEntity source, FramedAvroDecoder decoder) {
    this.rowSchema = rowSchema;
    this.source = source;
    this.decoder = decoder;
  }

  @Override
  protected CloseableIterator<byte[]> intermediateRowIterator() throws IOException {
    try (InputStream in = source.open()) {
      return CloseableIterators.withEmptyBaggage(Iterators.singletonIterator(in.readAllBytes()));
    }
  }

  @Override
  protected InputEntity source() {
    return source;
  }

  @Override
  protected List<InputRow> parseInputRows(byte[] message) {
    return List.of(MapInputRowParser.parse(rowSchema, decode(message)));
  }

  @Override
  protected List<Map<String, Object>> toMap(byte[] message) {
    return List.of(decode(message));
  }

  // Druid reports an unparseable row with the input its ParseException carries: here, the message's bytes.
  private Map<String, Object> decode(byte[] message) {
    try {
      return decoder.decode(message);
    } catch (ParseException e) {
      throw new ParseException(intermediateRowAsString(message), e, "%s", e.getMessage());
    }
  }

  @Override
  protected String intermediateRowAsString(byte[] message) {
    int shown = Math.min(message.length, LOGGED_BYTES);
    return String.format("%d bytes: %s%s", message.length, HexFormat.of().formatHex(message, 0, shown), shown < message.length ? "..." : "");
  }
}
