package dev.retune.train.metrics;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Training progress for a person, on stderr (stdout is kept for {@code --json} output, where this sink is not used).
 *
 * <p>Interactive: a progress bar "train" with ETA and {@code loss 4.123 lr 1.0e-04 12.3k tok/s} (loss smoothed,
 * EMA 0.9), with evals and messages printed as lines above it. Otherwise (a log file, CI): one compact line every
 * {@code logEvery} steps and at the last step, with the loss, grad norm and throughput averaged over those steps,
 * plus a line per eval and message.
 */
public final class ConsoleSink implements MetricsSink {

    private static final double SMOOTHING = 0.9;

    private final PrintStream out;
    private final long logEvery;
    private final boolean interactive;

    private long totalSteps = -1;
    private long startStep;
    private long startNanos;
    private boolean started;
    private ProgressBar bar;
    private LineSafeConsumer barOutput;

    private double smoothed;
    private long smoothedCount;
    private final Window window = new Window();

    /**
     * @param out         where everything goes (stderr in the CLI; a capture in tests)
     * @param logEvery    steps between compact lines when not interactive
     * @param interactive draw a progress bar (a person at a terminal) rather than compact lines
     */
    public ConsoleSink(PrintStream out, long logEvery, boolean interactive) {
        if (logEvery < 1) {
            throw new IllegalArgumentException("expected log_every >= 1, found " + logEvery);
        }
        this.out = out;
        this.logEvery = logEvery;
        this.interactive = interactive;
    }

    /** On stderr, with a bar when a terminal is attached ({@code System.console() != null}). */
    public static ConsoleSink onStderr(long logEvery) {
        return new ConsoleSink(System.err, logEvery, System.console() != null);
    }

    @Override
    public void start(long totalSteps, long startStep) {
        this.totalSteps = totalSteps;
        this.startStep = startStep;
        this.startNanos = System.nanoTime();
        this.started = true;
        if (interactive && bar == null) {
            barOutput = new LineSafeConsumer(out);
            bar = new ProgressBarBuilder()
                    .setTaskName("train")
                    .setInitialMax(totalSteps > 0 ? totalSteps : -1)
                    .startsFrom(startStep, Duration.ZERO)
                    .setStyle(ProgressBarStyle.ASCII)
                    .setConsumer(barOutput)
                    .build();
        }
    }

    @Override
    public void step(StepMetrics m) {
        if (!started) {
            start(-1, m.step() - 1);
        }
        if (Double.isFinite(m.loss())) {
            smoothedCount++;
            smoothed = SMOOTHING * smoothed + (1 - SMOOTHING) * m.loss();
        }
        if (interactive) {
            double loss = smoothed / (1 - Math.pow(SMOOTHING, smoothedCount));
            bar.setExtraMessage(String.format(Locale.ROOT, "loss %.3f lr %.1e %s tok/s",
                    loss, m.lr(), compact(m.tokensPerSecond())));
            bar.stepTo(m.step());
            return;
        }
        window.add(m);
        if (m.step() % logEvery == 0 || m.step() == totalSteps) {
            out.println(stepLine(m));
            window.clear();
        }
    }

    @Override
    public void eval(EvalMetrics m) {
        StringBuilder line = new StringBuilder(
                String.format(Locale.ROOT, "eval step %d loss %.4f ce", m.step(), m.loss()));
        for (double ce : m.cePerCodebook()) {
            line.append(String.format(Locale.ROOT, " %.3f", ce));
        }
        if (m.best()) {
            line.append(" (best)");
        }
        if (m.usedEma()) {
            line.append(" [ema]");
        }
        printLine(line.toString());
    }

    @Override
    public void message(String text) {
        printLine(text);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
        out.flush();
    }

    private void printLine(String line) {
        if (bar != null) {
            barOutput.printAbove(line);
            bar.refresh();
        } else {
            out.println(line);
        }
    }

    /** {@code step 100/5000 epoch 0 loss 4.1234 lr 1.0e-04 gnorm 1.23 12.3k tok/s 0.42 s/step eta 0:34:10}. */
    private String stepLine(StepMetrics m) {
        StringBuilder line = new StringBuilder("step ").append(m.step());
        if (totalSteps > 0) {
            line.append('/').append(totalSteps);
        }
        line.append(" epoch ").append(m.epoch());
        line.append(String.format(Locale.ROOT, " loss %.4f lr %.1e", window.meanLoss(), m.lr()));
        if (window.gradNorms > 0) {
            line.append(String.format(Locale.ROOT, " gnorm %.3g", window.gradNormSum / window.gradNorms));
        }
        line.append(' ').append(compact(window.tokensPerSecond())).append(" tok/s");
        line.append(String.format(Locale.ROOT, " %.3g s/step", window.seconds / window.steps));
        if (window.skipped > 0) {
            line.append(" skipped ").append(window.skipped);
        }
        long done = m.step() - startStep;
        if (totalSteps > 0 && done > 0) {
            double secondsPerStep = (System.nanoTime() - startNanos) / 1e9 / done;
            line.append(" eta ").append(clock(Math.round(secondsPerStep * (totalSteps - m.step()))));
        }
        return line.toString();
    }

    /** 950, 12.3k, 1.25M. */
    static String compact(double value) {
        if (!Double.isFinite(value)) {
            return "-";
        }
        if (value < 1e3) {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        if (value < 1e6) {
            return String.format(Locale.ROOT, "%.1fk", value / 1e3);
        }
        return String.format(Locale.ROOT, "%.2fM", value / 1e6);
    }

    private static String clock(long seconds) {
        return String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
    }

    /** The steps since the last compact line. */
    private static final class Window {
        long steps;
        long losses;
        double lossSum;
        long gradNorms;
        double gradNormSum;
        double tokens;
        double seconds;
        long skipped;

        void add(StepMetrics m) {
            steps++;
            if (Double.isFinite(m.loss())) {
                losses++;
                lossSum += m.loss();
            }
            if (!m.skipped() && Double.isFinite(m.gradNorm())) {
                gradNorms++;
                gradNormSum += m.gradNorm();
            }
            tokens += m.tokensPerSecond() * m.stepSeconds();
            seconds += m.stepSeconds();
            if (m.skipped()) {
                skipped++;
            }
        }

        double meanLoss() {
            return losses > 0 ? lossSum / losses : Double.NaN;
        }

        double tokensPerSecond() {
            return seconds > 0 ? tokens / seconds : Double.NaN;
        }

        void clear() {
            steps = losses = gradNorms = skipped = 0;
            lossSum = gradNormSum = tokens = seconds = 0;
        }
    }

    /**
     * The bar's console output, with a lock shared by the bar's redraw thread and {@link #printAbove}: a line is
     * written over the erased bar and the bar is drawn again below it, never interleaved with a redraw.
     */
    private static final class LineSafeConsumer extends ConsoleProgressBarConsumer {
        private static final String ERASE_LINE = "\r\u001b[2K";
        private final PrintStream stream;

        LineSafeConsumer(PrintStream stream) {
            super(stream);
            this.stream = stream;
        }

        @Override
        public synchronized void accept(String rendered) {
            super.accept(rendered);
            stream.flush();
        }

        synchronized void printAbove(String line) {
            stream.print(ERASE_LINE + line + "\n");
            stream.flush();
        }

        @Override
        public synchronized void close() {
            super.close();
        }
    }
}
