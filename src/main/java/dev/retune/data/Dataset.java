package dev.retune.data;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a dataset folder (audio files plus a metadata.csv naming them) into tracks, checking every row: the audio
 * path must stay inside the folder, also once symbolic links are followed, and name an existing regular file; the
 * description must not be empty, and a row must not repeat an earlier one. Rows that fail a check are skipped and
 * reported; the folder is only ever read, and no audio file is opened here.
 */
public final class Dataset {

    public static final String METADATA_FILE = "metadata.csv";

    /** Optional column that fixes each row's split; without it the split comes from a hash of the path. */
    public static final String SPLIT_COLUMN = "split";

    private Dataset() {}

    public static DatasetIndex scan(Path datasetDir, DatasetOptions options) {
        Path dir = datasetDir.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new DatasetException(Files.exists(dir)
                    ? dir + " is not a folder; a dataset is a folder holding " + METADATA_FILE + " and the audio files"
                    : "dataset folder not found: " + dir);
        }
        MetadataTable table = MetadataCsv.read(dir.resolve(METADATA_FILE));
        Scan scan = new Scan(dir, realPath(dir), options, table.problems());
        table.rows().forEach(scan::add);
        // Stable sort: the CSV's own problems came first, but a report reads best in file order.
        scan.problems.sort(Comparator.comparingInt(Problem::line));
        // Each of the table's own problems is one malformed row, so those rows count as read too.
        return new DatasetIndex(dir, table.csv(), scan.tracks, scan.problems, table.rows().size() + table.problems().size());
    }

    /** The state of one pass over the rows: tracks kept so far, problems found, and rows seen for duplicates. */
    private static final class Scan {
        private final Path dir;
        private final Path realDir;
        private final DatasetOptions options;
        private final List<Track> tracks = new ArrayList<>();
        private final List<Problem> problems;
        private final Map<TrackKey, Integer> firstLine = new HashMap<>();

        Scan(Path dir, Path realDir, DatasetOptions options, List<Problem> csvProblems) {
            this.dir = dir;
            this.realDir = realDir;
            this.options = options;
            this.problems = new ArrayList<>(csvProblems);
        }

        void add(MetadataRow row) {
            List<Problem> found = new ArrayList<>();
            Path path = resolve(row, found);
            if (row.description().isEmpty()) {
                found.add(problem(row, Problem.Kind.EMPTY_CAPTION, "the description is empty"));
            }
            Optional<Split> named = namedSplit(row, found);
            if (!found.isEmpty()) {
                problems.addAll(found);
                return;
            }
            // The same file with another description is a caption variant and welcome; the same pair again is not.
            Integer earlier = firstLine.putIfAbsent(new TrackKey(path, row.description()), row.line());
            if (earlier != null) {
                problems.add(problem(row, Problem.Kind.DUPLICATE,
                        "same file and description as line " + earlier + "; this row is skipped"));
                return;
            }
            Split split = named.orElseGet(() -> hashSplit(relative(path), options.validFraction()));
            tracks.add(new Track(row.line(), row.audio(), path, row.description(), row.metadata(), split));
        }

        /** The absolute file a row names, or null after adding the reason it cannot be used. */
        private Path resolve(MetadataRow row, List<Problem> found) {
            if (row.audio().isEmpty()) {
                found.add(problem(row, Problem.Kind.EMPTY_PATH, "the audio path is empty"));
                return null;
            }
            Path written;
            try {
                written = Path.of(row.audio());
            } catch (InvalidPathException e) {
                found.add(problem(row, Problem.Kind.MISSING_FILE, "not a usable path: " + e.getReason()));
                return null;
            }
            Path resolved = dir.resolve(written).normalize();
            if (!options.allowOutsidePaths() && (written.isAbsolute() || !resolved.startsWith(dir))) {
                String why = written.isAbsolute() ? "is an absolute path" : "leads outside the dataset folder " + dir;
                found.add(outside(row, why + "; write paths relative to the folder of metadata.csv"));
                return null;
            }
            if (!Files.exists(resolved)) {
                String why = Files.isSymbolicLink(resolved)
                        ? "symbolic link to nothing (its target is missing, or the links loop): "
                        : "file not found: ";
                found.add(problem(row, Problem.Kind.MISSING_FILE, why + resolved));
                return null;
            }
            // A link (the file, or a folder on its way) may lead out of the dataset although the path itself does not.
            Path real;
            try {
                real = resolved.toRealPath();
            } catch (IOException e) {
                found.add(problem(row, Problem.Kind.MISSING_FILE, "cannot resolve " + resolved + ": " + e));
                return null;
            }
            if (!options.allowOutsidePaths() && !real.startsWith(realDir)) {
                found.add(outside(row, "is a symbolic link, or lies in a linked folder, leading to " + real
                        + " outside the dataset folder " + realDir + "; copy the file into the dataset"));
                return null;
            }
            // Only a regular file may reach the decoder: a named pipe would block the reader forever.
            if (!Files.isRegularFile(real)) {
                String what = Files.isDirectory(real) ? "a folder" : "a pipe, device or socket";
                found.add(problem(row, Problem.Kind.NOT_A_FILE, resolved + " is " + what + ", not a regular audio file"));
                return null;
            }
            return resolved;
        }

        private Problem outside(MetadataRow row, String whyAndFix) {
            return problem(row, Problem.Kind.PATH_OUTSIDE_DATASET, "'" + row.audio() + "' " + whyAndFix
                    + ", or set data.allow_outside_paths");
        }

        /** The split a {@code split} cell names; empty when there is no such column or the cell is blank. */
        private Optional<Split> namedSplit(MetadataRow row, List<Problem> found) {
            String cell = row.metadata().getOrDefault(SPLIT_COLUMN, "");
            if (cell.isEmpty()) {
                return Optional.empty();
            }
            Optional<Split> split = Split.fromName(cell);
            if (split.isEmpty()) {
                found.add(problem(row, Problem.Kind.MALFORMED_CSV, "unknown split '" + cell + "'; accepted: "
                        + String.join(", ", Split.TRAIN_NAMES) + ", " + String.join(", ", Split.VALID_NAMES)));
            }
            return split;
        }

        /** The dataset-relative path with '/' separators, so the hash is the same on every OS. */
        private String relative(Path path) {
            return dir.relativize(path).toString().replace(File.separatorChar, '/');
        }
    }

    /** The folder with every symbolic link on its path followed; the dataset folder itself may well be a link. */
    private static Path realPath(Path dir) {
        try {
            return dir.toRealPath();
        } catch (IOException e) {
            throw new DatasetException("cannot resolve the dataset folder " + dir + ": " + e, e);
        }
    }

    /**
     * VALID when the path's hash, read as a fraction in [0, 1), falls below {@code validFraction}. The hash depends on
     * nothing but the path, so adding or removing other files never moves a track from one split to the other.
     */
    private static Split hashSplit(String relativePath, double validFraction) {
        byte[] digest = sha256(relativePath.getBytes(StandardCharsets.UTF_8));
        long bits = ByteBuffer.wrap(digest, 0, Long.BYTES).getLong();
        double fraction = (bits >>> 11) * 0x1.0p-53; // top 53 bits: exactly representable, always below 1
        return fraction < validFraction ? Split.VALID : Split.TRAIN;
    }

    private static byte[] sha256(byte[] input) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(input);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime must provide SHA-256", e);
        }
    }

    private static Problem problem(MetadataRow row, Problem.Kind kind, String message) {
        return new Problem(row.line(), row.audio(), kind, "line " + row.line() + ": " + message);
    }

    private record TrackKey(Path path, String description) {}
}
