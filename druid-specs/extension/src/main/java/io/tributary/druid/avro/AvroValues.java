package io.tributary.druid.avro;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;

/**
 * Avro's generic values as the plain Java values Druid's row parsers understand. The decoder already
 * unwraps unions (a union value is its branch's value) and applies no logical-type conversion, so a
 * {@code timestamp-millis} arrives as its epoch-millis {@code Long}; what is left is Avro's own types:
 * strings (Utf8) and enum symbols become {@code String}, arrays {@code List}, maps and nested records
 * {@code Map<String, Object>}, bytes and fixed {@code byte[]}.
 */
final class AvroValues {
  private AvroValues() {}

  /** A record's top-level fields by name, in the writer schema's order; the row Druid picks columns from. */
  static Map<String, Object> fieldsOf(GenericRecord record) {
    Map<String, Object> fields = new LinkedHashMap<>();
    for (Schema.Field field : record.getSchema().getFields()) {
      fields.put(field.name(), plain(record.get(field.pos())));
    }
    return fields;
  }

  private static Object plain(Object value) {
    if (value instanceof CharSequence || value instanceof GenericEnumSymbol) {
      return value.toString();
    }
    if (value instanceof GenericRecord record) {
      return fieldsOf(record);
    }
    if (value instanceof Collection<?> items) {
      var list = new ArrayList<>(items.size());
      for (Object item : items) {
        list.add(plain(item));
      }
      return list;
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      map.forEach((key, item) -> out.put(key.toString(), plain(item)));
      return out;
    }
    if (value instanceof ByteBuffer bytes) {
      byte[] copy = new byte[bytes.remaining()];
      bytes.duplicate().get(copy);
      return copy;
    }
    if (value instanceof GenericFixed fixed) {
      return fixed.bytes().clone();
    }
    return value; // null, Boolean, Integer, Long, Float, Double
  }
}
