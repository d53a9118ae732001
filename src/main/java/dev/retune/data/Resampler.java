package dev.retune.data;

import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLTP;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_default;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_uninit;
import static org.bytedeco.ffmpeg.global.avutil.av_get_bytes_per_sample;
import static org.bytedeco.ffmpeg.global.avutil.av_sample_fmt_is_planar;
import static org.bytedeco.ffmpeg.global.swresample.swr_alloc_set_opts2;
import static org.bytedeco.ffmpeg.global.swresample.swr_convert;
import static org.bytedeco.ffmpeg.global.swresample.swr_free;
import static org.bytedeco.ffmpeg.global.swresample.swr_get_out_samples;
import static org.bytedeco.ffmpeg.global.swresample.swr_init;
import static org.bytedeco.ffmpeg.global.swresample.swr_set_matrix;

import java.nio.file.Path;
import java.util.Arrays;
import org.bytedeco.ffmpeg.avutil.AVChannelLayout;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swresample.SwrContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * libswresample converting decoded frames (any sample format, rate and channel count) to planar float at the target
 * rate and channel count. Mono is the plain mean of all input channels and mono input is duplicated to stereo, set as
 * an explicit matrix because swresample's own downmix weights channels by -3 dB rather than averaging them.
 */
final class Resampler implements AutoCloseable {

    private final SwrContext swr = new SwrContext(null);
    private final int outChannels;
    private FloatPointer[] planes = new FloatPointer[0];
    private PointerPointer<FloatPointer> planePointers;
    private int capacity;

    Resampler(Path file, AVChannelLayout inLayout, int inFormat, int inRate, AudioFormat target) {
        this.outChannels = target.channels();
        AVChannelLayout outLayout = new AVChannelLayout();
        av_channel_layout_default(outLayout, target.channels());
        try {
            check(file, swr_alloc_set_opts2(swr, outLayout, AV_SAMPLE_FMT_FLTP, target.sampleRate(),
                    inLayout, inFormat, inRate, 0, null), "cannot set up the resampler");
            int inChannels = inLayout.nb_channels();
            if (target.channels() == 1 && inChannels > 1) {
                double[] mean = new double[inChannels];
                Arrays.fill(mean, 1.0 / inChannels);
                check(file, swr_set_matrix(swr, mean, inChannels), "cannot set the mono downmix");
            } else if (target.channels() == 2 && inChannels == 1) {
                check(file, swr_set_matrix(swr, new double[] {1.0, 1.0}, 1), "cannot set the stereo upmix");
            }
            check(file, swr_init(swr), "cannot start the resampler");
        } finally {
            av_channel_layout_uninit(outLayout);
            outLayout.close();
        }
    }

    /** Converts one decoded frame; the output is left in {@link #planes()} and its length returned. */
    int convert(AVFrame frame) {
        return convert(frame, 0);
    }

    /** Converts a decoded frame without its first {@code skip} samples (0 &lt;= skip &lt; nb_samples). */
    int convert(AVFrame frame, int skip) {
        int count = frame.nb_samples() - skip;
        ensureCapacity(swr_get_out_samples(swr, count));
        if (skip == 0) {
            return swr_convert(swr, planePointers, capacity, frame.extended_data(), count);
        }
        boolean planar = av_sample_fmt_is_planar(frame.format()) != 0;
        int inChannels = frame.ch_layout().nb_channels();
        long offset = (long) skip * av_get_bytes_per_sample(frame.format()) * (planar ? 1 : inChannels);
        int pointers = planar ? inChannels : 1;
        try (PointerPointer<BytePointer> input = new PointerPointer<>(pointers)) {
            for (int c = 0; c < pointers; c++) {
                input.put(c, new BytePointer(frame.extended_data(c)).position(offset));
            }
            return swr_convert(swr, planePointers, capacity, input, count);
        }
    }

    /** Drains what the filter still holds at end of input; 0 when empty. */
    int flush() {
        ensureCapacity(4096);
        return swr_convert(swr, planePointers, capacity, (PointerPointer<?>) null, 0);
    }

    FloatPointer[] planes() {
        return planes;
    }

    private void ensureCapacity(int frames) {
        if (frames <= capacity) {
            return;
        }
        closePlanes();
        capacity = Math.max(frames, 4096);
        planes = new FloatPointer[outChannels];
        for (int c = 0; c < outChannels; c++) {
            planes[c] = new FloatPointer(capacity);
        }
        planePointers = new PointerPointer<>(planes);
    }

    private void closePlanes() {
        for (FloatPointer plane : planes) {
            plane.close();
        }
        if (planePointers != null) {
            planePointers.close();
        }
    }

    private static void check(Path file, int code, String what) {
        if (code < 0) {
            throw new AudioException(file, what + ": " + Ffmpeg.error(code));
        }
    }

    @Override
    public void close() {
        swr_free(swr);
        closePlanes();
    }
}
