package dev.cdcctl.connect;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * Turns a change event of the Debezium Cassandra connector (after its EnvelopeTransformation) into the flat row
 * the Debezium JDBC sink writes, applying Cassandra's write semantics exactly:
 *
 * <ul>
 *   <li>every column of {@code after} is a cell {@code {value, deletion_ts, set}}; a cell that is null or
 *       {@code set: false} was not written by the mutation and is LEFT OUT of the row, so that the sink's upsert
 *       does not touch that column (an update carries only the cells it changed; a CQL INSERT is an upsert of
 *       the columns it names too);</li>
 *   <li>a written cell whose value is null (set to null, or deleted with {@code DELETE col FROM}) becomes NULL;</li>
 *   <li>{@code op: d} with the full primary key becomes a delete (null value) for the sink's delete.enabled;</li>
 *   <li>partition deletes of tables with clustering columns ({@code op: d}, clustering key null) and range
 *       deletes ({@code op: t}) cannot be expressed as a delete by primary key: when {@code range.deletes.suffix}
 *       is set they are rerouted, as one row per delete, to the topic {@code <topic><suffix>} (key: the source
 *       commit-log position; value: the partition key as JSON and the bounds), where a PostgreSQL trigger applies
 *       them; otherwise they are dropped;</li>
 *   <li>TTL: Cassandra writes nothing when a TTL expires. With {@code ttl.column} set, a row INSERTed with a TTL
 *       gets that column = the latest expiry of its cells (a timestamp), NULL when inserted without TTL; expired
 *       rows are then removed on the PostgreSQL side (examples/cassandra/target.sql). UPDATE ... USING TTL
 *       (cells expiring inside a row that lives on) is not mirrored.</li>
 * </ul>
 * Value conversions for the sink: maps, UDTs and tuples become JSON text (io.debezium.data.Json, jsonb in
 * PostgreSQL); inet loses the leading "/" of InetAddress.toString(); the columns named in
 * {@code nanotime.fields} (CQL time, which the connector sends as plain int64 nanoseconds) become
 * io.debezium.time.NanoTime.
 */
public class CassandraCellsToRow<R extends ConnectRecord<R>> implements Transformation<R> {

    public static final String TTL_COLUMN = "ttl.column";
    public static final String NANOTIME_FIELDS = "nanotime.fields";
    public static final String RANGE_DELETES_SUFFIX = "range.deletes.suffix";

    private static final ConfigDef CONFIG = new ConfigDef()
            .define(TTL_COLUMN, ConfigDef.Type.STRING, "", ConfigDef.Importance.MEDIUM,
                    "Column that receives the expiry time of cells written with a TTL (empty: off)")
            .define(NANOTIME_FIELDS, ConfigDef.Type.LIST, "", ConfigDef.Importance.MEDIUM,
                    "Columns of CQL type time (int64 nanoseconds) to mark as io.debezium.time.NanoTime")
            .define(RANGE_DELETES_SUFFIX, ConfigDef.Type.STRING, "", ConfigDef.Importance.MEDIUM,
                    "Topic suffix for partition/range deletes that have no full primary key (empty: drop them)");

    private static final String JSON = "io.debezium.data.Json";
    private static final String NANOTIME = "io.debezium.time.NanoTime";
    private static final Schema TIMESTAMP = SchemaBuilder.int64().name("io.debezium.time.Timestamp").version(1).optional().build();
    private static final Schema RANGE_KEY = SchemaBuilder.struct().name("dev.cdcctl.cassandra.RangeDeleteKey")
            .field("position", Schema.STRING_SCHEMA).build();
    private static final Schema RANGE_VALUE = SchemaBuilder.struct().name("dev.cdcctl.cassandra.RangeDelete")
            .field("position", Schema.STRING_SCHEMA)
            .field("partition_key", SchemaBuilder.string().name(JSON).version(1).build())
            .field("range_start", SchemaBuilder.string().name(JSON).version(1).optional().build())
            .field("range_end", SchemaBuilder.string().name(JSON).version(1).optional().build())
            .field("deleted_at", TIMESTAMP)
            .build();

    private String ttlColumn;
    private Set<String> nanotimeFields;
    private String rangeSuffix;
    /** output schema per (after-schema, set of present columns, ttl column present) */
    private final Map<Schema, Map<BitSet, Schema>> schemas = new ConcurrentHashMap<>();

    @Override
    public void configure(Map<String, ?> props) {
        var c = new org.apache.kafka.common.config.AbstractConfig(CONFIG, props);
        ttlColumn = c.getString(TTL_COLUMN).trim();
        nanotimeFields = new HashSet<>(c.getList(NANOTIME_FIELDS));
        rangeSuffix = c.getString(RANGE_DELETES_SUFFIX).trim();
    }

    @Override
    public R apply(R record) {
        if (!(record.value() instanceof Struct envelope)) return record;          // tombstone, or not an event
        if (envelope.schema().field("after") == null || envelope.schema().field("op") == null) return record;
        String op = envelope.getString("op");
        Struct after = envelope.getStruct("after");
        Struct key = record.key() instanceof Struct k ? k : null;
        if (after == null) return null;
        boolean fullKey = key != null && key.schema().fields().stream().allMatch(f -> key.get(f) != null);
        if ("t".equals(op) || ("d".equals(op) && !fullKey)) return rangeDelete(record, envelope, after, key);
        if ("d".equals(op)) {
            return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(), null, null,
                    record.timestamp());
        }
        return upsert(record, after, "c".equals(op) || "r".equals(op));
    }

    private R upsert(R record, Struct after, boolean insert) {
        Schema afterSchema = after.schema();
        List<Field> fields = afterSchema.fields();
        BitSet present = new BitSet(fields.size() + 1);
        Long expiry = null;
        boolean anyTtl = false;
        for (Field f : fields) {
            if (f.name().startsWith("_range_")) continue;
            Object cell = after.get(f);
            if (!(cell instanceof Struct c) || !Boolean.TRUE.equals(c.getBoolean("set"))) continue;
            present.set(f.index());
            Long del = c.getInt64("deletion_ts");
            if (del != null && c.get("value") != null) {                          // a live cell with a TTL
                anyTtl = true;
                expiry = expiry == null ? del : Math.max(expiry, del);
            }
        }
        // only an INSERT gives the row a lifetime (its row marker expires with the TTL); an UPDATE ... USING TTL
        // expires single cells, which PostgreSQL cannot mirror: the column is left as it is
        boolean withTtl = insert && !ttlColumn.isEmpty() && !isKeyOnly(present, record);
        if (withTtl) present.set(fields.size());
        Schema out = schemas.computeIfAbsent(afterSchema, s -> new ConcurrentHashMap<>())
                .computeIfAbsent((BitSet) present.clone(), p -> outputSchema(afterSchema, p, withTtl));
        Struct row = new Struct(out);
        for (Field f : fields) {
            if (!present.get(f.index())) continue;
            Struct c = after.getStruct(f.name());
            row.put(f.name(), convert(f.name(), c.schema().field("value").schema(), c.get("value")));
        }
        if (withTtl) row.put(ttlColumn, anyTtl ? expiry / 1000 : null);             // deletion_ts is in microseconds
        return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(), out, row,
                record.timestamp());
    }

    /** A mutation that only carries the primary key (e.g. an INSERT of the key columns alone): no TTL column. */
    private boolean isKeyOnly(BitSet present, R record) {
        if (!(record.keySchema() != null && record.keySchema().type() == Schema.Type.STRUCT)) return false;
        return present.cardinality() <= record.keySchema().fields().size();
    }

    private Schema outputSchema(Schema afterSchema, BitSet present, boolean withTtl) {
        SchemaBuilder b = SchemaBuilder.struct().name(afterSchema.name() == null ? "row" : afterSchema.name() + ".Row");
        for (Field f : afterSchema.fields()) {
            if (!present.get(f.index())) continue;
            b.field(f.name(), outputFieldSchema(f.name(), f.schema().field("value").schema()));
        }
        if (withTtl) b.field(ttlColumn, TIMESTAMP);
        return b.build();
    }

    private Schema outputFieldSchema(String name, Schema s) {
        if (nanotimeFields.contains(name) && s.type() == Schema.Type.INT64) {
            return SchemaBuilder.int64().name(NANOTIME).version(1).optional().build();
        }
        return switch (s.type()) {
            case MAP, STRUCT -> SchemaBuilder.string().name(JSON).version(1).optional().build();
            default -> s.isOptional() ? s : copyOptional(s);
        };
    }

    private static Schema copyOptional(Schema s) {
        SchemaBuilder b = switch (s.type()) {
            case ARRAY -> SchemaBuilder.array(s.valueSchema());
            default -> SchemaBuilder.type(s.type());
        };
        if (s.name() != null) b.name(s.name());
        if (s.version() != null) b.version(s.version());
        if (s.parameters() != null) b.parameters(s.parameters());
        return b.optional().build();
    }

    private Object convert(String name, Schema s, Object v) {
        if (v == null) return null;
        if (nanotimeFields.contains(name) && s.type() == Schema.Type.INT64) return v;
        return switch (s.type()) {
            case MAP, STRUCT -> toJson(v);
            case STRING -> s.name() == null && v instanceof String str && looksLikeInet(str) ? str.substring(str.indexOf('/') + 1) : v;
            default -> v;
        };
    }

    /** InetAddress.toString(): "hostname/literal" or "/literal" */
    private static boolean looksLikeInet(String s) {
        int i = s.indexOf('/');
        if (i < 0 || i != s.lastIndexOf('/') || i == s.length() - 1) return false;
        String lit = s.substring(i + 1);
        return lit.matches("[0-9.]+") || lit.matches("[0-9a-fA-F:.%]+") && lit.contains(":");
    }

    private R rangeDelete(R record, Struct envelope, Struct after, Struct key) {
        if (rangeSuffix.isEmpty()) return null;
        Map<String, Object> partition = new LinkedHashMap<>();
        if (key != null) {
            for (Field f : key.schema().fields()) {
                Object v = key.get(f);
                if (v != null) partition.put(f.name(), v);
            }
        }
        Struct source = envelope.schema().field("source") != null ? envelope.getStruct("source") : null;
        String position = source == null ? String.valueOf(envelope.get("ts_ms"))
                : source.get("file") + ":" + source.get("pos");
        Long deletedAt = null;
        for (Field f : after.schema().fields()) {
            if (after.get(f) instanceof Struct c && c.schema().field("deletion_ts") != null && c.getInt64("deletion_ts") != null) {
                deletedAt = c.getInt64("deletion_ts") / 1000;
                break;
            }
        }
        if (deletedAt == null && source != null && source.get("ts_ms") instanceof Long ts) deletedAt = ts;
        Struct k = new Struct(RANGE_KEY).put("position", position);
        Struct v = new Struct(RANGE_VALUE)
                .put("position", position)
                .put("partition_key", toJson(partition))
                .put("range_start", after.schema().field("_range_start") != null ? bound(after.get("_range_start")) : null)
                .put("range_end", after.schema().field("_range_end") != null ? bound(after.get("_range_end")) : null)
                .put("deleted_at", deletedAt);
        return record.newRecord(record.topic() + rangeSuffix, record.kafkaPartition(), RANGE_KEY, k, RANGE_VALUE, v,
                record.timestamp());
    }

    /** {method, values: [{name, value, type}]} as JSON, or null */
    private static String bound(Object b) {
        return b == null ? null : toJson(b);
    }

    static String toJson(Object v) {
        StringBuilder sb = new StringBuilder();
        writeJson(sb, v);
        return sb.toString();
    }

    private static void writeJson(StringBuilder sb, Object v) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof Struct s) {
            sb.append('{');
            boolean first = true;
            for (Field f : s.schema().fields()) {
                if (!first) sb.append(',');
                first = false;
                writeString(sb, f.name());
                sb.append(':');
                writeJson(sb, s.get(f));
            }
            sb.append('}');
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) sb.append(',');
                first = false;
                writeString(sb, String.valueOf(e.getKey()));
                sb.append(':');
                writeJson(sb, e.getValue());
            }
            sb.append('}');
        } else if (v instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) sb.append(',');
                writeJson(sb, l.get(i));
            }
            sb.append(']');
        } else if (v instanceof byte[] bytes) {
            writeString(sb, Base64.getEncoder().encodeToString(bytes));
        } else if (v instanceof ByteBuffer buf) {
            byte[] bytes = new byte[buf.remaining()];
            buf.duplicate().get(bytes);
            writeString(sb, Base64.getEncoder().encodeToString(bytes));
        } else if (v instanceof Double d && (d.isNaN() || d.isInfinite()) || v instanceof Float f && (f.isNaN() || f.isInfinite())) {
            sb.append("null");
        } else if (v instanceof Number || v instanceof Boolean) {
            sb.append(v);
        } else {
            writeString(sb, v.toString());
        }
    }

    private static void writeString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (ch < 0x20) sb.append(String.format("\\u%04x", (int) ch));
                    else sb.append(ch);
                }
            }
        }
        sb.append('"');
    }

    @Override
    public ConfigDef config() {
        return CONFIG;
    }

    @Override
    public void close() {
        schemas.clear();
    }
}
