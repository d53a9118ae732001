package dev.retune.experiment;

import dev.retune.data.AtomicFile;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The research package of a finished experiment: one zip with README.md (the findings of the research log, then the
 * report), experiment.json, analysis.json, report.md, report.html, notes.jsonl, the plots, the audio with its sidecars (unless left
 * out), and {@code SHA256SUMS}: the SHA-256 of every other entry, in {@code sha256sum}'s format, so
 * {@code sha256sum -c SHA256SUMS} verifies the unpacked package. Files are streamed into the zip (memory does not grow
 * with the audio) and entries carry a fixed time, so the same folder packs to the same bytes.
 */
public final class ExperimentPackage {

    static final String MANIFEST = "SHA256SUMS";

    private static final LocalDateTime ENTRY_TIME = LocalDateTime.of(2000, 1, 1, 0, 0);

    /** @param entries files in the zip, the manifest included */
    public record Summary(Path zip, int entries) {}

    private ExperimentPackage() {}

    /** Packs the finished experiment in {@code folder} into {@code zip} (written atomically). */
    public static Summary write(Path folder, Path zip, boolean audio) {
        ExperimentNotes.sampleIds(folder); // only a finished experiment is packed
        List<String> files = files(folder, audio);
        int[] entries = {0};
        AtomicFile.write(zip, temp -> {
            try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(temp))) {
                StringBuilder manifest = new StringBuilder();
                byte[] readme = readme(folder).getBytes(StandardCharsets.UTF_8);
                manifest.append(put(out, "README.md", new ByteArrayInputStream(readme))).append("  README.md\n");
                for (String name : files) {
                    try (InputStream in = Files.newInputStream(folder.resolve(name))) {
                        manifest.append(put(out, name, in)).append("  ").append(name).append('\n');
                    }
                }
                put(out, MANIFEST, new ByteArrayInputStream(manifest.toString().getBytes(StandardCharsets.UTF_8)));
                entries[0] = files.size() + 2;
            }
        });
        return new Summary(zip, entries[0]);
    }

    /** The folder's files to pack, relative and with '/' separators, in a fixed order. */
    private static List<String> files(Path folder, boolean audio) {
        List<String> files = new ArrayList<>();
        for (String name : List.of("experiment.json", "analysis.json", "report.md", "report.html", ExperimentNotes.FILE)) {
            if (Files.isRegularFile(folder.resolve(name))) {
                files.add(name);
            }
        }
        for (String tree : audio ? List.of("plots", "audio") : List.of("plots")) {
            if (!Files.isDirectory(folder.resolve(tree))) {
                continue;
            }
            try (Stream<Path> paths = Files.walk(folder.resolve(tree))) {
                paths.filter(Files::isRegularFile).map(p -> folder.relativize(p).toString().replace('\\', '/'))
                        .filter(name -> !name.contains("/.")) // temp files of an atomic write in progress
                        .sorted().forEach(files::add);
            } catch (IOException e) {
                throw new ExperimentException(folder.resolve(tree) + " cannot be listed: " + e.getMessage());
            }
        }
        return files;
    }

    /** README.md: the findings, newest last, then the report. */
    private static String readme(Path folder) throws IOException {
        StringBuilder readme = new StringBuilder("# Research package: " + folder.toAbsolutePath().normalize().getFileName() + "\n\n## Findings\n\n");
        List<ExperimentNotes.Note> notes = ExperimentNotes.read(folder);
        if (notes.isEmpty()) {
            readme.append("No findings were noted (retune experiment note DIR --title T --text X).\n");
        }
        for (ExperimentNotes.Note note : notes) {
            readme.append("### ").append(note.title()).append("\n\n").append(note.time())
                    .append(note.related() == null ? "" : " · about " + note.related()).append("\n\n").append(note.text()).append("\n\n");
        }
        Path report = folder.resolve("report.md");
        if (Files.isRegularFile(report)) {
            readme.append("\n## The experiment\n\n").append(Files.readString(report).replaceAll("(?m)^#", "##"));
        }
        return readme.toString();
    }

    /** Writes one entry from {@code in}; returns the SHA-256 of its bytes in hex. */
    private static String put(ZipOutputStream out, String name, InputStream in) throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setTimeLocal(ENTRY_TIME);
        out.putNextEntry(entry);
        DigestInputStream digesting = new DigestInputStream(in, sha256());
        digesting.transferTo(out);
        out.closeEntry();
        return HexFormat.of().formatHex(digesting.getMessageDigest().digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
