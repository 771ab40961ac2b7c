package io.tributary.test;

import io.openlineage.client.OpenLineage;
import io.openlineage.client.OpenLineageClient;
import io.openlineage.client.transports.ApiKeyTokenProvider;
import io.openlineage.client.transports.HttpConfig;
import io.openlineage.client.transports.HttpTransport;
import java.net.URI;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.UUID;

/**
 * Emits one run of a job through the OpenLineage Java client's HTTP transport, authenticated with an
 * API key (ApiKeyTokenProvider, sent as Bearer), to the default endpoint `api/v1/lineage`: START, then
 * COMPLETE with two Postgres inputs and one output carrying the schema and columnLineage facets.
 * Arguments: the Tributary URL, the API key, the job's name. Exits non-zero if the client throws.
 */
public final class EmitLineage {
  private static final String NAMESPACE = "postgres://db.prod:5432";

  public static void main(String[] args) throws Exception {
    if (args.length != 3) throw new IllegalArgumentException("usage: EmitLineage <url> <api key> <job name>");
    HttpConfig config = new HttpConfig();
    config.setUrl(URI.create(args[0]));
    ApiKeyTokenProvider auth = new ApiKeyTokenProvider();
    auth.setApiKey(args[1]);
    config.setAuth(auth);
    OpenLineageClient client = OpenLineageClient.builder().transport(new HttpTransport(config)).build();

    OpenLineage ol = new OpenLineage(URI.create("https://github.com/tributary/test/openlineage-java"));
    UUID runId = UUID.randomUUID();
    OpenLineage.Job job = ol.newJobBuilder().namespace("spark").name(args[2]).build();
    List<OpenLineage.InputDataset> inputs = List.of(
        ol.newInputDatasetBuilder().namespace(NAMESPACE).name("shop.public.orders")
            .facets(ol.newDatasetFacetsBuilder().schema(schema(ol, "id", "bigint", "amount", "numeric")).build()).build(),
        ol.newInputDatasetBuilder().namespace(NAMESPACE).name("shop.public.customers")
            .facets(ol.newDatasetFacetsBuilder().schema(schema(ol, "id", "bigint", "name", "text")).build()).build());
    OpenLineage.ColumnLineageDatasetFacet columnLineage = ol.newColumnLineageDatasetFacetBuilder()
        .fields(ol.newColumnLineageDatasetFacetFieldsBuilder()
            .put("total", ol.newColumnLineageDatasetFacetFieldsAdditionalBuilder()
                .inputFields(List.of(inputField(ol, "shop.public.orders", "amount", "AGGREGATION"))).build())
            .put("customer_name", ol.newColumnLineageDatasetFacetFieldsAdditionalBuilder()
                .inputFields(List.of(inputField(ol, "shop.public.customers", "name", "IDENTITY"))).build())
            .build())
        .build();
    List<OpenLineage.OutputDataset> outputs = List.of(
        ol.newOutputDatasetBuilder().namespace(NAMESPACE).name("shop.public.customer_totals")
            .facets(ol.newDatasetFacetsBuilder().schema(schema(ol, "customer_name", "text", "total", "numeric")).columnLineage(columnLineage).build())
            .build());

    client.emit(ol.newRunEventBuilder().eventType(OpenLineage.RunEvent.EventType.START).eventTime(ZonedDateTime.now())
        .run(ol.newRunBuilder().runId(runId).build()).job(job).inputs(inputs).outputs(outputs).build());
    client.emit(ol.newRunEventBuilder().eventType(OpenLineage.RunEvent.EventType.COMPLETE).eventTime(ZonedDateTime.now())
        .run(ol.newRunBuilder().runId(runId).build()).job(job).inputs(inputs).outputs(outputs).build());
    client.close();
    System.out.println("emitted run " + runId);
  }

  private static OpenLineage.SchemaDatasetFacet schema(OpenLineage ol, String... nameTypePairs) {
    List<OpenLineage.SchemaDatasetFacetFields> fields = new java.util.ArrayList<>();
    for (int i = 0; i < nameTypePairs.length; i += 2) {
      fields.add(ol.newSchemaDatasetFacetFieldsBuilder().name(nameTypePairs[i]).type(nameTypePairs[i + 1]).build());
    }
    return ol.newSchemaDatasetFacetBuilder().fields(fields).build();
  }

  private static OpenLineage.InputField inputField(OpenLineage ol, String dataset, String field, String subtype) {
    return ol.newInputFieldBuilder().namespace(NAMESPACE).name(dataset).field(field)
        .transformations(List.of(ol.newInputFieldTransformationsBuilder().type("DIRECT").subtype(subtype).build()))
        .build();
  }
}
