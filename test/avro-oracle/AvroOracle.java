import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * Avro's own verdicts for a corpus of schema evolutions: reads a JSON array of {name, old, new} (old/new:
 * Avro schemas as JSON values) and prints a JSON array of {name, backward, forward}, where backward means
 * the new schema reads data written with the old one (SchemaCompatibility.checkReaderWriterCompatibility
 * with reader = new, writer = old) and forward the other way round. A schema Avro's parser rejects yields
 * {name, error}. An entry {name, schema} is a parse-only case: {name, valid} says whether Avro's parser accepts it.
 * Run: java -cp "$(cat classpath)" AvroOracle.java corpus.json
 */
public class AvroOracle {
  public static void main(String[] args) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    // the corpus itself may nest deeper than Jackson's defaults: only Avro's own parser may refuse a schema
    mapper.getFactory()
        .setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(1_000_000).build())
        .setStreamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(1_000_000).build());
    JsonNode corpus = mapper.readTree(new File(args[0]));
    ArrayNode out = mapper.createArrayNode();
    for (JsonNode c : corpus) {
      ObjectNode r = out.addObject();
      r.put("name", c.get("name").asText());
      if (c.has("schema")) { // a parse-only case: does Avro's parser accept it?
        try {
          new Schema.Parser().parse(mapper.writeValueAsString(c.get("schema")));
          r.put("valid", true);
        } catch (Exception e) {
          r.put("valid", false);
          r.put("error", e.getMessage());
        }
        continue;
      }
      try {
        Schema before = new Schema.Parser().parse(mapper.writeValueAsString(c.get("old")));
        Schema after = new Schema.Parser().parse(mapper.writeValueAsString(c.get("new")));
        r.put("backward", compatible(after, before));
        r.put("forward", compatible(before, after));
      } catch (Exception e) {
        r.put("error", e.toString());
      }
    }
    System.out.println(mapper.writeValueAsString(out));
  }

  static boolean compatible(Schema reader, Schema writer) {
    return SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getType()
        == SchemaCompatibilityType.COMPATIBLE;
  }
}
