package dev.retune.data;

import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLT;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLTP;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_S16;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes {@link Audio} to a file with FFmpeg; the file's extension picks container and codec (see {@link #extensions()}).
 *
 * <p>The file appears complete or not at all: audio is encoded into a hidden temp file in the same folder, synced to
 * disk and renamed over the target, so a crash or an encoder error never leaves a half-written or clobbered file.
 * Audio can come whole ({@link #encode}) or a block at a time ({@link #open}); either way the bytes are the same.
 * Output is bit-exact (no random Ogg serials, no library version strings), so the same audio gives the same bytes.
 */
public final class AudioEncoder {

    /**
     * Settings for the lossy formats. {@code bitrateKbps} applies to mp3, m4a and opus (0 = the format's default:
     * 128 kbit/s for mp3 and m4a, 96 kbit/s for opus). FFmpeg's native Vorbis encoder has no bitrate control, so
     * ogg takes {@code vorbisQuality} instead (0..10, higher is larger and better). wav and flac are lossless and
     * ignore both.
     */
    public record Options(int bitrateKbps, double vorbisQuality) {

        public static final Options DEFAULT = new Options(0, 3.0);

        public Options {
            if (bitrateKbps < 0 || bitrateKbps > 512) {
                throw new IllegalArgumentException("bitrateKbps must be within 0..512 (0 = format default), found " + bitrateKbps);
            }
            if (!(vorbisQuality >= 0 && vorbisQuality <= 10)) {
                throw new IllegalArgumentException("vorbisQuality must be within 0..10, found " + vorbisQuality);
            }
        }
    }

    /** One supported extension: the muxer, the encoder and the sample format that encoder is fed. */
    enum Format {
        WAV("wav", "wav", "pcm_s16le", AV_SAMPLE_FMT_S16, 0),
        FLAC("flac", "flac", "flac", AV_SAMPLE_FMT_S16, 0),
        MP3("mp3", "mp3", "libmp3lame", AV_SAMPLE_FMT_FLTP, 128),
        OGG("ogg", "ogg", "vorbis", AV_SAMPLE_FMT_FLTP, 0),
        OPUS("opus", "opus", "libopus", AV_SAMPLE_FMT_FLT, 96),
        // FFmpeg's muxer for .m4a is "ipod": the MP4 flavour Apple players and every decoder read.
        M4A("m4a", "ipod", "aac", AV_SAMPLE_FMT_FLTP, 128);

        final String extension;
        final String muxer;
        final String encoder;
        final int sampleFormat;
        final int defaultKbps;

        Format(String extension, String muxer, String encoder, int sampleFormat, int defaultKbps) {
            this.extension = extension;
            this.muxer = muxer;
            this.encoder = encoder;
            this.sampleFormat = sampleFormat;
            this.defaultKbps = defaultKbps;
        }

        static Format of(Path file) {
            String extension = extensionOf(file);
            for (Format format : values()) {
                if (format.extension.equals(extension)) {
                    return format;
                }
            }
            throw new AudioException(file, (extension.isEmpty() ? "no file extension" : "unsupported extension ." + extension)
                    + "; supported: " + String.join(", ", extensions()));
        }

        /** Channels the encoder is opened with for audio of {@code channels}. */
        int outputChannels(Path file, int channels) {
            if (this != OGG) {
                return channels;
            }
            // FFmpeg's native Vorbis encoder refuses anything but stereo; mono goes in as identical left and right.
            if (channels > 2) {
                throw new AudioException(file, "FFmpeg's Vorbis encoder writes at most 2 channels, found " + channels + "; use .flac or .opus");
            }
            return 2;
        }

        /** Bit rate in bit/s for the lossy codecs that take one, else 0. */
        long bitRate(Options options) {
            if (defaultKbps == 0) {
                return 0;
            }
            return 1000L * (options.bitrateKbps() > 0 ? options.bitrateKbps() : defaultKbps);
        }
    }

    private AudioEncoder() {}

    /** The extensions {@link #encode} accepts, with their dot: .wav, .flac, .mp3, .ogg, .opus, .m4a. */
    public static List<String> extensions() {
        return Arrays.stream(Format.values()).map(format -> "." + format.extension).toList();
    }

    /** Writes {@code audio} to {@code file} with {@link Options#DEFAULT}. */
    public static void encode(Audio audio, Path file) {
        encode(audio, file, Options.DEFAULT);
    }

    /**
     * Writes {@code audio} to {@code file}, replacing any existing file atomically. Samples are clipped to [-1, 1]
     * where the format stores integers. Formats with a fixed set of sample rates (mp3, opus, m4a) get the nearest
     * supported rate at or above the audio's own, e.g. 44.1 kHz becomes 48 kHz in opus.
     *
     * <p>ogg is the weakest format here. FFmpeg's own Vorbis encoder (this build has no libvorbis) takes stereo only,
     * so mono is written as two identical channels; it codes the difference between unlike channels coarsely, and
     * decoded lengths are only accurate to about 1024 samples. Prefer opus or mp3 where that matters.
     *
     * @throws AudioException naming the file and FFmpeg's reason when it cannot be written, or when the audio is
     *     empty or too short to give the encoder a single sample
     */
    public static void encode(Audio audio, Path file, Options options) {
        try (Writer writer = open(file, audio.channels(), audio.sampleRate(), options)) {
            writer.write(audio.samples());
            writer.finish();
        }
    }

    /**
     * Opens {@code file} for audio that comes a block at a time, as {@link #encode} writes it: {@link Writer#write}
     * every block in order, then {@link Writer#finish}. Memory does not grow with the length of the audio: each block
     * is encoded into the hidden temp file as it comes.
     *
     * @throws AudioException naming the file when the format is unknown or cannot take these channels or this rate
     */
    public static Writer open(Path file, int channels, int sampleRate, Options options) {
        return new Writer(file, channels, sampleRate, options);
    }

    /**
     * An audio file being written. The file appears, complete, only on {@link #finish()}; closing a writer that was not
     * finished (an error on the way, or a caller that gave up) removes the temp file and leaves any existing file as it
     * was. Every failure is an {@link AudioException} naming the file.
     */
    public static final class Writer implements AutoCloseable {

        private final Path file;
        private final Path temp;
        private final EncoderSession session;
        private long frames;
        private boolean closed;

        private Writer(Path file, int channels, int sampleRate, Options options) {
            Format format = Format.of(file);
            this.file = file;
            Path target = file.toAbsolutePath();
            this.temp = target.resolveSibling("." + target.getFileName() + ".tmp-"
                    + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "." + format.extension);
            try {
                this.session = new EncoderSession(file, temp, format, channels, sampleRate, options);
            } catch (RuntimeException e) {
                deleteQuietly(temp);
                throw e;
            }
        }

        /** Encodes the next {@code block[c][n]} (every channel, all of one length) into the temp file. */
        public void write(float[][] block) {
            session.write(block);
            frames += block[0].length;
        }

        /** Frames written so far. */
        public long frames() {
            return frames;
        }

        /** Finishes the file, syncs it to disk and renames it over the target. */
        public void finish() {
            session.finish();
            try {
                // Without the sync a crash shortly after the rename can leave an empty file under the final name.
                try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                    channel.force(true);
                }
                Files.move(temp, file.toAbsolutePath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new AudioException(file, "cannot write: " + e);
            }
        }

        /** Frees the encoder; removes the temp file unless {@link #finish()} moved it into place. */
        @Override
        public void close() {
            if (!closed) {
                closed = true;
                session.close();
                deleteQuietly(temp);
            }
        }
    }

    private static String extensionOf(Path file) {
        Path name = file.getFileName();
        String text = name == null ? "" : name.toString();
        int dot = text.lastIndexOf('.');
        return dot <= 0 ? "" : text.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    private static void deleteQuietly(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            // The write already failed or succeeded; a leftover hidden temp file must not mask that outcome.
        }
    }
}
