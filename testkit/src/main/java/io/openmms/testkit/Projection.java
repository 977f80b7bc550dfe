package io.openmms.testkit;

import java.util.Map;

import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.bson.Document;

/**
 * A find projection of inclusions or exclusions of (dotted) field paths, as readers of the oplog
 * use them ({@code {ts: 1, _id: 0}}, {@code {o: 0}}); operators such as {@code $slice} or
 * {@code $elemMatch} are not supported. https://www.mongodb.com/docs/manual/reference/method/db.collection.find/#projection
 */
final class Projection {

    private Projection() {
    }

    /** The projected copy of {@code document}, or the document itself when there is no projection. */
    static Document apply(Document document, Document projection) {
        if (projection == null || projection.isEmpty()) {
            return document;
        }
        boolean inclusion = projection.entrySet().stream()
            .anyMatch(e -> !e.getKey().equals("_id") && Utils.isTrue(e.getValue()));
        if (!inclusion) {
            Document result = document.cloneDeeply();
            projection.keySet().forEach(path -> remove(result, path));
            return result;
        }
        Document result = new Document();
        if (!projection.containsKey("_id") || Utils.isTrue(projection.get("_id"))) {
            copy(document, result, "_id");
        }
        for (Map.Entry<String, Object> e : projection.entrySet()) {
            if (!e.getKey().equals("_id") && Utils.isTrue(e.getValue())) {
                copy(document, result, e.getKey());
            }
        }
        return result;
    }

    private static void copy(Document from, Document to, String path) {
        int dot = path.indexOf('.');
        String head = dot < 0 ? path : path.substring(0, dot);
        if (!from.containsKey(head)) {
            return;
        }
        Object value = from.get(head);
        if (dot < 0) {
            to.put(head, value instanceof Document d ? d.cloneDeeply() : value);
        } else if (value instanceof Document sub) {
            Object existing = to.get(head);
            Document target = existing instanceof Document d ? d : new Document();
            copy(sub, target, path.substring(dot + 1));
            if (!target.isEmpty()) {
                to.put(head, target);
            }
        }
    }

    private static void remove(Document document, String path) {
        int dot = path.indexOf('.');
        if (dot < 0) {
            document.remove(path);
        } else if (document.get(path.substring(0, dot)) instanceof Document sub) {
            remove(sub, path.substring(dot + 1));
        }
    }
}
