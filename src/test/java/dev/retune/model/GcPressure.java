package dev.retune.model;

/**
 * Makes the garbage collector run for real, so a Java module object that only C++ still referenced would be gone
 * (see docs/bytedeco.md): tests then call into the module tree to show nothing was lost.
 */
public final class GcPressure {

    private GcPressure() {}

    public static void collect() {
        long checksum = 0;
        for (int i = 0; i < 5; i++) {
            System.gc();
            byte[][] garbage = new byte[64][];
            for (int j = 0; j < garbage.length; j++) {
                garbage[j] = new byte[1 << 20];
                checksum += garbage[j].length;
            }
        }
        if (checksum != 5L * 64 * (1 << 20)) {
            throw new IllegalStateException("allocation loop was cut short");
        }
    }
}
