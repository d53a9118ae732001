package dev.retune.train;

import dev.retune.Log;
import dev.retune.ProgressListener;
import dev.retune.data.AudioDecoder;
import dev.retune.data.AudioException;
import dev.retune.data.AudioFormat;
import dev.retune.data.TokenCache;
import dev.retune.data.Track;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * A dataset's tracks → codec tokens, through the token cache when there is one, on {@code workers} threads that each
 * stream one file at a time through the codec (so memory holds one chunk per worker, whatever the files' lengths).
 * Results come in the dataset's order; a file that cannot be decoded is skipped with a message, as {@code data check}
 * would report it. A stop request ends the encoding at the next chunk of every worker: files finished are cached, the
 * files under way leave nothing.
 */
final class DatasetEncoder {

    private final CodecTokens codec;
    private final TokenCache cache;
    private final AudioFormat format;
    private final int workers;

    /** @param cache where codes are kept between runs; null encodes every file */
    DatasetEncoder(CodecTokens codec, TokenCache cache, AudioFormat format, int workers) {
        this.codec = codec;
        this.cache = cache;
        this.format = format;
        this.workers = workers;
    }

    /**
     * Every track's codes, in order, without the tracks that cannot be decoded.
     *
     * @throws StopRequestedException when {@code stop} was set (checked before each file and after each chunk)
     */
    List<TrainingData.Example> encode(List<Track> tracks, ProgressListener listener, AtomicBoolean stop) {
        EncodeProgress progress = new EncodeProgress(declaredSeconds(tracks), listener);
        progress.start();
        // Set when this call ends for any reason: the files not yet started, and those under way, end at once.
        AtomicBoolean abandoned = new AtomicBoolean();
        BooleanSupplier stopping = () -> stop.get() || abandoned.get();
        AtomicInteger thread = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(workers, tracks.size())), work -> {
            Thread t = new Thread(work, "retune-encode-" + thread.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<TokenCache.Codes>> futures = new ArrayList<>();
            for (int i = 0; i < tracks.size(); i++) {
                int file = i;
                futures.add(pool.submit(() -> encode(tracks.get(file).path(), file, progress, stopping)));
            }
            List<TrainingData.Example> encoded = new ArrayList<>();
            for (int i = 0; i < tracks.size(); i++) {
                Track track = tracks.get(i);
                try {
                    encoded.add(new TrainingData.Example(track, await(futures.get(i))));
                } catch (AudioException e) {
                    // A file `data check` would report; training goes on without it.
                    Log.info("skipping line " + track.line() + ": " + e.getMessage());
                } catch (StopRequestedException e) {
                    throw new StopRequestedException("stopped while encoding the dataset (" + progress.filesDone() + " of "
                            + tracks.size() + " files encoded" + (cache != null ? " and cached)" : ")"));
                }
            }
            return encoded;
        } finally {
            abandoned.set(true);
            awaitWorkers(pool);
        }
    }

    private TokenCache.Codes encode(Path file, int index, EncodeProgress progress, BooleanSupplier stop) {
        if (stop.getAsBoolean()) {
            throw new StopRequestedException("stopped before " + file);
        }
        try {
            TokenCache.Codes codes = cache == null ? encodeFile(file, index, progress, stop)
                    : cache.getOrCompute(file, format.sampleRate(), format.channels(), f -> encodeFile(f, index, progress, stop));
            progress.finished(index);
            return codes;
        } catch (AudioException e) {
            progress.finished(index);
            throw e;
        }
    }

    private TokenCache.Codes encodeFile(Path file, int index, EncodeProgress progress, BooleanSupplier stop) {
        return codec.encode(file, seconds -> progress.encoded(index, seconds), stop);
    }

    /** Each file's declared duration (its header only), NaN when it declares none or cannot be opened. */
    private static double[] declaredSeconds(List<Track> tracks) {
        double[] seconds = new double[tracks.size()];
        for (int i = 0; i < seconds.length; i++) {
            try {
                seconds[i] = AudioDecoder.declaredSeconds(tracks.get(i).path());
            } catch (AudioException e) {
                seconds[i] = Double.NaN; // reported when its encoding fails
            }
        }
        return seconds;
    }

    private static TokenCache.Codes await(Future<TokenCache.Codes> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StopRequestedException("interrupted while encoding the dataset");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Waits for the workers, which end at their next chunk once the encoding is abandoned. Not by interrupting them:
     * an interrupt would break a cache entry's write under way (which is atomic, but would then fail).
     */
    private static void awaitWorkers(ExecutorService pool) {
        pool.shutdown();
        try {
            pool.awaitTermination(1, TimeUnit.DAYS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
