package dev.isthmus.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HistoryTest {
    @TempDir
    Path dir;

    static Map<String, Double> metrics(Object... kv) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], ((Number) kv[i + 1]).doubleValue());
        }
        return m;
    }

    static History sample() {
        History h = new History();
        h.add(new EpochRecord(1, 0.9, 0.8, metrics("val_acc", 0.7), 1e-3, 12.5, 5210.25, 0.05));
        h.add(new EpochRecord(2, 0.123456789012345, Double.NaN, metrics("val_acc", 0.8125, "val_f1", 0.1 + 0.2),
                5e-4, 11.0, 5400, 0.0));
        h.add(new EpochRecord(3, Double.POSITIVE_INFINITY, 0.4, Map.of(), Double.NaN, 10.0, 1.0 / 3, 1e-9));
        return h;
    }

    static void assertSame(History expected, History actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            EpochRecord e = expected.records().get(i);
            EpochRecord a = actual.records().get(i);
            for (String c : EpochRecord.FIXED_COLUMNS) {
                assertEquals(e.value(c), a.value(c), "epoch " + e.epoch() + " " + c); // exact, NaN == NaN
            }
            assertEquals(e.metrics().keySet(), a.metrics().keySet(), "epoch " + e.epoch() + " metric names");
            for (String m : e.metrics().keySet()) {
                assertEquals(e.metric(m), a.metric(m), "epoch " + e.epoch() + " " + m);
            }
        }
    }

    @Test
    void csvTextHasFixedColumnsThenMetricsAndEmptyCellsForMissing() {
        String expected = """
                epoch,train_loss,val_loss,lr,seconds,samples_per_s,data_wait_s,val_acc,val_f1
                1,0.9,0.8,0.001,12.5,5210.25,0.05,0.7,
                2,0.123456789012345,,5.0E-4,11.0,5400.0,0.0,0.8125,0.30000000000000004
                3,Infinity,0.4,,10.0,0.3333333333333333,1.0E-9,,
                """;
        assertEquals(expected, sample().toCsv());
    }

    @Test
    void csvRoundTripIsExact() throws IOException {
        History h = sample();
        Path f = dir.resolve("history.csv");
        h.save(f);
        assertSame(h, History.load(f));
    }

    @Test
    void jsonRoundTripIsExactWithNullForNaN() throws IOException {
        History h = sample();
        Path f = dir.resolve("history.json");
        h.save(f);
        String text = Files.readString(f);
        assertTrue(text.contains("\"format\" : \"isthmus-history\""), text);
        assertTrue(text.contains("\"val_loss\" : null"), text);
        assertTrue(text.contains("\"train_loss\" : \"Infinity\""), text);
        assertSame(h, History.load(f));
    }

    @Test
    void saveReplacesAtomicallyAndLeavesNoTemporaryFiles() throws IOException {
        Path f = dir.resolve("sub/history.json");
        History h = sample();
        h.save(f);
        h.add(new EpochRecord(4, 0.3, 0.35, metrics("val_acc", 0.9), 1e-4, 9, 6000, 0.1));
        h.save(f);
        assertEquals(4, History.load(f).lastEpoch());
        try (Stream<Path> files = Files.list(f.getParent())) {
            assertEquals(List.of(f), files.toList(), "only the target remains");
        }
        if (f.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Path plain = Files.createFile(dir.resolve("plain"));
            assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(f),
                    "permissions as for any new file (umask), not owner-only like a temp file");
        }
    }

    @Test
    void failedSaveKeepsThePreviousFile() throws IOException {
        Path f = dir.resolve("history.csv");
        sample().save(f);
        String before = Files.readString(f);
        Path blocked = dir.resolve("history.csv.d");
        Files.createDirectory(blocked);
        Files.writeString(blocked.resolve("x"), "occupied");
        // Renaming a file over a non-empty directory fails: the target directory stays, and no temp file is left.
        assertThrows(IOException.class, () -> sample().saveCsv(blocked));
        assertEquals(before, Files.readString(f));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(2, files.count());
        }
    }

    @Test
    void queries() {
        History h = sample();
        assertEquals(3, h.lastEpoch());
        assertEquals(List.of("val_acc", "val_f1"), List.copyOf(h.metricNames()));
        assertArrayEquals(new double[]{0.7, 0.8125, Double.NaN}, h.column("val_acc"));
        assertEquals(2, h.best("val_acc", true).epoch());
        assertEquals(3, h.best("val_loss", false).epoch());
        assertNull(h.best("nothing", true));
        h.truncateAfter(1);
        assertEquals(1, h.lastEpoch());
        assertEquals(0, new History().lastEpoch());
        assertEquals(0.05 / 12.5, sample().records().getFirst().dataWaitFraction(), 1e-15);
    }

    @Test
    void rejectsNonIncreasingEpochsAndBadNames() {
        History h = sample();
        var e = assertThrows(IllegalArgumentException.class,
                () -> h.add(new EpochRecord(3, 1, 1, Map.of(), 1, 1, 1, 0)));
        assertTrue(e.getMessage().contains("epoch 3 after epoch 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new EpochRecord(0, 1, 1, Map.of(), 1, 1, 1, 0));
        for (String bad : new String[]{"a,b", "", " acc", "lr", "x\"y", "a\nb"}) {
            assertThrows(IllegalArgumentException.class,
                    () -> new EpochRecord(1, 1, 1, Map.of(bad, 1.0), 1, 1, 1, 0), bad);
        }
    }

    @Test
    void loadingReportsTheFileAndTheProblem() throws IOException {
        Path csv = dir.resolve("bad.csv");
        Files.writeString(csv, "epoch,loss\n1,2\n");
        var e1 = assertThrows(IOException.class, () -> History.load(csv));
        assertTrue(e1.getMessage().contains("bad.csv") && e1.getMessage().contains("header"), e1.getMessage());

        Path csv2 = dir.resolve("short.csv");
        Files.writeString(csv2, sample().toCsv() + "4,1,1\n");
        var e2 = assertThrows(IOException.class, () -> History.load(csv2));
        assertTrue(e2.getMessage().contains("line 5"), e2.getMessage());

        Path csv3 = dir.resolve("number.csv");
        Files.writeString(csv3, sample().toCsv().replace("0.9,0.8", "0.9,zero"));
        var e3 = assertThrows(IOException.class, () -> History.load(csv3));
        assertTrue(e3.getMessage().contains("line 2"), e3.getMessage());

        Path json = dir.resolve("other.json");
        Files.writeString(json, "{\"epochs\": []}");
        var e4 = assertThrows(IOException.class, () -> History.load(json));
        assertTrue(e4.getMessage().contains("isthmus-history"), e4.getMessage());

        Path json2 = dir.resolve("broken.json");
        Files.writeString(json2, "{\"format\": \"isthmus-history\", ");
        var e5 = assertThrows(IOException.class, () -> History.load(json2));
        assertTrue(e5.getMessage().contains("broken.json"), e5.getMessage());

        Path json3 = dir.resolve("epochless.json");
        Files.writeString(json3, "{\"format\": \"isthmus-history\", \"version\": 1, \"epochs\": [{\"train_loss\": 1}]}");
        var e6 = assertThrows(IOException.class, () -> History.load(json3));
        assertTrue(e6.getMessage().contains("epochs[0]"), e6.getMessage());

        assertThrows(IllegalArgumentException.class, () -> History.load(dir.resolve("history.txt")));
    }
}
