package dev.isthmus.cli;

import dev.isthmus.data.CsvReader;
import dev.isthmus.data.Idx;
import dev.isthmus.data.MalformedDataException;
import dev.isthmus.data.StrictGzipInputStream;
import dev.isthmus.data.TensorDataset;
import dev.isthmus.io.CheckpointFormatException;
import dev.isthmus.io.CheckpointMismatchException;
import dev.isthmus.io.SafeTensors;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.ModelLoader;
import dev.isthmus.nn.ModelPlan;
import dev.isthmus.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fuzz run of CI (issue 11): every parser of outside input gets seeded structured mutations of the committed
 * valid seeds, 20,000 inputs in all, each under a time limit, in a JVM of its own with a 256 MB heap (the
 * {@code fuzz} Surefire execution of samples/pom.xml). It fails on any Error, any exception type a parser does not
 * document, any corrupt input accepted, any input over the limit; the failing inputs land in
 * {@code target/fuzz-crashers/} for committing under {@code fuzz/regressions/}, which every run replays first.
 * Figures (inputs, outcomes, peak heap, slowest input) go to stdout and {@code target/fuzz-report.txt}.
 */
class ParsersFuzzTest {
    /** The run's seed: fixed, so CI is reproducible; change it (-Disthmus.fuzz.seed) to explore further. */
    private static final long SEED = Long.getLong("isthmus.fuzz.seed", 11);
    private static final double SCALE = Double.parseDouble(System.getProperty("isthmus.fuzz.scale", "1"));
    private static final Duration LIMIT = Duration.ofSeconds(Long.getLong("isthmus.fuzz.limitSeconds", 10));
    private static final Set<Class<? extends Throwable>> MODEL_ERRORS = Set.of(CheckpointFormatException.class,
            CheckpointMismatchException.class);
    private static final Set<Class<? extends Throwable>> DATA_ERRORS = Set.of(MalformedDataException.class);

    @TempDir
    static Path work;
    private static final List<FuzzHarness.Stats> STATS = new ArrayList<>();
    private static long started;

    @BeforeAll
    static void start() {
        FuzzHarness.resetPeaks();
        started = System.nanoTime();
    }

    @AfterAll
    static void report() throws IOException {
        StringBuilder sb = new StringBuilder(String.format(java.util.Locale.ROOT,
                "fuzz seed %d: %d inputs in %.1f s; heap pools' peaks summed (an upper bound on the peak heap) %.1f MB, -Xmx %d MB%n", SEED,
                STATS.stream().mapToInt(FuzzHarness.Stats::runs).sum(), (System.nanoTime() - started) / 1e9,
                FuzzHarness.peakHeap() / 1048576.0, Runtime.getRuntime().maxMemory() >> 20));
        STATS.forEach(s -> sb.append(s.line()).append('\n'));
        System.out.print(sb);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "fuzz-report.txt"), sb);
    }

    private static int budget(int n) {
        return Math.max(1, (int) (n * SCALE));
    }

    // ---------------------------------------------------------------- targets

    @Test
    void safetensorsHeadersMetadataAndModels() throws Exception {
        run("safetensors", 3000, bytes -> safetensorsMutant(bytes), f -> {
            try (SafeTensors.Contents c = SafeTensors.load(f)) {
                for (Map.Entry<String, Tensor> e : c.tensors().entrySet()) {
                    assertTrue(e.getValue().size() == Tensor.numel(e.getValue().shape()), e.getKey());
                }
            }
            SafeTensors.Header h = SafeTensors.readHeader(f);
            if (h.metadata().containsKey(dev.isthmus.nn.ModelSpec.METADATA_KEY)) {
                try (ModelLoader.Loaded l = ModelLoader.load(f)) {
                    // Accepted strictly: the model's parameters are exactly the file's tensors, shape for shape.
                    Map<String, Tensor> sd = l.model().stateDict();
                    assertTrue(sd.size() == h.entries().size(), "every tensor used");
                    for (SafeTensors.Entry e : h.entries()) {
                        assertArrayEquals(e.shape(), sd.get(e.name()).shape(), e.name());
                    }
                }
            }
        }, MODEL_ERRORS);
    }

    @Test
    void modelSpecJson() throws Exception {
        run("modelspec", 3000, bytes -> {
            String[] parts = new String(bytes, StandardCharsets.UTF_8).split("\n", 2);
            return new Mutations.Mutant((parts[0] + "\n" + Mutations.editJson(parts[1], RANDOM.get(), true))
                    .getBytes(StandardCharsets.UTF_8), "JSON edit", false);
        }, f -> {
            String[] parts = Files.readString(f).split("\n", 2);
            int[] shape = Arrays.stream(parts[0].replaceAll("[\\[\\]]", "").split(",")).mapToInt(Integer::parseInt).toArray();
            ModelPlan plan = ModelPlan.parse(parts[1]);
            int[] out = plan.outputShape(shape);
            if (plan.parameterCount() <= 1_000_000) {
                // The plan must predict exactly what building and running the model gives.
                try (Layer model = plan.build(); Tensor x = Tensor.zeros(withBatch(shape))) {
                    Map<String, int[]> planned = plan.parameterShapes();
                    Map<String, Tensor> built = model.stateDict();
                    assertTrue(planned.keySet().equals(built.keySet()), planned.keySet() + " vs " + built.keySet());
                    planned.forEach((k, v) -> assertArrayEquals(v, built.get(k).shape(), k));
                    model.eval();
                    int[] got;
                    try {
                        got = model.forward(x).shape();
                    } catch (IllegalArgumentException e) {
                        throw new AssertionError("the plan accepted input " + Arrays.toString(shape) + " but forward rejects it: "
                                + e.getMessage(), e);
                    }
                    assertArrayEquals(withBatch(out), got, "forward's shape");
                }
            }
        }, Set.of(IllegalArgumentException.class));
    }

    @Test
    void idxImagesAndLabels() throws Exception {
        run("idx-images", 3000, ParsersFuzzTest::idxMutant, f -> Idx.readImages(f).close(), DATA_ERRORS);
        run("idx-labels", 2000, ParsersFuzzTest::idxMutant, f -> Idx.readLabels(f, 10), DATA_ERRORS);
    }

    @Test
    void gzipMembers() throws Exception {
        // A bit flip in the unused padding bits after the last deflate block changes nothing, so a flipped file may be
        // accepted; what was accepted must then inflate to one of the seeds' contents, byte for byte.
        List<byte[]> contents = new ArrayList<>();
        for (byte[] seed : files("seeds/gzip")) {
            try (InputStream in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(seed))) {
                contents.add(in.readAllBytes());
            }
        }
        run("gzip", 3000, ParsersFuzzTest::gzipMutant, f -> {
            try (InputStream in = new StrictGzipInputStream(Files.newInputStream(f), f.toString(), 1 << 20)) {
                byte[] got = in.readAllBytes();
                assertTrue(contents.stream().anyMatch(c -> Arrays.equals(c, got)), "accepted a corrupt input: "
                        + got.length + " bytes that are no seed's content");
            }
        }, DATA_ERRORS);
    }

    @Test
    void csvFiles() throws Exception {
        run("csv", 3000, bytes -> {
            Random r = RANDOM.get();
            if (isGzip(bytes)) {
                return gzipMutant(bytes);
            }
            if (r.nextInt(6) == 0) {
                byte[] row = "1,2\n".getBytes(StandardCharsets.US_ASCII); // a row one field short
                byte[] out = Arrays.copyOf(bytes, bytes.length + row.length);
                System.arraycopy(row, 0, out, bytes.length, row.length);
                return new Mutations.Mutant(out, "a row with too few fields", true);
            }
            // Plain text has no checksum: a cut or extra bytes may well leave a valid file.
            Mutations.Mutant m = anyBytes(bytes, r, false);
            return new Mutations.Mutant(m.bytes(), m.description(), false);
        }, f -> {
            try (TensorDataset ds = CsvReader.of(f).regression("y")) {
                assertTrue(ds.size() >= 0);
            }
        }, Set.of(MalformedDataException.class, IllegalArgumentException.class));
    }

    @Test
    void pngPredictInput() throws Exception {
        run("png", 3000, bytes -> anyBytes(bytes, RANDOM.get(), true), f -> {
            java.awt.image.BufferedImage img = PictureInput.decode(f);
            assertTrue(img.getWidth() > 0 && img.getHeight() > 0);
        }, Set.of(MalformedDataException.class, CliException.class));
    }

    // ---------------------------------------------------------------- mutants

    /** The generator's Random, shared with the mutation code of the current target (one target at a time). */
    private static final ThreadLocal<Random> RANDOM = new ThreadLocal<>();

    private interface Mutator {
        Mutations.Mutant mutate(byte[] seed) throws Exception;
    }

    /** Byte-level mutants; {@code allMustFail}: every such edit must be rejected (CRC-protected formats). */
    private static Mutations.Mutant anyBytes(byte[] in, Random r, boolean allMustFail) {
        return switch (r.nextInt(7)) {
            case 0, 1 -> new Mutations.Mutant(Mutations.flipBits(in, r, 0, 1 + r.nextInt(4)), "bit flips", allMustFail);
            case 2 -> new Mutations.Mutant(Mutations.truncate(in, r), "truncation", true);
            case 3 -> new Mutations.Mutant(Mutations.append(in, r), "trailing bytes", true);
            case 4 -> new Mutations.Mutant(Mutations.insert(in, r), "inserted bytes", allMustFail);
            case 5 -> new Mutations.Mutant(Mutations.deleteRange(in, r), "deleted bytes", allMustFail);
            default -> new Mutations.Mutant(Mutations.duplicateRange(in, r), "duplicated range", allMustFail);
        };
    }

    private static Mutations.Mutant safetensorsMutant(byte[] in) throws Exception {
        Random r = RANDOM.get();
        long n = ByteBuffer.wrap(in).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        int choice = r.nextInt(10);
        if (choice < 4) {
            // A JSON edit of the header (dtypes, shapes, offsets, metadata, the architecture), re-encoded with a
            // correct length field so it reaches the validation behind the JSON syntax.
            String header = new String(in, 8, (int) n, StandardCharsets.UTF_8).strip();
            String edited = choice == 0 ? editArchitecture(header, r) : Mutations.editJson(header, r, false);
            byte[] json = edited.getBytes(StandardCharsets.UTF_8);
            byte[] data = Arrays.copyOfRange(in, 8 + (int) n, in.length);
            ByteBuffer b = ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
            return new Mutations.Mutant(b.putLong(json.length).put(json).put(data).array(), "header JSON edit", false);
        }
        if (choice == 4) {
            byte[] out = Mutations.lengthField(in, r, 0, 8, true);
            boolean same = Arrays.equals(out, in);
            return new Mutations.Mutant(out, "header length field", !same);
        }
        if (choice == 5) {
            return new Mutations.Mutant(Mutations.flipBits(in, r, 8, 1), "bit flip in the header", false);
        }
        Mutations.Mutant m = anyBytes(in, r, false);
        // Any change of the file's length breaks the exact tiling of the data section.
        return new Mutations.Mutant(m.bytes(), m.description(), m.bytes().length != in.length);
    }

    /** The architecture metadata value edited as JSON (it is a string inside the header's JSON). */
    private static String editArchitecture(String header, Random r) throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode root = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(header);
        com.fasterxml.jackson.databind.JsonNode meta = root.get(SafeTensors.METADATA_KEY);
        if (meta instanceof com.fasterxml.jackson.databind.node.ObjectNode o && o.has(dev.isthmus.nn.ModelSpec.METADATA_KEY)) {
            o.put(dev.isthmus.nn.ModelSpec.METADATA_KEY, Mutations.editJson(o.get(dev.isthmus.nn.ModelSpec.METADATA_KEY).asText(), r, true));
        }
        return json.writeValueAsString(root);
    }

    private static Mutations.Mutant idxMutant(byte[] in) {
        Random r = RANDOM.get();
        if (isGzip(in)) {
            return gzipMutant(in);
        }
        int header = 4 + 4 * (in[3] & 0xFF);
        return switch (r.nextInt(4)) {
            case 0 -> {
                byte[] out = Mutations.lengthField(in, r, 4 + 4 * r.nextInt(in[3] & 0xFF), 4, false);
                yield new Mutations.Mutant(out, "dimension field", !Arrays.equals(out, in));
            }
            case 1 -> {
                byte[] out = Mutations.flipBits(Arrays.copyOf(in, header), r, 0, 1);
                byte[] full = Arrays.copyOf(out, in.length);
                System.arraycopy(in, header, full, header, in.length - header);
                yield new Mutations.Mutant(full, "bit flip in the header", true);
            }
            default -> {
                // With the header intact, the file's length must be exactly what it declares; an edit that also
                // changes the header may happen to declare the new length (a deletion that drops one label and
                // the count's low byte with it, as seed 12 found).
                Mutations.Mutant m = anyBytes(in, r, false);
                byte[] b = m.bytes();
                boolean headerKept = b.length >= header && Arrays.equals(Arrays.copyOf(b, header), Arrays.copyOf(in, header));
                yield new Mutations.Mutant(b, m.description(), b.length != in.length && headerKept);
            }
        };
    }

    /** gzip: bytes 4-9 (time, flags of the compressor, OS) and the FTEXT bit are free; every other edit must fail. */
    private static Mutations.Mutant gzipMutant(byte[] in) {
        Random r = RANDOM.get();
        return switch (r.nextInt(6)) {
            case 0 -> new Mutations.Mutant(Mutations.flipBits(in, r, 10, 1), "bit flip in the deflate data or trailer", false);
            case 1 -> {
                byte[] out = in.clone();
                out[3] ^= (byte) (1 << (1 + r.nextInt(7)));
                yield new Mutations.Mutant(out, "a header flag bit", (out[3] & 0xE0) != 0);
            }
            case 2 -> {
                byte[] out = Mutations.lengthField(in, r, in.length - 4, 4, true);
                yield new Mutations.Mutant(out, "ISIZE field", !Arrays.equals(out, in));
            }
            default -> anyBytes(in, r, false);
        };
    }

    private static boolean isGzip(byte[] b) {
        return b.length > 2 && (b[0] & 0xFF) == 0x1f && (b[1] & 0xFF) == 0x8b;
    }

    private static int[] withBatch(int[] s) {
        int[] out = new int[s.length + 1];
        out[0] = 1;
        System.arraycopy(s, 0, out, 1, s.length);
        return out;
    }

    // ---------------------------------------------------------------- running

    private static void run(String target, int n, Mutator mutator, FuzzHarness.Parser parser,
                            Set<Class<? extends Throwable>> documented) throws Exception {
        List<byte[]> seeds = files("seeds/" + target);
        assertTrue(!seeds.isEmpty(), "no seeds for " + target);
        List<String> failures = new ArrayList<>();
        // Regression inputs first: every committed one must be rejected with a documented exception.
        List<byte[]> regressions = files("regressions/" + target);
        if (!regressions.isEmpty()) {
            int[] k = {0};
            FuzzHarness.Stats replay = FuzzHarness.run(target + "-regressions",
                    r -> new Mutations.Mutant(regressions.get(k[0]++), "regression input " + k[0], true),
                    parser, documented, regressions.size(), SEED, work, LIMIT);
            STATS.add(replay);
            failures.addAll(replay.failures());
        }
        FuzzHarness.Stats s = FuzzHarness.run(target, r -> {
            RANDOM.set(r);
            byte[] seed = seeds.get(r.nextInt(seeds.size()));
            // A valid seed now and then: the oracles must accept what they should.
            return r.nextInt(50) == 0 ? new Mutations.Mutant(seed, "the seed itself", false) : mutator.mutate(seed);
        }, parser, documented, budget(n), SEED, work, LIMIT);
        STATS.add(s);
        failures.addAll(s.failures());
        assertTrue(failures.isEmpty(), failures.size() + " failures (inputs in target/fuzz-crashers/):\n"
                + String.join("\n", failures.subList(0, Math.min(20, failures.size()))));
    }

    private static List<byte[]> files(String dir) throws IOException, URISyntaxException {
        java.net.URL url = ParsersFuzzTest.class.getResource("fuzz/" + dir);
        List<byte[]> out = new ArrayList<>();
        if (url == null) {
            return out;
        }
        try (Stream<Path> s = Files.list(Path.of(url.toURI()))) {
            for (Path p : s.sorted().toList()) {
                out.add(Files.readAllBytes(p));
            }
        }
        return out;
    }
}
