package dev.isthmus.cli;

import dev.isthmus.io.SafeTensors;
import dev.isthmus.nn.Conv2d;
import dev.isthmus.nn.Flatten;
import dev.isthmus.nn.Layer;
import dev.isthmus.nn.Linear;
import dev.isthmus.nn.MaxPool2d;
import dev.isthmus.nn.ModelSpec;
import dev.isthmus.nn.ReLU;
import dev.isthmus.nn.Reshape;
import dev.isthmus.nn.Sequential;
import dev.isthmus.nn.Sigmoid;
import dev.isthmus.nn.Unflatten;
import dev.isthmus.nn.Upsample;
import dev.isthmus.tensor.Tensor;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * The fuzz harness's seeds: small valid files of every format, made by the same code paths users' files come
 * from. {@code main} writes them under {@code src/test/resources/dev/isthmus/cli/fuzz/seeds/} (committed; run it
 * again only to change the seeds): {@code <target>/<name>}.
 */
final class FuzzSeeds {
    private FuzzSeeds() {
    }

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : "samples/src/test/resources/dev/isthmus/cli/fuzz");
        write(root.resolve("seeds"), all());
        write(root.resolve("regressions"), regressions());
    }

    private static void write(Path dir, Map<String, byte[]> files) throws IOException {
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Path f = dir.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.write(f, e.getValue());
        }
    }

    /**
     * Issue 11's small recipes as regression inputs, each of which must be rejected (the large ones are
     * generated at test time by HostileModelFilesTest and HostileDataFilesTest instead of being committed).
     */
    static Map<String, byte[]> regressions() throws IOException {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("png/truncated-60-bytes.png", java.util.Arrays.copyOf(TestPngs.image(28, 28, 0), 60));
        byte[] gz = gzip("a,y\n1,2\n".getBytes(StandardCharsets.US_ASCII));
        byte[] trailing = java.util.Arrays.copyOf(gz, gz.length + 7);
        System.arraycopy("garbage".getBytes(StandardCharsets.US_ASCII), 0, trailing, gz.length, 7);
        m.put("gzip/trailing-garbage.gz", trailing);
        byte[] reserved = gz.clone();
        reserved[3] |= (byte) 0x80;
        m.put("gzip/reserved-flag.gz", reserved);
        try (Sequential mlp = new Sequential(new Flatten(), new Linear(16, 8), new ReLU(), new Linear(8, 3))) {
            m.put("safetensors/flatten-relu-ignores-weights.safetensors", model(mlp,
                    "{\"type\":\"Sequential\",\"layers\":[{\"type\":\"Flatten\",\"start_dim\":1,\"end_dim\":-1},{\"type\":\"ReLU\"}]}",
                    "[1,4,4]"));
            m.put("safetensors/upsample-2-30.safetensors", model(mlp,
                    "{\"type\":\"Sequential\",\"layers\":[{\"type\":\"Upsample\",\"scale_factor\":1073741824}]}", "[1,4,4]"));
            m.put("safetensors/linear-46341.safetensors", model(mlp,
                    "{\"type\":\"Sequential\",\"layers\":[{\"type\":\"Linear\",\"in\":46341,\"out\":46341}]}", "[46341]"));
        }
        StringBuilder relus = new StringBuilder("[1,4,4]\n{\"type\":\"Sequential\",\"layers\":[");
        for (int i = 0; i < 10_001; i++) {
            relus.append(i == 0 ? "" : ",").append("{\"type\":\"ReLU\"}");
        }
        m.put("modelspec/10001-relus.json", relus.append("]}").toString().getBytes(StandardCharsets.UTF_8));
        m.put("modelspec/conv-100000.json", ("[100000,3,3]\n{\"type\":\"Sequential\",\"layers\":[{\"type\":\"Conv2d\","
                + "\"in\":100000,\"out\":100000,\"kernel\":[3,3],\"stride\":[1,1],\"padding\":[0,0]}]}").getBytes(StandardCharsets.UTF_8));
        return m;
    }

    static Map<String, byte[]> all() throws IOException {
        Map<String, byte[]> m = new LinkedHashMap<>();
        try (Sequential mlp = new Sequential(new Flatten(), new Linear(16, 8), new ReLU(), new Linear(8, 3));
             Sequential conv = new Sequential(new Conv2d(1, 2, 3, 1, 1), new ReLU(), new MaxPool2d(2), new Upsample(2),
                     new Flatten(), new Linear(32, 4), new Sigmoid(), new Unflatten(1, 2, 2), new Reshape(4))) {
            m.put("safetensors/mlp.safetensors", model(mlp, "[1,4,4]"));
            m.put("safetensors/conv.safetensors", model(conv, "[1,4,4]"));
            m.put("modelspec/mlp.json", ("[1,4,4]\n" + ModelSpec.toJson(mlp)).getBytes(StandardCharsets.UTF_8));
            m.put("modelspec/conv.json", ("[1,4,4]\n" + ModelSpec.toJson(conv)).getBytes(StandardCharsets.UTF_8));
        }
        try (Tensor a = Tensor.of(new float[]{1, 2, 3, 4, 5, 6}, 2, 3); Tensor b = Tensor.of(new float[]{0.5f}, 1)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Map<String, Tensor> ab = new LinkedHashMap<>();
            ab.put("a", a);
            ab.put("b", b);
            SafeTensors.write(java.nio.channels.Channels.newChannel(out), ab, Map.of("format", "pt"));
            m.put("safetensors/plain.safetensors", out.toByteArray());
        }
        m.put("modelspec/lenet.json", ("[1,28,28]\n" + ModelSpec.toJson(dev.isthmus.models.CourseModels.lenet5(10, 1)))
                .getBytes(StandardCharsets.UTF_8));
        byte[] pixels = new byte[5 * 4 * 4];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 7);
        }
        byte[] images = idx(new int[]{5, 4, 4}, pixels);
        byte[] labels = idx(new int[]{5}, new byte[]{3, 0, 9, 1, 4});
        m.put("idx-images/images-idx3-ubyte", images);
        m.put("idx-images/images-idx3-ubyte.gz", gzip(images));
        m.put("idx-labels/labels-idx1-ubyte", labels);
        m.put("idx-labels/labels-idx1-ubyte.gz", gzip(labels));
        m.put("gzip/images.gz", gzip(images));
        m.put("gzip/text.gz", gzip("a,y\n1,2\n".repeat(20).getBytes(StandardCharsets.US_ASCII)));
        byte[] csv = "a,b,y\n1,2,3\n\"4\",5.5,-6e1\n\n7,8,9\n".getBytes(StandardCharsets.US_ASCII);
        m.put("csv/sums.csv", csv);
        m.put("csv/sums.csv.gz", gzip(csv));
        m.put("png/gray28.png", TestPngs.image(28, 28, 0));
        m.put("png/rgba7x5.png", TestPngs.image(7, 5, 6));
        BufferedImage indexed = new BufferedImage(9, 9, BufferedImage.TYPE_BYTE_INDEXED);
        indexed.setRGB(3, 3, 0xFFFFFF);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(indexed, "png", png);
        m.put("png/indexed9.png", png.toByteArray());
        return m;
    }

    private static byte[] model(Layer net, String inputShape) throws IOException {
        return model(net, ModelSpec.toJson(net), inputShape);
    }

    /** {@code net}'s weights under the architecture {@code arch} (which may not be {@code net}'s). */
    private static byte[] model(Layer net, String arch, String inputShape) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(ModelSpec.METADATA_KEY, arch);
        meta.put(ModelSpec.INPUT_SHAPE_KEY, inputShape);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SafeTensors.write(java.nio.channels.Channels.newChannel(out), net.stateDict(), meta);
        return out.toByteArray();
    }

    /** An unsigned-byte IDX file. */
    static byte[] idx(int[] dims, byte[] data) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.put((byte) 0).put((byte) 0).put((byte) 8).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.put(data).array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }
}
