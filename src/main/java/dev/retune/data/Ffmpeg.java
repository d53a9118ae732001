package dev.retune.data;

import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_QUIET;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;

import java.nio.charset.StandardCharsets;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.ffmpeg.global.avutil;

/** Small shared pieces of FFmpeg plumbing for the decoder and the encoder. */
final class Ffmpeg {

    static {
        // FFmpeg's own log would print decoder chatter on stderr; every failure we care about comes back as a return
        // code, which we turn into an exception or a Problem that names the file.
        av_log_set_level(AV_LOG_QUIET);
    }

    private Ffmpeg() {}

    /** Forces the static initialiser above; call before the first FFmpeg function. */
    static void init() {}

    /** FFmpeg's text for an error code, e.g. "Invalid data found when processing input". */
    static String error(int code) {
        byte[] buffer = new byte[256];
        av_strerror(code, buffer, buffer.length);
        int length = 0;
        while (length < buffer.length && buffer[length] != 0) {
            length++;
        }
        return new String(buffer, 0, length, StandardCharsets.UTF_8);
    }

    /** Version line for `retune --version`. */
    static String version() {
        return "FFmpeg " + avutil.av_version_info().getString() + " (libavformat " + versionString(avformat.avformat_version()) + ")";
    }

    private static String versionString(int packed) {
        return (packed >> 16) + "." + ((packed >> 8) & 0xff) + "." + (packed & 0xff);
    }
}
