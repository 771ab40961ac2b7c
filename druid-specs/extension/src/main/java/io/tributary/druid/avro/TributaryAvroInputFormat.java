package io.tributary.druid.avro;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.google.common.base.Supplier;
import com.google.common.base.Suppliers;
import java.io.File;
import java.nio.file.Path;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.druid.data.input.InputEntity;
import org.apache.druid.data.input.InputEntityReader;
import org.apache.druid.data.input.InputFormat;
import org.apache.druid.data.input.InputRowSchema;

/**
 * {@code "inputFormat": {"type": "tributary-avro", "registryUrl": ..., "schemaCatalogue": ...}}: each
 * entity is one Avro message in either framing Tributary writes, made into a row of its record's
 * top-level fields (see druid-specs/README.md, "The input format").
 *
 * <ul>
 *   <li>{@code registryUrl} (optional): a Confluent-compatible schema registry for Confluent-framed
 *       messages; without it they are unparseable.</li>
 *   <li>{@code schemaCatalogue} (optional): a file in published.json's format on the machines that run
 *       the tasks; by default the catalogue bundled into the jar when it was built.</li>
 * </ul>
 */
public final class TributaryAvroInputFormat implements InputFormat {
  static final String TYPE = "tributary-avro";

  @Nullable private final String registryUrl;
  @Nullable private final String schemaCatalogue;
  // Built on the first reader, not here: the overlord deserializes the spec too, and the catalogue file
  // need only exist where tasks run. Shared by the readers of one task, so the registry cache is too.
  private final Supplier<FramedAvroDecoder> decoder;

  @JsonCreator
  public TributaryAvroInputFormat(
      @JsonProperty("registryUrl") @Nullable String registryUrl,
      @JsonProperty("schemaCatalogue") @Nullable String schemaCatalogue) {
    this.registryUrl = registryUrl;
    this.schemaCatalogue = schemaCatalogue;
    this.decoder = Suppliers.memoize(() -> new FramedAvroDecoder(
        schemaCatalogue == null ? SchemaCatalogue.bundled() : SchemaCatalogue.fromFile(Path.of(schemaCatalogue)),
        registryUrl == null ? null : new SchemaRegistryClient(registryUrl)));
  }

  @Nullable
  @JsonProperty
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public String getRegistryUrl() {
    return registryUrl;
  }

  @Nullable
  @JsonProperty
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public String getSchemaCatalogue() {
    return schemaCatalogue;
  }

  /** One message per entity: there is nothing to split. */
  @Override
  public boolean isSplittable() {
    return false;
  }

  @Override
  public InputEntityReader createReader(InputRowSchema rowSchema, InputEntity source, File temporaryDirectory) {
    return new TributaryAvroReader(rowSchema, source, decoder.get());
  }

  // Druid compares specs (a supervisor's spec against the stored one), so equality is by properties.
  @Override
  public boolean equals(Object o) {
    return o instanceof TributaryAvroInputFormat other
        && Objects.equals(registryUrl, other.registryUrl)
        && Objects.equals(schemaCatalogue, other.schemaCatalogue);
  }

  @Override
  public int hashCode() {
    return Objects.hash(registryUrl, schemaCatalogue);
  }

  @Override
  public String toString() {
    return "TributaryAvroInputFormat{registryUrl=" + registryUrl + ", schemaCatalogue=" + schemaCatalogue + "}";
  }
}
