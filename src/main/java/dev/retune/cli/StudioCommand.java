package dev.retune.cli;

import dev.retune.ExitCode;
import dev.retune.config.DeviceConfig;
import dev.retune.studio.Studio;
import dev.retune.studio.StudioOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code retune studio}: serves the local web page until SIGINT / SIGTERM. */
@Command(name = "studio",
        mixinStandardHelpOptions = true,
        description = {"Serve the studio, a local web page to generate and listen, compare sources side by side and blind,",
            "watch and start training runs, and browse experiments and sweeps. It works on the models/, runs/,",
            "experiments/, sweeps/ and ratings/ folders of --root and writes its generations under studio/."},
        footer = {"", "Examples:",
            "  retune studio",
            "  retune studio --port 8080 --root ~/retune-work",
            "  retune studio --host 0.0.0.0        (prints a URL with an access token: every request needs it)"})
final class StudioCommand implements Callable<Integer> {

    @Option(names = "--port", paramLabel = "N", description = "TCP port (0: any free port; default ${DEFAULT-VALUE}).")
    int port = StudioOptions.DEFAULT_PORT;

    @Option(names = "--host", paramLabel = "H", description = "Address to bind (default ${DEFAULT-VALUE}); any other than"
            + " loopback requires an access token, generated and printed unless --token gives one.")
    String host = StudioOptions.DEFAULT_HOST;

    @Option(names = "--root", paramLabel = "DIR", description = "The folder of models/, runs/, experiments/, sweeps/ and ratings/ (default: the current folder).")
    Path root = Path.of(".");

    @Option(names = "--token", paramLabel = "T", description = "The access token to require (default: none on loopback, a fresh one otherwise).")
    String token;

    @Option(names = "--device", paramLabel = "D", description = "Where generations run: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    DeviceConfig.Kind device = DeviceConfig.Kind.AUTO;

    @Option(names = "--queue", paramLabel = "N", description = "Generation jobs that may wait behind the running one; more are refused (default ${DEFAULT-VALUE}).")
    int queue = StudioOptions.DEFAULT_QUEUE_LIMIT;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        StudioOptions options = new StudioOptions(host, port, root, token, device, queue, StudioOptions.DEFAULT_UPLOAD_LIMIT);
        PrintWriter out = spec.commandLine().getOut();
        try (GracefulStop stop = GracefulStop.install(); Studio studio = Studio.start(options)) {
            out.println("Retune studio: " + studio.url());
            out.println("serving " + options.root() + "; stop with Ctrl-C (training runs started from the page go on)");
            out.flush();
            stop.holdExit(); // a signal now waits until the running generation is cancelled and the server stopped
            while (!stop.requested().get()) {
                Thread.sleep(200);
            }
        }
        return ExitCode.INTERRUPTED;
    }
}
