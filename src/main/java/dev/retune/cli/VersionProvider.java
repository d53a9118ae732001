package dev.retune.cli;

import dev.retune.data.AudioDecoder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine;

/** {@code retune --version}: our version and the native libraries actually loaded. */
final class VersionProvider implements CommandLine.IVersionProvider {

    @Override
    public String[] getVersion() {
        String version = Main.class.getPackage().getImplementationVersion();
        return new String[] {
            "retune " + (version == null ? "(development build)" : version),
            "libtorch " + libtorchVersion() + " (Bytedeco pytorch " + packageVersion(torch.class) + ", "
                    + (gpuNatives() ? "GPU" : "CPU") + " natives)",
            cuda(),
            AudioDecoder.ffmpegVersion() + " (Bytedeco ffmpeg " + packageVersion(org.bytedeco.ffmpeg.global.avutil.class) + ")",
            "Java " + System.getProperty("java.version") + " on " + System.getProperty("os.name") + " " + System.getProperty("os.arch"),
        };
    }

    /** Read from the loaded library's build settings, so it is the libtorch in use, not the one we asked for. */
    private static String libtorchVersion() {
        Matcher m = Pattern.compile("TORCH_VERSION=([^,\\s]+)").matcher(torch.show_config().getString());
        return m.find() ? m.group(1) : "(unknown)";
    }

    /** Whether the class path carries libtorch built with CUDA (the {@code gpu} Maven profile). */
    private static boolean gpuNatives() {
        return VersionProvider.class.getClassLoader().getResource("org/bytedeco/pytorch/" + Loader.getPlatform() + "-gpu/") != null;
    }

    /** Whether training and generation can use a GPU here, and if not, why. */
    private static String cuda() {
        if (!gpuNatives()) {
            return "CUDA: not usable (CPU natives; build with RETUNE_MAVEN_ARGS=-Pgpu for the GPU natives)";
        }
        long devices = torch.cuda_device_count();
        return torch.cuda_is_available() ? "CUDA: usable, " + devices + " device" + (devices == 1 ? "" : "s")
                : "CUDA: not usable (GPU natives, but no CUDA driver or device found)";
    }

    private static String packageVersion(Class<?> type) {
        String version = type.getPackage().getImplementationVersion();
        return version == null ? "?" : version;
    }
}
