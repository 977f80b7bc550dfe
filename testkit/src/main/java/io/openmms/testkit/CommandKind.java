package io.openmms.testkit;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import de.bwaldvogel.mongo.bson.Document;

/**
 * How a command counts in {@code serverStatus.opcounters} and what a secondary may do with it.
 *
 * <p>Counting follows https://www.mongodb.com/docs/manual/reference/command/serverStatus/#opcounters:
 * {@code insert}, {@code update} and {@code delete} count the documents or statements of a write
 * command, {@code query} counts find commands, {@code getmore} getMore commands, and {@code command}
 * every other command. Secondary access follows the server's per-command rule: writes never, reads only
 * when the request allows secondary reads, everything else (hello, serverStatus, ...) always.
 */
enum CommandKind {
    INSERT(Access.WRITE), UPDATE(Access.WRITE), DELETE(Access.WRITE), FIND(Access.READ), GET_MORE(Access.ALWAYS),
    WRITE_COMMAND(Access.WRITE), READ_COMMAND(Access.READ), COMMAND(Access.ALWAYS);

    enum Access { WRITE, READ, ALWAYS }

    private static final Map<String, CommandKind> BY_NAME = Map.ofEntries(
        Map.entry("insert", INSERT), Map.entry("update", UPDATE), Map.entry("delete", DELETE),
        Map.entry("find", FIND), Map.entry("getmore", GET_MORE),
        Map.entry("findandmodify", WRITE_COMMAND), Map.entry("create", WRITE_COMMAND),
        Map.entry("drop", WRITE_COMMAND), Map.entry("dropdatabase", WRITE_COMMAND),
        Map.entry("createindexes", WRITE_COMMAND), Map.entry("dropindexes", WRITE_COMMAND),
        Map.entry("renamecollection", WRITE_COMMAND), Map.entry("collmod", WRITE_COMMAND),
        Map.entry("aggregate", READ_COMMAND), Map.entry("count", READ_COMMAND), Map.entry("distinct", READ_COMMAND),
        Map.entry("listcollections", READ_COMMAND), Map.entry("listindexes", READ_COMMAND),
        Map.entry("listdatabases", READ_COMMAND));

    private final Access access;

    CommandKind(Access access) {
        this.access = access;
    }

    static CommandKind of(String command, Document query) {
        CommandKind kind = BY_NAME.getOrDefault(command.toLowerCase(Locale.ROOT), COMMAND);
        if (kind == READ_COMMAND && command.equalsIgnoreCase("aggregate") && writesOutput(query)) {
            return WRITE_COMMAND;
        }
        return kind;
    }

    Access access() {
        return access;
    }

    boolean isWrite() {
        return access == Access.WRITE;
    }

    /** How many operations the request adds to its opcounter: documents or statements for writes, else 1. */
    int operations(Document query) {
        String field = switch (this) {
            case INSERT -> "documents";
            case UPDATE -> "updates";
            case DELETE -> "deletes";
            default -> null;
        };
        if (field == null) {
            return 1;
        }
        return query.get(field) instanceof List<?> list ? list.size() : 0;
    }

    private static boolean writesOutput(Document query) {
        if (!(query.get("pipeline") instanceof List<?> pipeline) || pipeline.isEmpty()) {
            return false;
        }
        return pipeline.get(pipeline.size() - 1) instanceof Map<?, ?> last
            && (last.containsKey("$out") || last.containsKey("$merge"));
    }
}
