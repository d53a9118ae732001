package dev.retune.cli;

import dev.retune.data.AudioDecoder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** {@code retune --version}: our version and the native libraries actually loaded. */
final class VersionProvider implements CommandLine.IVersionProvider {

    @Override
    public String[] getVersion() {
        String version = Main.class.getPackage().getImplementationVersion();
        return new String[] {
            "retune " + (version == null ? "(development build)" : version),
            "libtorch " + libtorchVersion() + " (Bytedeco pytorch " + packageVersion(org.bytedeco.pytorch.global.torch.class) + ")",
            AudioDecoder.ffmpegVersion() + " (Bytedeco ffmpeg " + packageVersion(org.bytedeco.ffmpeg.global.avutil.class) + ")",
            "Java " + System.getProperty("java.version") + " on " + System.getProperty("os.name") + " " + System.getProperty("os.arch"),
        };
    }

    /** Read from the loaded library's build settings, so it is the libtorch in use, not the one we asked for. */
    private static String libtorchVersion() {
        Matcher m = Pattern.compile("TORCH_VERSION=([^,\\s]+)").matcher(org.bytedeco.pytorch.global.torch.show_config().getString());
        return m.find() ? m.group(1) : "(unknown)";
    }

    private static String packageVersion(Class<?> type) {
        String version = type.getPackage().getImplementationVersion();
        return version == null ? "?" : version;
    }
}
