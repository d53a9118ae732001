package dev.retune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DatasetTest {

    private static final DatasetOptions NO_VALID = new DatasetOptions(0, false);

    @TempDir
    Path root;

    /** A dataset folder under the temp dir, so that tests can also place files outside it. */
    private Path dataset(String name, String csv, String... audioFiles) throws IOException {
        Path dir = Files.createDirectories(root.resolve(name));
        Files.writeString(dir.resolve("metadata.csv"), csv);
        for (String file : audioFiles) {
            touch(dir.resolve(file));
        }
        return dir;
    }

    private static void touch(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, new byte[] {1, 2, 3});
    }

    private static List<Problem.Kind> kinds(DatasetIndex index) {
        return index.problems().stream().map(Problem::kind).toList();
    }

    @Test
    void rowsBecomeTracksWithResolvedPaths() throws IOException {
        Path dir = dataset("ds", "file_name,caption,genre\na.wav,calm piano,jazz\nsub/b.wav,loud drums,rock\n",
                "a.wav", "sub/b.wav");

        DatasetIndex index = Dataset.scan(dir, NO_VALID);

        assertEquals(List.of(), index.problems());
        assertEquals(2, index.rowsRead());
        Track b = index.tracks().get(1);
        assertEquals(new Track(3, "sub/b.wav", dir.resolve("sub/b.wav"), "loud drums", Map.of("genre", "rock"), Split.TRAIN), b);
        assertTrue(b.path().isAbsolute());
        assertEquals(dir.resolve("metadata.csv"), index.csv());
    }

    @ParameterizedTest
    @ValueSource(strings = {"../outside.wav", "a/../../outside.wav"})
    void relativePathLeavingTheFolderIsRejectedUnlessAllowed(String written) throws IOException {
        Path dir = dataset("ds", "file,caption\n" + written + ",x\n");
        touch(root.resolve("outside.wav"));

        DatasetIndex strict = Dataset.scan(dir, NO_VALID);
        assertEquals(List.of(Problem.Kind.PATH_OUTSIDE_DATASET), kinds(strict));
        assertEquals(written, strict.problems().get(0).file());
        assertEquals(List.of(), strict.tracks());

        DatasetIndex lenient = Dataset.scan(dir, new DatasetOptions(0, true));
        assertEquals(List.of(), lenient.problems());
        assertEquals(root.resolve("outside.wav"), lenient.tracks().get(0).path());
    }

    @Test
    void absolutePathIsRejectedUnlessAllowedEvenInsideTheFolder() throws IOException {
        Path outside = root.resolve("elsewhere/x.wav");
        touch(outside);
        Path dir = dataset("ds", "", "in.wav");
        Files.writeString(dir.resolve("metadata.csv"),
                "file,caption\n" + outside + ",x\n" + dir.resolve("in.wav") + ",y\n");

        assertEquals(List.of(Problem.Kind.PATH_OUTSIDE_DATASET, Problem.Kind.PATH_OUTSIDE_DATASET),
                kinds(Dataset.scan(dir, NO_VALID)));

        DatasetIndex lenient = Dataset.scan(dir, new DatasetOptions(0, true));
        assertEquals(List.of(outside, dir.resolve("in.wav")), lenient.tracks().stream().map(Track::path).toList());
    }

    @Test
    void dotDotThatStaysInsideIsFine() throws IOException {
        Path dir = dataset("ds", "file,caption\nsub/../a.wav,x\n", "a.wav");

        assertEquals(dir.resolve("a.wav"), Dataset.scan(dir, NO_VALID).tracks().get(0).path());
    }

    @Test
    void linkToAFileOutsideIsRejectedUnlessAllowed() throws IOException {
        Path outside = root.resolve("elsewhere/x.wav");
        touch(outside);
        Path dir = dataset("ds", "file,caption\nin.wav,x\n");
        Files.createSymbolicLink(dir.resolve("in.wav"), outside);

        DatasetIndex strict = Dataset.scan(dir, NO_VALID);
        assertEquals(List.of(Problem.Kind.PATH_OUTSIDE_DATASET), kinds(strict));
        String message = strict.problems().get(0).message();
        assertTrue(message.startsWith("line 2: 'in.wav' is a symbolic link") && message.contains(outside.toString())
                && message.contains("data.allow_outside_paths"), message);

        DatasetIndex lenient = Dataset.scan(dir, new DatasetOptions(0, true));
        assertEquals(List.of(), lenient.problems());
        assertEquals(dir.resolve("in.wav"), lenient.tracks().get(0).path());
    }

    @Test
    void fileInALinkedFolderLeadingOutsideIsRejected() throws IOException {
        touch(root.resolve("elsewhere/x.wav"));
        Path dir = dataset("ds", "file,caption\nsub/x.wav,x\nsub/../sub/x.wav,y\n");
        Files.createSymbolicLink(dir.resolve("sub"), root.resolve("elsewhere"));

        DatasetIndex index = Dataset.scan(dir, NO_VALID);

        assertEquals(List.of(Problem.Kind.PATH_OUTSIDE_DATASET, Problem.Kind.PATH_OUTSIDE_DATASET), kinds(index));
        assertEquals(List.of(), index.tracks());
    }

    @Test
    void linksThatStayInsideAndALinkedDatasetFolderAreFine() throws IOException {
        Path dir = dataset("ds", "file,caption\nalias.wav,x\nclips/a.wav,y\n", "audio/a.wav");
        Files.createSymbolicLink(dir.resolve("alias.wav"), Path.of("audio/a.wav"));
        Files.createSymbolicLink(dir.resolve("clips"), dir.resolve("audio"));
        Path linkedDataset = Files.createSymbolicLink(root.resolve("linked-ds"), dir);

        for (Path folder : List.of(dir, linkedDataset)) {
            DatasetIndex index = Dataset.scan(folder, NO_VALID);

            assertEquals(List.of(), index.problems(), folder.toString());
            assertEquals(List.of(folder.resolve("alias.wav"), folder.resolve("clips/a.wav")),
                    index.tracks().stream().map(Track::path).toList());
        }
    }

    @Test
    void danglingLinkIsAMissingFile() throws IOException {
        Path dir = dataset("ds", "file,caption\ngone.wav,x\n");
        Files.createSymbolicLink(dir.resolve("gone.wav"), dir.resolve("deleted.wav"));

        DatasetIndex index = Dataset.scan(dir, NO_VALID);

        assertEquals(List.of(Problem.Kind.MISSING_FILE), kinds(index));
        assertEquals("line 2: symbolic link to nothing (its target is missing, or the links loop): " + dir.resolve("gone.wav"),
                index.problems().get(0).message());
    }

    @Test
    void folderOrPipeNamedAsAudioIsNotAFileAndThePipeIsNeverOpened() throws IOException {
        Path dir = dataset("ds", "file,caption\nsub,x\npipe.wav,y\nlinked-pipe.wav,z\n", "sub/a.wav");
        TestFiles.namedPipe(dir.resolve("pipe.wav"));
        Files.createSymbolicLink(dir.resolve("linked-pipe.wav"), Path.of("pipe.wav"));

        // Allowing outside paths must not let a pipe through either.
        for (DatasetOptions options : List.of(NO_VALID, new DatasetOptions(0, true))) {
            DatasetIndex index = Dataset.scan(dir, options);

            assertEquals(List.of(Problem.Kind.NOT_A_FILE, Problem.Kind.NOT_A_FILE, Problem.Kind.NOT_A_FILE), kinds(index));
            assertEquals(List.of(
                    "line 2: " + dir.resolve("sub") + " is a folder, not a regular audio file",
                    "line 3: " + dir.resolve("pipe.wav") + " is a pipe, device or socket, not a regular audio file",
                    "line 4: " + dir.resolve("linked-pipe.wav") + " is a pipe, device or socket, not a regular audio file"),
                    index.problems().stream().map(Problem::message).toList());
        }
    }

    @Test
    void metadataCsvThatIsAPipeIsRefusedWithoutReadingIt() throws IOException {
        Path dir = Files.createDirectories(root.resolve("ds"));
        TestFiles.namedPipe(dir.resolve("metadata.csv"));

        // Reading the pipe would block forever; the limit only keeps a regression from hanging the build.
        DatasetException e = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> assertThrows(DatasetException.class, () -> Dataset.scan(dir, NO_VALID)));

        assertTrue(e.getMessage().startsWith(dir.resolve("metadata.csv") + " is not a regular file"), e.getMessage());
    }

    @Test
    void datasetPathThatIsAFileIsRefusedAsNotAFolder() throws IOException {
        Path file = Files.writeString(root.resolve("metadata.csv"), "file,caption\n");

        DatasetException e = assertThrows(DatasetException.class, () -> Dataset.scan(file, NO_VALID));

        assertTrue(e.getMessage().startsWith(file + " is not a folder"), e.getMessage());
    }

    @Test
    void missingFileIsReportedWithItsResolvedPath() throws IOException {
        Path dir = dataset("ds", "file,caption\na.wav,x\ngone.wav,y\n", "a.wav");

        DatasetIndex index = Dataset.scan(dir, NO_VALID);

        assertEquals(List.of(Problem.Kind.MISSING_FILE), kinds(index));
        Problem problem = index.problems().get(0);
        assertEquals(3, problem.line());
        assertTrue(problem.message().contains(dir.resolve("gone.wav").toString()), problem.message());
        assertEquals(List.of("a.wav"), index.tracks().stream().map(Track::file).toList());
    }

    @Test
    void emptyPathAndEmptyCaptionAreReportedAndSkipped() throws IOException {
        Path dir = dataset("ds", "file,caption\n,x\na.wav,   \nb.wav,ok\n", "a.wav", "b.wav");

        DatasetIndex index = Dataset.scan(dir, NO_VALID);

        assertEquals(List.of(Problem.Kind.EMPTY_PATH, Problem.Kind.EMPTY_CAPTION), kinds(index));
        assertEquals(List.of(2, 3), index.problems().stream().map(Problem::line).toList());
        assertEquals(List.of("b.wav"), index.tracks().stream().map(Track::file).toList());
    }

    @Test
    void exactDuplicateIsSkippedButCaptionVariantsAreKept() throws IOException {
        Path dir = dataset("ds", "file,caption\na.wav,calm\na.wav,soft and calm\n./a.wav,calm\n", "a.wav");

        DatasetIndex index = Dataset.scan(dir, NO_VALID);

        assertEquals(List.of(Problem.Kind.DUPLICATE), kinds(index));
        Problem duplicate = index.problems().get(0);
        assertEquals(4, duplicate.line());
        assertTrue(duplicate.message().contains("line 2"), duplicate.message());
        assertEquals(List.of("calm", "soft and calm"), index.tracks().stream().map(Track::description).toList());
    }

    @Test
    void csvProblemsAreCarriedAlong() throws IOException {
        Path dir = dataset("ds", "file,caption\na.wav,x,extra\nb.wav,y\n", "a.wav", "b.wav");

        DatasetIndex index = Dataset.scan(dir, NO_VALID);

        assertEquals(List.of(Problem.Kind.MALFORMED_CSV), kinds(index));
        assertEquals(2, index.rowsRead(), "the malformed row counts as read");
        assertEquals(1, index.tracks().size());
    }

    @Test
    void splitColumnDecidesAndUnknownValuesAreProblems() throws IOException {
        Path dir = dataset("ds", """
                file,caption,split
                a.wav,x,train
                b.wav,x,VALID
                c.wav,x,Validation
                d.wav,x,test
                e.wav,x,holdout
                f.wav,x,
                """, "a.wav", "b.wav", "c.wav", "d.wav", "e.wav", "f.wav");

        // A valid fraction just under 1 sends every hashed row to VALID, so f.wav shows the blank cell used the hash.
        DatasetIndex index = Dataset.scan(dir, new DatasetOptions(0.999999, false));

        assertEquals(List.of("a.wav"), index.train().stream().map(Track::file).toList());
        assertEquals(List.of("b.wav", "c.wav", "d.wav", "f.wav"), index.valid().stream().map(Track::file).toList());
        assertEquals(List.of(Problem.Kind.MALFORMED_CSV), kinds(index));
        String message = index.problems().get(0).message();
        assertTrue(message.startsWith("line 6:") && message.contains("holdout") && message.contains("validation"), message);
    }

    @Test
    void zeroValidFractionGivesNoValidationTracks() throws IOException {
        DatasetIndex index = Dataset.scan(syntheticDataset("ds", 300), NO_VALID);

        assertEquals(300, index.train().size());
        assertEquals(List.of(), index.valid());
    }

    @Test
    void hashSplitRoughlyMatchesTheFraction() throws IOException {
        Path dir = syntheticDataset("ds", 2000);

        for (double fraction : new double[] {0.1, 0.3}) {
            double measured = Dataset.scan(dir, new DatasetOptions(fraction, false)).valid().size() / 2000.0;
            assertEquals(fraction, measured, 0.03, "valid fraction " + fraction);
        }
    }

    @Test
    void hashSplitOfAPathDoesNotDependOnOtherRowsOrOnWhereTheFolderIs() throws IOException {
        DatasetOptions options = new DatasetOptions(0.3, false);
        Map<String, Split> before = splits(Dataset.scan(syntheticDataset("small", 200), options));

        // A second folder elsewhere, with 300 more files and the rows in another order.
        List<String> names = new ArrayList<>(fileNames(500));
        Collections.shuffle(names, new Random(7));
        Path bigger = dataset("bigger", csvFor(names), names.toArray(String[]::new));
        Map<String, Split> after = splits(Dataset.scan(bigger, options));

        before.forEach((file, split) -> assertEquals(split, after.get(file), file));
        assertTrue(before.containsValue(Split.VALID) && before.containsValue(Split.TRAIN), "both splits occur");
    }

    @Test
    void scanningWritesNothingIntoTheDataset() throws IOException {
        Path dir = dataset("ds", "file,caption\na.wav,x\nmissing.wav,y\n", "a.wav");
        List<Path> before = listing(dir);

        Dataset.scan(dir, DatasetOptions.DEFAULTS);

        assertEquals(before, listing(dir));
    }

    @Test
    void folderWithoutMetadataCsvIsRefusedNamingThePath() throws IOException {
        Path dir = Files.createDirectories(root.resolve("ds"));

        DatasetException e = assertThrows(DatasetException.class, () -> Dataset.scan(dir, NO_VALID));

        assertTrue(e.getMessage().contains(dir.resolve("metadata.csv").toString()), e.getMessage());
        assertThrows(DatasetException.class, () -> Dataset.scan(root.resolve("no-such-folder"), NO_VALID));
    }

    @ParameterizedTest
    @ValueSource(doubles = {-0.1, 1.0, Double.NaN})
    void validFractionOutsideRangeIsRefusedNamingTheKey(double fraction) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DatasetOptions(fraction, false));

        assertTrue(e.getMessage().contains("data.valid_fraction"), e.getMessage());
    }

    @Test
    void defaultsHoldOutATenthAndStayInside() {
        assertEquals(new DatasetOptions(0.1, false), DatasetOptions.DEFAULTS);
    }

    private Path syntheticDataset(String name, int count) throws IOException {
        List<String> names = fileNames(count);
        return dataset(name, csvFor(names), names.toArray(String[]::new));
    }

    private static List<String> fileNames(int count) {
        return Stream.iterate(0, i -> i + 1).limit(count).map(i -> "clips/track_" + i + ".wav").toList();
    }

    private static String csvFor(List<String> files) {
        return files.stream().map(f -> f + ",music of " + f).collect(Collectors.joining("\n", "file,caption\n", "\n"));
    }

    private static Map<String, Split> splits(DatasetIndex index) {
        return index.tracks().stream().collect(Collectors.toMap(Track::file, Track::split, (a, b) -> a, HashMap::new));
    }

    private static List<Path> listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.sorted().toList();
        }
    }
}
