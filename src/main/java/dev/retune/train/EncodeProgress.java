package dev.retune.train;

import dev.retune.ProgressListener;

/**
 * The encoding's progress in seconds of audio, summed over the files the workers encode at the same time. The total is
 * every file's declared duration (read from its header before encoding); a file counts up to its declared duration
 * while it is encoded and exactly that once it is done (or skipped, or found in the cache), so the count ends on the
 * total. A file that declares no duration adds what is encoded of it to both. Reports run one at a time.
 */
final class EncodeProgress {

    private final double[] declared; // NaN: not declared
    private final double[] counted;
    private final ProgressListener listener;
    private double done;
    private double total;
    private int filesDone;

    EncodeProgress(double[] declaredSeconds, ProgressListener listener) {
        this.declared = declaredSeconds.clone();
        this.counted = new double[declared.length];
        this.listener = listener;
        for (double seconds : declared) {
            total += Double.isNaN(seconds) ? 0 : seconds;
        }
    }

    /** Reports the start: nothing done of the total. */
    synchronized void start() {
        listener.update(done, total);
    }

    /** {@code seconds} of file {@code file} are encoded now. */
    synchronized void encoded(int file, double seconds) {
        count(file, Double.isNaN(declared[file]) ? seconds : Math.min(seconds, declared[file]));
    }

    /** File {@code file} is done with: encoded, found in the cache, or skipped. */
    synchronized void finished(int file) {
        count(file, Double.isNaN(declared[file]) ? counted[file] : declared[file]);
        filesDone++;
    }

    synchronized int filesDone() {
        return filesDone;
    }

    private void count(int file, double seconds) {
        double added = seconds - counted[file];
        counted[file] = seconds;
        done += added;
        if (Double.isNaN(declared[file])) {
            total += added;
        }
        listener.update(done, total);
    }
}
