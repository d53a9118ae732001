package dev.retune.data;

import static org.bytedeco.ffmpeg.global.avfilter.av_buffersink_get_frame;
import static org.bytedeco.ffmpeg.global.avfilter.av_buffersrc_add_frame_flags;
import static org.bytedeco.ffmpeg.global.avfilter.avfilter_get_by_name;
import static org.bytedeco.ffmpeg.global.avfilter.avfilter_graph_alloc;
import static org.bytedeco.ffmpeg.global.avfilter.avfilter_graph_config;
import static org.bytedeco.ffmpeg.global.avfilter.avfilter_graph_create_filter;
import static org.bytedeco.ffmpeg.global.avfilter.avfilter_graph_free;
import static org.bytedeco.ffmpeg.global.avfilter.avfilter_link;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EAGAIN;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AV_OPT_SEARCH_CHILDREN;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLTP;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_default;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.avutil.av_opt_get_double;
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.avfilter.AVFilterContext;
import org.bytedeco.ffmpeg.avfilter.AVFilterGraph;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.javacpp.FloatPointer;

/**
 * EBU R128 integrated loudness and true peak, measured by FFmpeg's {@code ebur128} filter: a libavfilter graph
 * abuffer → ebur128 (peak=true) → abuffersink fed block by block. The filter measures at the file's own rate (FFmpeg
 * 8 derives its K-weighting for any rate; true peak is read on an oversampled copy) and takes planar doubles, a
 * conversion FFmpeg inserts while configuring the graph. After {@link #finish} the summary is read from the filter's
 * exported read-only options {@code integrated} (LUFS) and {@code true_peak} (dBTP), which hold full double
 * precision; its frame metadata would give them only as text, the peak as a linear value with three decimals. Close it
 * to free the graph.
 *
 * <p>FFmpeg's own log is silenced by the data package's first FFmpeg call; open the audio before this graph.
 * Evaluation's clip metrics and generation's loudness-matched mix both measure through it.
 */
public final class Loudness implements AutoCloseable {

    /** Integrated loudness (LUFS; -70, the absolute gate, when every block was gated out) and true peak (dBTP). */
    public record Result(double integratedLufs, double truePeakDbtp) {}

    private static final int BLOCK_FRAMES = 8192;

    private final Path file;
    private final AudioFormat format;
    private final AVFilterGraph graph = avfilter_graph_alloc();
    private final AVFilterContext source = new AVFilterContext(null);
    private final AVFilterContext meter = new AVFilterContext(null);
    private final AVFilterContext sink = new AVFilterContext(null);
    private final AVFrame input = av_frame_alloc();
    private final AVFrame output = av_frame_alloc();
    private long pts;

    public Loudness(Path file, AudioFormat format) {
        this.file = file;
        this.format = format;
        try {
            String layout = format.channels() == 1 ? "mono" : "stereo";
            String args = "time_base=1/" + format.sampleRate() + ":sample_rate=" + format.sampleRate()
                    + ":sample_fmt=fltp:channel_layout=" + layout;
            check(avfilter_graph_create_filter(source, avfilter_get_by_name("abuffer"), "in", args, null, graph), "cannot create abuffer");
            check(avfilter_graph_create_filter(meter, avfilter_get_by_name("ebur128"), "r128", "peak=true:framelog=quiet", null, graph),
                    "cannot create the ebur128 filter");
            check(avfilter_graph_create_filter(sink, avfilter_get_by_name("abuffersink"), "out", null, null, graph), "cannot create abuffersink");
            check(avfilter_link(source, 0, meter, 0), "cannot link abuffer to ebur128");
            check(avfilter_link(meter, 0, sink, 0), "cannot link ebur128 to abuffersink");
            check(avfilter_graph_config(graph, null), "cannot configure the loudness filter graph");
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Measures a whole file, read block by block at its own rate (memory does not grow with its length); null when it
     * holds no audio.
     *
     * @throws AudioException naming the file when it cannot be opened or decoded
     */
    public static Result measure(Path file) {
        AudioFormat format = AudioDecoder.sourceFormat(file);
        try (AudioStream stream = AudioDecoder.stream(file, format); Loudness loudness = new Loudness(file, format)) {
            for (Audio block = stream.next(BLOCK_FRAMES); block.frames() > 0; block = stream.next(BLOCK_FRAMES)) {
                loudness.add(block.samples(), block.frames());
            }
            return stream.position() == 0 ? null : loudness.finish();
        }
    }

    /** Measures frames [0, frames) of {@code block[c][n]} (the channels of {@code format}). */
    public void add(float[][] block, int frames) {
        if (frames == 0) {
            return;
        }
        input.format(AV_SAMPLE_FMT_FLTP);
        input.sample_rate(format.sampleRate());
        input.nb_samples(frames);
        av_channel_layout_default(input.ch_layout(), format.channels());
        check(av_frame_get_buffer(input, 0), "cannot allocate a filter frame");
        for (int c = 0; c < format.channels(); c++) {
            new FloatPointer(input.extended_data(c)).put(block[c], 0, frames);
        }
        input.pts(pts);
        pts += frames;
        // Without flags the source takes the frame's buffers and resets it, so the next block allocates fresh ones.
        check(av_buffersrc_add_frame_flags(source, input, 0), "cannot feed the loudness filter");
        drain();
    }

    /** Ends the stream and reads the filter's summary. */
    public Result finish() {
        check(av_buffersrc_add_frame_flags(source, null, 0), "cannot end the loudness filter's input");
        drain();
        return new Result(option("integrated"), option("true_peak"));
    }

    /** Discards the frames the filter passed through: only its running summary matters. */
    private void drain() {
        while (true) {
            int code = av_buffersink_get_frame(sink, output);
            if (code == AVERROR_EAGAIN() || code == AVERROR_EOF()) {
                return;
            }
            check(code, "cannot run the loudness filter");
            av_frame_unref(output);
        }
    }

    private double option(String name) {
        double[] value = new double[1];
        check(av_opt_get_double(meter, name, AV_OPT_SEARCH_CHILDREN, value), "ebur128 has no '" + name + "' result");
        return value[0];
    }

    private void check(int code, String what) {
        if (code < 0) {
            byte[] text = new byte[256];
            av_strerror(code, text, text.length);
            int length = 0;
            while (length < text.length && text[length] != 0) {
                length++;
            }
            throw new AudioException(file, what + ": " + new String(text, 0, length, StandardCharsets.UTF_8));
        }
    }

    @Override
    public void close() {
        av_frame_free(input);
        av_frame_free(output);
        avfilter_graph_free(graph); // frees the three filters with it
    }
}
