package io.openmms.testkit;

import java.util.List;

/** Runs every release step even when some fail, then rethrows the first failure. */
final class Closing {

    private Closing() {
    }

    static void all(List<Runnable> steps) {
        RuntimeException first = null;
        for (Runnable step : steps) {
            try {
                step.run();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
