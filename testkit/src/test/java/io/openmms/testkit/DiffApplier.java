package io.openmms.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.bson.Document;

/**
 * A small, independent applier of MongoDB's {@code $v: 2} update diffs, with the semantics of
 * https://github.com/mongodb/mongo/blob/master/src/mongo/db/update/document_diff_applier.cpp:
 * the pre-image's fields stay in order except deleted ones ({@code d}) and inserted ones
 * ({@code i}, moved to the end); {@code u} replaces in place (appends when absent); {@code s<f>}
 * recurses; an array diff ({@code a: true}) resizes to {@code l}, then sets {@code u<idx>} (padding
 * with nulls) and recurses into {@code s<idx>}. Used by the tests to check that an entry's diff
 * turns the pre-image into the post-image.
 */
final class DiffApplier {

    private DiffApplier() {
    }

    static Document apply(Document pre, Document diff) {
        Document deletes = section(diff, "d");
        Document updates = section(diff, "u");
        Document inserts = section(diff, "i");
        Document out = new Document();
        for (Map.Entry<String, Object> field : pre.entrySet()) {
            String name = field.getKey();
            if (deletes.containsKey(name) || inserts.containsKey(name)) {
                continue;
            }
            if (updates.containsKey(name)) {
                out.put(name, updates.get(name));
            } else if (diff.containsKey("s" + name)) {
                out.put(name, applySub(field.getValue(), (Document) diff.get("s" + name)));
            } else {
                out.put(name, field.getValue());
            }
        }
        updates.forEach((name, value) -> {
            if (!pre.containsKey(name)) {
                out.put(name, value);
            }
        });
        inserts.forEach(out::put);
        return out;
    }

    private static Object applySub(Object value, Document sub) {
        if (Boolean.TRUE.equals(sub.get("a"))) {
            List<Object> array = new ArrayList<>((List<?>) value);
            if (sub.get("l") instanceof Number length) {
                while (array.size() > length.intValue()) {
                    array.remove(array.size() - 1);
                }
                while (array.size() < length.intValue()) {
                    array.add(null);
                }
            }
            sub.forEach((key, v) -> {
                if (key.startsWith("u") || key.startsWith("s")) {
                    int index = Integer.parseInt(key.substring(1));
                    while (array.size() <= index) {
                        array.add(null);
                    }
                    array.set(index, key.startsWith("u") ? v : applySub(array.get(index), (Document) v));
                }
            });
            return array;
        }
        return apply((Document) value, sub);
    }

    private static Document section(Document diff, String name) {
        return diff.get(name) instanceof Document section ? section : new Document();
    }
}
