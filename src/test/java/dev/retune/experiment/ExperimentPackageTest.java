package dev.retune.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The research log and the package of a finished experiment folder (files made by hand: no model needed). */
class ExperimentPackageTest {

    @TempDir
    Path dir;

    private Path folder;

    @BeforeEach
    void aFinishedExperimentFolder() throws IOException {
        folder = dir.resolve("exp");
        Files.createDirectories(folder.resolve("plots"));
        Files.createDirectories(folder.resolve("audio/base/default/calm"));
        Files.writeString(folder.resolve("experiment.json"), "{\"samples\": [{\"id\": \"base/default/calm/p000-s000\"}]}\n");
        Files.writeString(folder.resolve("analysis.json"), "{\"groups\": []}\n");
        Files.writeString(folder.resolve("report.md"), "# Experiment exp\n\nthe tables\n");
        Files.write(folder.resolve("plots/lufs-by-parameter-set.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        Files.write(folder.resolve("audio/base/default/calm/p000-s000.wav"), new byte[] {'R', 'I', 'F', 'F', 0, 1, 2});
        Files.writeString(folder.resolve("audio/base/default/calm/p000-s000.wav.json"), "{}\n");
    }

    @Test
    void theManifestVerifiesEveryEntryAndTheReadmeListsTheFindings() throws Exception {
        ExperimentNotes.add(folder, "Flatter spectrum", "Training lowered spectral flatness.", "base/default");

        ExperimentPackage.Summary summary = ExperimentPackage.write(folder, dir.resolve("exp.zip"), true);

        Map<String, byte[]> entries = unzip(dir.resolve("exp.zip"));
        assertEquals(List.of("README.md", "experiment.json", "analysis.json", "report.md", "notes.jsonl",
                "plots/lufs-by-parameter-set.png", "audio/base/default/calm/p000-s000.wav", "audio/base/default/calm/p000-s000.wav.json",
                ExperimentPackage.MANIFEST), List.copyOf(entries.keySet()));
        assertEquals(entries.size(), summary.entries());
        List<String> manifest = new String(entries.get(ExperimentPackage.MANIFEST), StandardCharsets.UTF_8).lines().toList();
        assertEquals(entries.size() - 1, manifest.size());
        for (String line : manifest) {
            String[] parts = line.split("  ", 2);
            assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(entries.get(parts[1]))), parts[0], parts[1]);
        }
        assertArrayEquals(Files.readAllBytes(folder.resolve("audio/base/default/calm/p000-s000.wav")),
                entries.get("audio/base/default/calm/p000-s000.wav"));
        String readme = new String(entries.get("README.md"), StandardCharsets.UTF_8);
        assertTrue(readme.contains("### Flatter spectrum"), readme);
        assertTrue(readme.contains("about base/default\n\nTraining lowered spectral flatness."), readme);
        assertTrue(readme.contains("## Experiment exp"), readme);
    }

    @Test
    void withoutAudioTheAudioIsLeftOutAndTheSameFolderPacksToTheSameBytes() throws Exception {
        ExperimentPackage.write(folder, dir.resolve("a.zip"), false);
        ExperimentPackage.write(folder, dir.resolve("b.zip"), false);

        assertTrue(unzip(dir.resolve("a.zip")).keySet().stream().noneMatch(name -> name.startsWith("audio/")));
        assertArrayEquals(Files.readAllBytes(dir.resolve("a.zip")), Files.readAllBytes(dir.resolve("b.zip")));
    }

    @Test
    void aNoteAboutNoSampleOrOnAnUnfinishedExperimentIsRefused() {
        ExperimentException unknown = assertThrows(ExperimentException.class, () -> ExperimentNotes.add(folder, "t", "x", "demo/default"));
        assertTrue(unknown.getMessage().contains("no sample 'demo/default'"), unknown.getMessage());
        ExperimentException unfinished = assertThrows(ExperimentException.class, () -> ExperimentNotes.add(dir, "t", "x", null));
        assertTrue(unfinished.getMessage().contains("no experiment.json"), unfinished.getMessage());
        assertThrows(ExperimentException.class, () -> ExperimentPackage.write(dir, dir.resolve("x.zip"), true));
    }

    private static Map<String, byte[]> unzip(Path zip) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                entries.put(entry.getName(), in.readAllBytes());
            }
        }
        return entries;
    }
}
