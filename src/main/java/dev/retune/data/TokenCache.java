package dev.retune.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * Codec tokens of whole audio files, kept on disk so each file is encoded once and later epochs crop in token space.
 *
 * <p>An entry is keyed by (SHA-256 of the audio file's content, codec identity, sample rate, channels): a changed file
 * or another codec is simply not found, and the same content under another path is a hit. Each entry is one file,
 * {@code dir/ab/abcd….tokens} (sharded by the key's first two hex digits), little-endian:
 *
 * <pre>
 * "RTOK"  int32 version  int32 codebooks K  int32 frames T  int32 sampleRate  int32 channels
 * byte[32] content sha256  int32 n  byte[n] codec identity (UTF-8)
 * int16[K * T] codes, row-major [K, T]
 * int32 CRC32 of every byte before it
 * </pre>
 *
 * Reading checks every field and the CRC; an entry that fails is a miss (and is deleted), never data. Writes go to a
 * temporary file in the entry's folder, are forced to disk, then renamed over the entry atomically, so concurrent
 * writers (threads or processes) never leave a torn entry: the last rename wins. Within one process,
 * {@link #getOrCompute} runs the encoder once per entry even when several threads ask at the same time.
 * Nothing is written outside {@code dir}.
 */
public final class TokenCache {

    /** Codec tokens {@code [K, T]} in row-major order; the array is shared, not copied, so treat it as read-only. */
    public record Codes(short[] codes, int codebooks, int frames) {

        public Codes {
            Objects.requireNonNull(codes, "codes");
            if (codebooks <= 0 || frames < 0) {
                throw new IllegalArgumentException("expected codebooks > 0 and frames >= 0, found codebooks "
                        + codebooks + ", frames " + frames);
            }
            if ((long) codebooks * frames != codes.length) {
                throw new IllegalArgumentException("expected " + codebooks + " x " + frames + " = "
                        + (long) codebooks * frames + " codes, found " + codes.length);
            }
        }

        /** The code of codebook {@code k} at frame {@code t}. */
        public short get(int k, int t) {
            Objects.checkIndex(k, codebooks);
            Objects.checkIndex(t, frames);
            return codes[k * frames + t];
        }
    }

    static final String SUFFIX = ".tokens";
    static final int VERSION = 1;
    private static final byte[] MAGIC = {'R', 'T', 'O', 'K'};
    private static final int HASH_BYTES = 32;
    /** Bytes before the identity: magic, five int32 fields, the content hash and the identity's length. */
    private static final int FIXED_HEADER = MAGIC.length + 5 * Integer.BYTES + HASH_BYTES + Integer.BYTES;
    private static final int MAX_IDENTITY_BYTES = 4096;
    private static final int MAX_CODEBOOKS = 1024;
    private static final long MAX_ENTRY_BYTES = Integer.MAX_VALUE - 64;

    private final Path dir;
    private final String codecIdentity;
    private final byte[] identityBytes;
    /** Content hash per absolute path, valid while the file's size, modification time and file key are unchanged. */
    private final Map<Path, HashedFile> contentHashes = new ConcurrentHashMap<>();
    /** Encodings running in this process, by entry key, so concurrent callers wait for one result. */
    private final Map<String, CompletableFuture<Codes>> inFlight = new ConcurrentHashMap<>();

    public TokenCache(Path dir, String codecIdentity) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(codecIdentity, "codecIdentity");
        if (codecIdentity.isBlank()) {
            throw new IllegalArgumentException("codecIdentity must not be blank: it must change with the codec");
        }
        this.identityBytes = codecIdentity.getBytes(StandardCharsets.UTF_8);
        if (identityBytes.length > MAX_IDENTITY_BYTES) {
            throw new IllegalArgumentException("expected a codecIdentity of at most " + MAX_IDENTITY_BYTES
                    + " UTF-8 bytes, found " + identityBytes.length + "; pass a hash of the codec instead");
        }
        this.dir = dir.toAbsolutePath().normalize();
        this.codecIdentity = codecIdentity;
        try {
            Files.createDirectories(this.dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the token cache folder " + this.dir, e);
        }
    }

    public Path dir() {
        return dir;
    }

    public String codecIdentity() {
        return codecIdentity;
    }

    /** The cached codes of {@code audioFile} for this codec and format; empty on a miss or a damaged entry. */
    public Optional<Codes> get(Path audioFile, int sampleRate, int channels) {
        return read(entry(audioFile, sampleRate, channels));
    }

    /** Stores {@code codes} as the encoding of {@code audioFile}, replacing any earlier entry atomically. */
    public void put(Path audioFile, int sampleRate, int channels, Codes codes) {
        Objects.requireNonNull(codes, "codes");
        write(entry(audioFile, sampleRate, channels), codes);
    }

    /**
     * The cached codes, or {@code encoder.apply(audioFile)} stored and returned on a miss. Concurrent calls in this
     * process for the same entry run the encoder once and all return its result (or its exception).
     */
    public Codes getOrCompute(Path audioFile, int sampleRate, int channels, Function<Path, Codes> encoder) {
        Objects.requireNonNull(encoder, "encoder");
        Entry entry = entry(audioFile, sampleRate, channels);
        Optional<Codes> hit = read(entry);
        if (hit.isPresent()) {
            return hit.get();
        }
        CompletableFuture<Codes> mine = new CompletableFuture<>();
        CompletableFuture<Codes> running = inFlight.putIfAbsent(entry.key(), mine);
        if (running != null) {
            return await(running);
        }
        try {
            // Another thread may have finished this entry between our read and our claim.
            Codes codes = read(entry).orElseGet(() -> {
                Codes encoded = Objects.requireNonNull(encoder.apply(audioFile), "encoder returned null");
                write(entry, encoded);
                return encoded;
            });
            mine.complete(codes);
            return codes;
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(entry.key(), mine);
        }
    }

    /** Number of entries on disk. */
    public int entries() {
        return (int) entryFiles().count();
    }

    /** Total size of the entries on disk, in bytes. */
    public long sizeBytes() {
        return entryFiles().mapToLong(file -> {
            try {
                return Files.size(file);
            } catch (IOException e) {
                return 0; // removed since listing
            }
        }).sum();
    }

    /** The file holding the entry for {@code audioFile} (which may not exist yet). */
    Path entryFile(Path audioFile, int sampleRate, int channels) {
        return entry(audioFile, sampleRate, channels).file();
    }

    /** Size in bytes of an entry with {@code codebooks x frames} codes for this cache's codec identity. */
    long entryBytes(int codebooks, int frames) {
        return FIXED_HEADER + identityBytes.length + 2L * codebooks * frames + Integer.BYTES;
    }

    private record Entry(String key, Path file, byte[] contentHash, int sampleRate, int channels) {}

    private record HashedFile(long size, FileTime modified, Object fileKey, byte[] hash) {}

    private Entry entry(Path audioFile, int sampleRate, int channels) {
        Objects.requireNonNull(audioFile, "audioFile");
        if (sampleRate <= 0 || channels <= 0) {
            throw new IllegalArgumentException("expected sampleRate > 0 and channels > 0, found " + sampleRate
                    + " and " + channels);
        }
        byte[] content = contentHash(audioFile);
        MessageDigest digest = sha256();
        digest.update(content);
        digest.update(ByteBuffer.allocate(3 * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(sampleRate).putInt(channels).putInt(identityBytes.length).array());
        digest.update(identityBytes);
        String key = HexFormat.of().formatHex(digest.digest());
        Path file = dir.resolve(key.substring(0, 2)).resolve(key + SUFFIX);
        return new Entry(key, file, content, sampleRate, channels);
    }

    /** SHA-256 of the file's bytes, memoized while its size, modification time and file key stay the same. */
    private byte[] contentHash(Path audioFile) {
        Path path = audioFile.toAbsolutePath().normalize();
        try {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
            HashedFile known = contentHashes.get(path);
            if (known != null && known.size() == attributes.size()
                    && known.modified().equals(attributes.lastModifiedTime())
                    && Objects.equals(known.fileKey(), attributes.fileKey())) {
                return known.hash();
            }
            MessageDigest digest = sha256();
            byte[] buffer = new byte[1 << 16];
            try (InputStream in = Files.newInputStream(path)) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    digest.update(buffer, 0, n);
                }
            }
            byte[] hash = digest.digest();
            contentHashes.put(path, new HashedFile(attributes.size(), attributes.lastModifiedTime(),
                    attributes.fileKey(), hash));
            return hash;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read audio file " + path + " to hash it", e);
        }
    }

    private Optional<Codes> read(Entry entry) {
        byte[] bytes;
        try {
            if (Files.size(entry.file()) > MAX_ENTRY_BYTES) {
                return discard(entry);
            }
            bytes = Files.readAllBytes(entry.file());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // unreadable: a miss; the next write replaces it or reports why it cannot
        }
        Optional<Codes> codes = decode(bytes, entry);
        return codes.isPresent() ? codes : discard(entry);
    }

    /** The codes in {@code bytes} when every check passes; empty when anything is off. */
    private Optional<Codes> decode(byte[] bytes, Entry entry) {
        if (bytes.length < FIXED_HEADER + Integer.BYTES) {
            return Optional.empty();
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[MAGIC.length];
        in.get(magic);
        int version = in.getInt();
        int codebooks = in.getInt();
        int frames = in.getInt();
        int sampleRate = in.getInt();
        int channels = in.getInt();
        byte[] hash = new byte[HASH_BYTES];
        in.get(hash);
        int identityLength = in.getInt();
        if (!Arrays.equals(magic, MAGIC) || version != VERSION || codebooks <= 0 || codebooks > MAX_CODEBOOKS
                || frames < 0 || sampleRate != entry.sampleRate() || channels != entry.channels()
                || !Arrays.equals(hash, entry.contentHash()) || identityLength != identityBytes.length
                || bytes.length != entryBytes(codebooks, frames)) {
            return Optional.empty();
        }
        byte[] identity = new byte[identityLength];
        in.get(identity);
        if (!Arrays.equals(identity, identityBytes)) {
            return Optional.empty();
        }
        int crcAt = bytes.length - Integer.BYTES;
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, crcAt);
        int stored = ByteBuffer.wrap(bytes, crcAt, Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if ((int) crc.getValue() != stored) {
            return Optional.empty();
        }
        short[] codes = new short[codebooks * frames];
        in.asShortBuffer().get(codes);
        return Optional.of(new Codes(codes, codebooks, frames));
    }

    /** Deletes a damaged entry (best effort: a concurrent writer may already have replaced it) and reports a miss. */
    private Optional<Codes> discard(Entry entry) {
        try {
            Files.deleteIfExists(entry.file());
        } catch (IOException e) {
            // Left in place: the next write replaces it atomically.
        }
        return Optional.empty();
    }

    private void write(Entry entry, Codes codes) {
        byte[] bytes = encode(entry, codes);
        Path folder = entry.file().getParent();
        Path temp = null;
        try {
            Files.createDirectories(folder);
            temp = Files.createTempFile(folder, "." + entry.key(), ".tmp");
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(temp, entry.file(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            temp = null;
        } catch (AtomicMoveNotSupportedException e) {
            throw new UncheckedIOException("the file system of " + dir + " cannot rename atomically; "
                    + "put the token cache on a local file system", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write token cache entry " + entry.file(), e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    // A stray temporary file is harmless: it never has the entry suffix.
                }
            }
        }
    }

    private byte[] encode(Entry entry, Codes codes) {
        long size = entryBytes(codes.codebooks(), codes.frames());
        if (codes.codebooks() > MAX_CODEBOOKS || size > MAX_ENTRY_BYTES) {
            throw new IllegalArgumentException("expected at most " + MAX_CODEBOOKS + " codebooks and "
                    + MAX_ENTRY_BYTES + " bytes per entry, found " + codes.codebooks() + " codebooks, "
                    + size + " bytes");
        }
        ByteBuffer out = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).putInt(VERSION).putInt(codes.codebooks()).putInt(codes.frames())
                .putInt(entry.sampleRate()).putInt(entry.channels())
                .put(entry.contentHash()).putInt(identityBytes.length).put(identityBytes);
        out.asShortBuffer().put(codes.codes());
        out.position(out.position() + 2 * codes.codes().length);
        CRC32 crc = new CRC32();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        return out.array();
    }

    /** The entry files now on disk; files that vanish while listing (a concurrent replace) are skipped. */
    private Stream<Path> entryFiles() {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> shards = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path shard : shards) {
                try (DirectoryStream<Path> files = Files.newDirectoryStream(shard, "*" + SUFFIX)) {
                    files.forEach(found::add);
                } catch (NoSuchFileException e) {
                    // removed while listing
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the token cache folder " + dir, e);
        }
        return found.stream().filter(Files::isRegularFile);
    }

    private static Codes await(CompletableFuture<Codes> running) {
        try {
            return running.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime must provide SHA-256", e);
        }
    }
}
