package dev.isthmus.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CsvReaderTest {

    @TempDir
    Path dir;

    private Path csv(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' missing from: " + e.getMessage());
        }
    }

    @Test
    void regressionTargetsChosenByName() throws IOException {
        Path f = csv("sums.csv", "a,sum,b\n1,3,2\n0.5, 1.75 ,1.25\r\n\n-2e1,-19,1\n");
        try (TensorDataset ds = CsvReader.of(f).regression("sum")) {
            assertEquals(3, ds.size());
            assertArrayEquals(new int[]{2}, ds.featureShape());
            assertArrayEquals(new float[]{1, 2, 0.5f, 1.25f, -20, 1}, ds.features().toArray());
            assertArrayEquals(new float[]{3, 1.75f, -19}, ds.targets().toArray());
            assertArrayEquals(new int[]{1}, ds.targetShape());
        }
        try (TensorDataset ds = CsvReader.of(f).features("b").regression("a", "sum")) {
            assertArrayEquals(new float[]{2, 1.25f, 1}, ds.features().toArray());
            assertArrayEquals(new float[]{1, 3, 0.5f, 1.75f, -20, -19}, ds.targets().toArray());
        }
    }

    @Test
    void classificationWithQuotesBomSemicolonsAndGzip() throws IOException {
        String text = "\uFEFF\"petal; length\";\"class\";w\n1.5;2;0.1\n\"4.0\";0;0.2\n";
        Path f = csv("iris.csv", text);
        try (TensorDataset ds = CsvReader.of(f).delimiter(';').classification("class", 3)) {
            assertArrayEquals(new int[]{2, 0}, ds.labels());
            assertArrayEquals(new float[]{1.5f, 0.1f, 4f, 0.2f}, ds.features().toArray());
            assertEquals(3, ds.numClasses());
        }
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write("x,y\n1,4\n2,1\n".getBytes(StandardCharsets.UTF_8));
        }
        Path g = Files.write(dir.resolve("compressed.csv"), gz.toByteArray());
        try (TensorDataset ds = CsvReader.of(g).classification("y", 0)) {
            assertEquals(5, ds.numClasses(), "inferred as the largest label + 1");
            assertArrayEquals(new int[]{4, 1}, ds.labels());
        }
    }

    @Test
    void badValuesAreReportedWithFileLineAndColumn() throws IOException {
        Path f = csv("bad.csv", "a,b,c\n1,2,3\n4,five,6\n");
        MalformedDataException e = assertThrows(MalformedDataException.class, () -> CsvReader.of(f).regression("c"));
        assertEquals(3, e.line());
        assertEquals(2, e.column());
        assertMentions(e, f.toString(), "line 3, column 2", "'five' in column 'b' is not a number");

        Path ragged = csv("ragged.csv", "a,b,c\n1,2,3\n4,5\n");
        e = assertThrows(MalformedDataException.class, () -> CsvReader.of(ragged).regression("c"));
        assertMentions(e, ragged.toString(), "line 3", "2 fields, but the header has 3 columns");

        Path empty = csv("empty-field.csv", "a,b\n1,\n");
        assertMentions(assertThrows(MalformedDataException.class, () -> CsvReader.of(empty).regression("b")),
                "line 2, column 2", "empty value in column 'b'");
        Path nan = csv("nan.csv", "a,b\nNaN,1\n");
        assertMentions(assertThrows(MalformedDataException.class, () -> CsvReader.of(nan).regression("b")),
                "'NaN' in column 'a' is not a number");
        Path suffix = csv("suffix.csv", "a,b\n1.5f,1\n");
        assertMentions(assertThrows(MalformedDataException.class, () -> CsvReader.of(suffix).regression("b")),
                "'1.5f'");
        Path huge = csv("huge.csv", "a,b\n1e39,1\n");
        assertMentions(assertThrows(MalformedDataException.class, () -> CsvReader.of(huge).regression("b")),
                "beyond the float range");
        Path quote = csv("quote.csv", "a,b\n\"1,2\n");
        assertMentions(assertThrows(MalformedDataException.class, () -> CsvReader.of(quote).regression("b")),
                "line 2", "unterminated quoted field");
    }

    @Test
    void classLabelsMustBeInRangeIntegers() throws IOException {
        Path f = csv("cls.csv", "x,label\n0.1,1\n0.2,3\n");
        MalformedDataException e = assertThrows(MalformedDataException.class, () -> CsvReader.of(f).classification("label", 3));
        assertMentions(e, "line 3, column 2", "class 3 in column 'label' is out of range for 3 classes");
        Path g = csv("cls2.csv", "x,label\n0.1,1.5\n");
        assertMentions(assertThrows(MalformedDataException.class, () -> CsvReader.of(g).classification("label", 3)),
                "'1.5' in column 'label' is not a class index");
    }

    @Test
    void headerProblems() throws IOException {
        Path f = csv("h.csv", "a,b\n1,2\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CsvReader.of(f).regression("y"));
        assertMentions(e, "no target column 'y'", "[a, b]", f.toString());
        Path dup = csv("dup.csv", "a,b,a\n1,2,3\n");
        assertMentions(assertThrows(MalformedDataException.class, () -> CsvReader.of(dup).regression("b")),
                "'a' appears twice");
        Path empty = csv("empty.csv", "");
        assertMentions(assertThrows(MalformedDataException.class, () -> CsvReader.of(empty).regression("b")),
                "empty file");
        Path onlyTarget = csv("only.csv", "y\n1\n");
        assertMentions(assertThrows(MalformedDataException.class, () -> CsvReader.of(onlyTarget).regression("y")),
                "no feature columns");
        assertThrows(IllegalArgumentException.class, () -> CsvReader.of(f).features("a").regression("a"));
    }
}
