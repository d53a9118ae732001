package dev.retune.cli;

import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar with rate and ETA on stderr when a person is watching (a terminal, no --json); silent otherwise,
 * so build-server logs stay clean.
 */
final class Progress implements AutoCloseable {

    private final ProgressBar bar;
    private boolean closed;

    private Progress(ProgressBar bar) {
        this.bar = bar;
    }

    static Progress start(String task, long total, String unit, boolean show) {
        if (!show || System.console() == null) {
            return new Progress(null);
        }
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setUnit(" " + unit, 1)
                .showSpeed()
                .setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .build();
        return new Progress(bar);
    }

    /**
     * A bar over seconds of audio (moved by {@link #updateAudio}): the audio done and in all, the speed as a multiple
     * of real time and the time left, e.g. {@code encoding  42% [====>      ] 1:23 of 3:17 h audio, 31× realtime, ETA 0:04:12}.
     */
    static Progress audio(String task, boolean show) {
        if (!show || System.console() == null) {
            return new Progress(null);
        }
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(0)
                .setRenderer((state, width) -> audioLine(state.getTaskName(), state.getCurrent(), state.getMax(),
                        state.getElapsedAfterStart(), width))
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .build();
        return new Progress(bar);
    }

    /** Moves the bar (a count of whole units); it finishes (prints its last line) as soon as {@code done} reaches {@code total}. */
    void update(double done, double total) {
        if (bar != null && !closed) {
            bar.maxHint(Math.round(total));
            bar.stepTo(Math.round(done));
            if (done >= total) {
                close();
            }
        }
    }

    /**
     * Moves an audio bar to {@code doneSeconds} of {@code totalSeconds} (counted in milliseconds of audio); it finishes
     * once a total that is not zero is reached.
     */
    void updateAudio(double doneSeconds, double totalSeconds) {
        long total = Math.round(totalSeconds * 1000);
        if (total > 0) {
            update(Math.round(doneSeconds * 1000), total);
        }
    }

    /**
     * One line of an audio bar, at most {@code width} characters: {@code doneMs} of {@code totalMs} milliseconds of
     * audio after {@code elapsed} of wall time.
     */
    static String audioLine(String task, long doneMs, long totalMs, Duration elapsed, int width) {
        double seconds = Math.max(elapsed.toMillis(), 1) / 1000.0;
        double speed = doneMs / 1000.0 / seconds; // seconds of audio per second
        boolean hours = totalMs >= 3_600_000;
        String amount = audioAmount(doneMs, hours) + " of " + audioAmount(totalMs, hours) + (hours ? " h audio" : " min audio");
        String rate = doneMs == 0 ? "" : String.format(Locale.ROOT, speed < 10 ? ", %.1f× realtime" : ", %.0f× realtime", speed);
        String eta = doneMs == 0 ? "" : ", ETA " + clock(Math.round((totalMs - doneMs) / 1000.0 / speed));
        int percent = totalMs == 0 ? 0 : (int) Math.min(100, doneMs * 100 / totalMs);
        String head = String.format(Locale.ROOT, "%s %3d%% [", task, percent);
        String tail = "] " + amount + rate + eta;
        int inside = Math.max(10, width - head.length() - tail.length() - 1);
        int filled = totalMs == 0 ? 0 : (int) Math.min(inside, doneMs * inside / totalMs);
        String line = head + "=".repeat(filled) + (filled < inside ? ">" + " ".repeat(inside - filled - 1) : "") + tail;
        return line.length() <= width ? line : line.substring(0, width);
    }

    /** Milliseconds of audio as h:mm (with {@code hours}) or m:ss. */
    private static String audioAmount(long ms, boolean hours) {
        long minutes = ms / 60_000;
        return hours ? String.format(Locale.ROOT, "%d:%02d", minutes / 60, minutes % 60)
                : String.format(Locale.ROOT, "%d:%02d", minutes, ms / 1000 % 60);
    }

    private static String clock(long seconds) {
        return String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
    }

    @Override
    public void close() {
        if (bar != null && !closed) {
            closed = true;
            bar.close();
        }
    }
}
