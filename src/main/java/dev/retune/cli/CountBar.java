package dev.retune.cli;

import dev.retune.ProgressListener;

/** A progress bar over a count (clips, prompts) that starts at the first update, when the total is known. */
final class CountBar implements ProgressListener, AutoCloseable {

    private final String task;
    private final String unit;
    private final boolean show;
    private Progress progress;

    CountBar(String task, String unit, boolean show) {
        this.task = task;
        this.unit = unit;
        this.show = show;
    }

    @Override
    public void update(double done, double total) {
        if (progress == null) {
            progress = Progress.start(task, Math.round(total), unit, show);
        }
        progress.update(done, total);
    }

    @Override
    public void close() {
        if (progress != null) {
            progress.close();
        }
    }
}
