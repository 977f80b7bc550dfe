package io.openmms.testkit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import de.bwaldvogel.mongo.bson.Document;

/**
 * Computes the {@code $v: 2} update diff that MongoDB 5.0+ writes to the oplog for an update with
 * operators ({@code o: {$v: 2, diff: {...}}}), from the document before and after the update.
 *
 * <p>Format (https://github.com/mongodb/mongo/blob/master/src/mongo/db/update/document_diff_serialization.h,
 * applied by document_diff_applier.cpp in the same directory): a document diff holds {@code d: {f: false}}
 * (delete), {@code u: {f: v}} (replace in place), {@code i: {f: v}} (append at the end, moving the
 * field if it exists) and {@code s<f>: <diff>} (a sub-document or array diff), serialized in that
 * order. An array diff holds {@code a: true}, {@code l: <new length>} when the array shrank, and
 * {@code u<idx>: v} or {@code s<idx>: <diff>} per changed element, in index order.
 *
 * <p>The applier keeps the pre-image's fields in their order and appends the inserts, so the diff
 * keeps in place the longest prefix of the post-image's fields that appears in the same order in
 * the pre-image, and inserts the rest. Values are equal only when of the same BSON type (an int 1
 * is not a long 1) and, for documents, in the same field order.
 */
final class UpdateDiff {

    private UpdateDiff() {
    }

    /** The oplog {@code o} of an update from {@code before} to {@code after}: {@code {$v: 2, diff}}. */
    static Document entry(Document before, Document after) {
        return new Document("$v", 2).append("diff", documentDiff(before, after));
    }

    /** True when the two values are the same BSON value (type-exact, order-sensitive). */
    static boolean same(Object a, Object b) {
        return Objects.equals(a, b); // boxed numbers of different types are never equal; Document.equals is order-sensitive
    }

    static Document documentDiff(Document before, Document after) {
        List<String> kept = keptPrefix(before, after);
        Document deletes = new Document();
        Document updates = new Document();
        Document inserts = new Document();
        Document subDiffs = new Document();
        for (String field : before.keySet()) {
            if (!after.containsKey(field)) {
                deletes.append(field, false);
            }
        }
        for (String field : kept) {
            Object old = before.get(field);
            Object now = after.get(field);
            if (same(old, now)) {
                continue;
            }
            Document sub = subDiff(old, now);
            if (sub != null) {
                subDiffs.append("s" + field, sub);
            } else {
                updates.append(field, now);
            }
        }
        for (String field : after.keySet()) {
            if (!kept.contains(field)) {
                inserts.append(field, after.get(field));
            }
        }
        Document diff = new Document();
        if (!deletes.isEmpty()) {
            diff.append("d", deletes);
        }
        if (!updates.isEmpty()) {
            diff.append("u", updates);
        }
        if (!inserts.isEmpty()) {
            diff.append("i", inserts);
        }
        subDiffs.forEach(diff::append);
        return diff;
    }

    /** The post-image's longest field prefix whose fields appear in the same order in the pre-image. */
    private static List<String> keptPrefix(Document before, Document after) {
        Map<String, Integer> position = new HashMap<>();
        int index = 0;
        for (String field : before.keySet()) {
            position.put(field, index++);
        }
        List<String> kept = new ArrayList<>();
        int previous = -1;
        for (String field : after.keySet()) {
            Integer at = position.get(field);
            if (at == null || at < previous) {
                break;
            }
            kept.add(field);
            previous = at;
        }
        return kept;
    }

    /** A nested diff when both values are documents or both arrays and a diff is worth it, else null. */
    private static Document subDiff(Object old, Object now) {
        if (old instanceof Document oldDoc && now instanceof Document newDoc) {
            Document diff = documentDiff(oldDoc, newDoc);
            return diff.size() < newDoc.size() + 1 ? diff : null;
        }
        if (old instanceof List<?> oldList && now instanceof List<?> newList) {
            return arrayDiff(oldList, newList);
        }
        return null;
    }

    /** An array diff, or null when it would touch every element (then the whole array is replaced). */
    private static Document arrayDiff(List<?> before, List<?> after) {
        Document diff = new Document("a", true);
        if (after.size() < before.size()) {
            diff.append("l", after.size());
        }
        int changed = 0;
        for (int i = 0; i < after.size(); i++) {
            Object now = after.get(i);
            if (i < before.size()) {
                Object old = before.get(i);
                if (same(old, now)) {
                    continue;
                }
                Document sub = subDiff(old, now);
                if (sub != null) {
                    diff.append("s" + i, sub);
                    changed++;
                    continue;
                }
            }
            diff.append("u" + i, now);
            changed++;
        }
        return changed == after.size() && !after.isEmpty() ? null : diff;
    }
}
