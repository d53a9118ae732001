package dev.retune.run;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;

/**
 * {@code RUN/.train.lock}: held, as an operating-system file lock, by the process that trains the run (rank 0 of a
 * multi-process run), and holding that process's PID. Anyone can then tell whether a run is being trained right now
 * and by whom ({@link #trainer}), and a second trainer on the same folder is refused instead of two processes writing
 * one run. The OS drops the lock when the process ends however it ends, so a killed run never looks running; the file
 * itself stays (it is not part of the run: {@link RunSummary} does not hash it).
 */
public final class RunLock implements AutoCloseable {

    public static final String FILE_NAME = ".train.lock";

    /** How long a start retries while someone only looks at the lock ({@link #trainer} holds it for microseconds). */
    private static final int ATTEMPTS = 20;
    private static final long RETRY_MS = 50;

    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of {@code runDir} (created when missing) for this process and writes its PID into the file.
     *
     * @throws RunException naming the folder and the PID training it when another process (or another trainer in this
     *                      one) holds it
     */
    public static RunLock acquire(Path runDir) {
        Path file = runDir.resolve(FILE_NAME);
        try {
            Files.createDirectories(runDir);
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            try {
                FileLock lock = lockWithRetries(channel);
                if (lock == null) {
                    throw new RunException(runDir + " is being trained right now by process " + pidText(file)
                            + "; wait for it to finish, stop it (kill -TERM), or train into another --out folder");
                }
                channel.truncate(0);
                channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
                channel.force(false);
                return new RunLock(channel, lock);
            } catch (RuntimeException | IOException e) {
                channel.close();
                throw e;
            }
        } catch (IOException e) {
            throw new RunException(file + ": cannot lock the run folder for training: " + e.getMessage(), e);
        }
    }

    private static FileLock lockWithRetries(FileChannel channel) throws IOException {
        for (int attempt = 1; ; attempt++) {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                return null; // a trainer in this very process holds it
            }
            if (lock != null || attempt == ATTEMPTS) {
                return lock;
            }
            try {
                Thread.sleep(RETRY_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    /**
     * The PID of the process training {@code runDir} right now; empty when none is. It is 0 when the lock is held but
     * the trainer has not yet written its PID.
     */
    public static OptionalLong trainer(Path runDir) {
        Path file = runDir.resolve(FILE_NAME);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            FileLock probe;
            try {
                probe = channel.tryLock(0, Long.MAX_VALUE, true); // shared: lookers do not block each other
            } catch (OverlappingFileLockException e) {
                probe = null; // held in this very process
            }
            if (probe != null) {
                probe.release();
                return OptionalLong.empty();
            }
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (IOException e) {
            return OptionalLong.empty(); // unreadable: no trainer could have locked it either
        }
        return OptionalLong.of(pid(file));
    }

    private static long pid(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
            return text.isEmpty() ? 0 : Long.parseLong(text);
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    private static String pidText(Path file) {
        long pid = pid(file);
        return pid > 0 ? Long.toString(pid) : "(PID not yet written)";
    }

    /** Releases the lock; the file stays. */
    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // Closing the channel failed: the OS releases the lock with the process anyway.
        }
    }
}
