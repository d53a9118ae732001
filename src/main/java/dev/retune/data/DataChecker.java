package dev.retune.data;

import dev.retune.ProgressListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Validates a dataset folder without changing it: the CSV and path checks of {@link Dataset#scan}, then a full decode
 * of every file (on {@code threads} threads) to find undecodable, corrupt, truncated, empty and too-short audio.
 * A bad file becomes a {@link Problem}; it never aborts the check.
 */
public final class DataChecker {

    private DataChecker() {}

    /**
     * @param minSeconds files that decode to less than this are reported as too_short
     * @param progress   called once per file decoded, with the number done so far and the number to do
     */
    public static CheckReport check(Path datasetDir, DatasetOptions options, double minSeconds, int threads,
                                    ProgressListener progress) {
        DatasetIndex index = Dataset.scan(datasetDir, options);
        List<Problem> problems = new ArrayList<>(index.problems());
        List<CheckReport.CheckedTrack> usable = new ArrayList<>();

        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), runnable -> {
            Thread thread = new Thread(runnable, "data-check");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<Verdict>> verdicts = new ArrayList<>();
            for (Track track : index.tracks()) {
                verdicts.add(pool.submit(() -> inspect(track, minSeconds)));
            }
            for (int i = 0; i < verdicts.size(); i++) {
                Verdict verdict = await(verdicts.get(i));
                if (verdict.problem() != null) {
                    problems.add(verdict.problem());
                } else {
                    usable.add(new CheckReport.CheckedTrack(index.tracks().get(i), verdict.info()));
                }
                progress.update(i + 1, verdicts.size());
            }
        } finally {
            pool.shutdownNow();
        }
        return new CheckReport(index, usable, problems, minSeconds);
    }

    /** What decoding found, and the problem that rules the file out (null when it is usable). */
    private record Verdict(AudioInfo info, Problem problem) {}

    private static Verdict inspect(Track track, double minSeconds) {
        try {
            AudioInfo info = AudioDecoder.inspect(track.path());
            return new Verdict(info, problemWith(track, info, minSeconds));
        } catch (AudioException e) {
            return new Verdict(null, problem(track, Problem.Kind.UNDECODABLE, e.getMessage()));
        }
    }

    private static Problem problemWith(Track track, AudioInfo info, double minSeconds) {
        if (info.decodedSeconds() == 0) {
            return problem(track, Problem.Kind.EMPTY_AUDIO, track.path() + ": decodes to no audio samples");
        }
        if (info.truncated()) {
            return problem(track, Problem.Kind.CORRUPT, String.format("%s: truncated: the header declares %.2f s but only %.2f s decode",
                    track.path(), info.declaredSeconds(), info.decodedSeconds()));
        }
        if (info.decodeErrors() > 0) {
            return problem(track, Problem.Kind.CORRUPT, String.format("%s: %d decode error(s), first: %s",
                    track.path(), info.decodeErrors(), info.firstDecodeError()));
        }
        if (info.decodedSeconds() < minSeconds) {
            return problem(track, Problem.Kind.TOO_SHORT, String.format("%s: %.2f s is shorter than the minimum %.2f s (data.min_seconds)",
                    track.path(), info.decodedSeconds(), minSeconds));
        }
        return null;
    }

    private static Problem problem(Track track, Problem.Kind kind, String message) {
        return new Problem(track.line(), track.file(), kind, "line " + track.line() + ": " + message);
    }

    private static Verdict await(Future<Verdict> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("data check interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("data check failed: " + e.getCause(), e.getCause());
        }
    }
}
