package io.tributary.druid.avro;

import com.fasterxml.jackson.databind.Module;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.google.inject.Binder;
import java.util.List;
import org.apache.druid.initialization.DruidModule;

/**
 * The extension's entry point, found by Druid through META-INF/services: it names the input format
 * {@value TributaryAvroInputFormat#TYPE} for Jackson. Nothing is bound in Guice.
 */
public final class TributaryAvroModule implements DruidModule {
  @Override
  public List<? extends Module> getJacksonModules() {
    return List.of(new SimpleModule(getClass().getSimpleName())
        .registerSubtypes(new NamedType(TributaryAvroInputFormat.class, TributaryAvroInputFormat.TYPE)));
  }

  @Override
  public void configure(Binder binder) {}
}
